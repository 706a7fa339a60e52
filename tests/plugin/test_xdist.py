"""pytest-xdist over a profile set: each worker locks its own bench; no free bench -> clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.profiles import default_bench_path

SETS = Path(default_bench_path()).parent.parent / "sets"
BENCHES = Path(default_bench_path()).parent

SUITE = '''
import os
import pytest

@pytest.mark.parametrize("i", range(8))
def test_read(gpf, i):
    r = gpf.send("GCS13a").require()
    assert r.success
'''


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_two_workers_take_two_benches(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_LOCK_DIR", str(pytester.path / "locks"))
    pytester.makepyfile(test_par=SUITE)
    result = pytester.runpytest_subprocess("-n", "2", "--profile-set", str(SETS / "parallel-pair.yaml"),
                                           "--records", "r.jsonl", "--cycle-id", "c-1")
    result.assert_outcomes(passed=8)
    recs = _records(pytester.path / "r.jsonl")
    assert len(recs) == 8
    assert {r["bench"]["name"] for r in recs} == {"emulated-default", "pit-sbch-chnew-gsmenew"}
    assert {r["cycle_id"] for r in recs} == {"c-1"}


def test_worker_without_a_free_bench_errors_clearly(pytester: pytest.Pytester,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_LOCK_DIR", str(pytester.path / "locks"))
    one = pytester.path / "one.yaml"
    one.write_text(f"kind: profile_set\nname: one\nbenches:\n  - {BENCHES / 'emulated-default.yaml'}\n")
    pytester.makepyfile(test_par=SUITE)
    result = pytester.runpytest_subprocess("-n", "2", "--profile-set", str(one), "--bench-wait", "0.3",
                                           "--records", "r.jsonl")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 1 and outcomes.get("errors", 0) >= 1
    result.stdout.fnmatch_lines(["*no free bench after waiting 0.3 s*emulated-default.yaml*"])
