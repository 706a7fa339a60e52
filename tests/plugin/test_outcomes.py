"""Outcomes that say what happened: a device defect is *failed*, bench trouble is a *bench
error* (never counted against the mask), through the real plugin."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

import harness.bench.bench  # noqa: F401 - imported before pytester snapshots sys.modules
import harness.report.store  # noqa: F401
from harness.errors import (
    BenchError,
    DecodeError,
    FramingError,
    PortVanished,
    ProfileError,
    SecurityError,
    TransportTimeout,
)
from harness.plugin.reporting import bench_trouble
from harness.profiles import default_bench_path
from harness.vocabulary import Outcome

DEVICES = Path(default_bench_path()).parent.parent / "devices"
PORT = "/dev/ttyHARNESS-NO-SUCH-PORT0"

SUITE = '''
import pytest
from harness.errors import PortVanished, TransportTimeout

@pytest.mark.requirement("REQ-A")
def test_uses_the_bench(gpf):
    assert gpf is not None

@pytest.mark.requirement("REQ-B")
def test_also_uses_the_bench(esme):
    assert esme is not None

def test_port_vanishes_mid_test():
    raise PortVanished("port vanished while reading", port="/dev/ttyUSB7")

def test_device_never_answers():
    raise TransportTimeout("no complete frame within 5 s", port="/dev/ttyUSB7")

def test_harness_bug():
    {}["missing"]

def test_device_is_wrong():
    assert 1 == 2, "expected reliable, got unreliable"

def test_every_push_detail():
    assert False, "push 1: snapshot time present\\npush 2: snapshot time missing\\npush 3: snapshot time present"
'''


def _records(path: Path) -> dict[str, dict]:
    return {json.loads(line)["name"]: json.loads(line) for line in path.read_text().splitlines()}


def test_a_missing_port_is_a_bench_error_of_every_test_and_names_the_port(pytester: pytest.Pytester) -> None:
    bench = pytester.path / "nope.yaml"
    bench.write_text(f"kind: bench\nname: nope-bench\nconnection:\n  type: serial\n  path: {PORT}\ndevices:\n"
                     + "".join(f"  - profile: {DEVICES / d}.yaml\n" for d in ("chf-sbch-new", "gpf-sbch-new", "esme")))
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest("--bench", str(bench), "--records", "r.jsonl", "--cycle-store", "c.sqlite",
                                "--cycle-id", "CP", "-k", "bench")
    result.assert_outcomes(errors=2)
    text = result.stdout.str()
    assert "During handling" not in text and "direct cause" not in text  # one line per test
    assert f"bench error (setup): PortVanished: {PORT}: no such port" in text
    recs = _records(pytester.path / "r.jsonl")
    assert {r["outcome"] for r in recs.values()} == {"bench_error"}
    assert all(PORT in r["failure"]["message"] for r in recs.values())

    from harness.report.mask import judge
    from harness.report.store import CycleStore

    with CycleStore(pytester.path / "c.sqlite") as store:
        verdict = judge(store.cycle("CP") or {}, store.records("CP"))
        assert store.bench_runs("CP")["nope-bench"]["state"] == "ended"
    # this process owns the cycle (pytester runs in-process) and only harness run completes one
    assert verdict["status"] == "running" and not verdict["met"] and verdict["open_failures"] == []
    assert len(verdict["bench_errors"]) == 2
    assert verdict["inconclusive_requirements"] == ["REQ-A", "REQ-B"] and verdict["exit"] == 3


def test_timeouts_assertions_and_harness_bugs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    pytester.runpytest("--records", "r.jsonl", "-k", "not bench")
    recs = _records(pytester.path / "r.jsonl")
    assert recs["test_port_vanishes_mid_test"]["outcome"] == "bench_error"
    assert "/dev/ttyUSB7: port vanished" in recs["test_port_vanishes_mid_test"]["failure"]["message"]
    assert recs["test_device_never_answers"]["outcome"] == "failed"  # a silent device on a working line
    assert recs["test_harness_bug"]["outcome"] == "bench_error"
    assert "harness bug: KeyError" in recs["test_harness_bug"]["failure"]["message"]
    assert recs["test_device_is_wrong"]["outcome"] == "failed"
    detail = recs["test_every_push_detail"]["failure"]["message"]  # the expected-vs-actual box: every line
    assert "push 1: snapshot time present" in detail and "push 3: snapshot time present" in detail


def _raised(exc: BaseException, cause: BaseException | None = None) -> BaseException:
    try:
        try:
            if cause is not None:
                raise cause
        finally:
            raise exc
    except BaseException as got:  # noqa: BLE001
        return got


@pytest.mark.parametrize(("exc", "is_bench"), [
    (PortVanished("gone", port="/dev/ttyUSB0"), True),
    (FramingError("CRC failed 20 times", port="/dev/ttyUSB0"), True),
    (ProfileError("bad", file="b.yaml", line=3, field="x"), True),
    (BenchError("bench could not start: emulator exited"), True),
    (TypeError("unsupported operand"), True),
    (TransportTimeout("silent", port="/dev/ttyUSB0"), False),
    (AssertionError("expected reliable"), False),
    (DecodeError("truncated", offset=3, field="MAC"), False),
    (SecurityError("MAC check failed"), False),
])
def test_bench_trouble_rule(exc: BaseException, is_bench: bool) -> None:
    assert (bench_trouble(exc) is not None) is is_bench


def test_a_failure_caused_by_a_vanished_port_is_a_bench_error() -> None:
    # pytest.fail (or any verdict) raised while a PortVanished is being handled: the cause wins
    exc = _raised(AssertionError("no reply"), PortVanished("gone", port="/dev/ttyUSB3"))
    assert "PortVanished: /dev/ttyUSB3: gone" == bench_trouble(exc)


FLAKY_SUITE = '''
from pathlib import Path
import pytest

@pytest.mark.requirement("REQ-F")
@pytest.mark.severity("S1")
def test_fails_once_then_passes():
    marker = Path(__file__).with_name("attempted")
    if not marker.exists():
        marker.write_text("1")
        assert False, "first attempt fails"

@pytest.mark.requirement("REQ-G")
def test_always_fails():
    assert False, "every attempt fails"
'''


def test_reruns_record_every_attempt_and_the_final_outcome_counts(pytester: pytest.Pytester, capsys) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("pytest_rerunfailures")
    from harness.cli import main
    from harness.report.html import render_cycle
    from harness.report.mask import judge
    from harness.report.store import CycleStore

    pytester.makepyfile(test_flaky=FLAKY_SUITE)
    result = pytester.runpytest("-p", "rerunfailures", "--reruns", "1", "--cycle-store", "c.sqlite",
                                "--cycle-id", "CF")
    assert result.parseoutcomes() == {"passed": 1, "failed": 1, "rerun": 2}
    with CycleStore(pytester.path / "c.sqlite") as store:
        records = store.records("CF")
        store.start_cycle("C0", {})
        for r in records:  # an earlier cycle where both passed
            store.add_record("C0", dataclasses.replace(r, outcome=Outcome.PASSED, failure=None))
        store.finish_cycle("CF", {}, state="complete")
        verdict = judge(store.cycle("CF") or {}, records)
        page = render_cycle(store, "CF")
    attempts = [(r.name, r.attempt, r.outcome) for r in records]
    assert attempts == [("test_fails_once_then_passes", 1, "failed"), ("test_fails_once_then_passes", 2, "passed"),
                        ("test_always_fails", 1, "failed"), ("test_always_fails", 2, "failed")]
    assert verdict["counts"]["S1"] == 0 and verdict["counts"]["S3"] == 1  # the final outcome counts
    assert "FLAKY" in page and "1 flaky" in page and "flaky, passed after failing" in page
    capsys.readouterr()
    assert main(["cycles", "--store", str(pytester.path / "c.sqlite"), "compare", "C0", "CF"]) == 0
    out = capsys.readouterr().out
    assert "flaky: 1\n  [emulated-default] test_flaky.py::test_fails_once_then_passes  (passed -> failed, passed)" in out
    assert "new failures: 1\n  [emulated-default] test_flaky.py::test_always_fails  (passed -> failed)" in out
