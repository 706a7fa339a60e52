"""Captures in runs: a tiny suite on the default emulated bench with ``--captures`` writes one
pcapng per bench-using test holding exactly the record's exchanges; the record names the
file; the per-cycle merge and the HTML report link them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

# Import the client stack before pytester snapshots sys.modules (see tests/plugin/test_plugin.py).
import harness.bench.bench  # noqa: F401
import harness.emulators  # noqa: F401
import harness.gbcs.decode  # noqa: F401
import harness.gbcs.usecases  # noqa: F401
from harness.commands.run import CYCLE_CAPTURE, merge_cycle_captures
from harness.plugin.capture import sanitise
from harness.records import TestRecord
from harness.report.html import capture_href, render_html

pytest.importorskip("pcapng")

from harness.capture import read_capture, section_comments  # noqa: E402
from tests.capture.tshark import tshark_available, tshark_fields  # noqa: E402

SUITE = '''
import pytest

def test_gcs13a(gpf, gsme):
    gsme.push()
    assert gpf.send("GCS13a").require().success

@pytest.mark.parametrize("register", ["TDR1", "PDR"])
def test_reset(esme, register):
    assert esme.send("ECS07r", register=register).require().success
    assert esme.send("ECS19").require().debt[register] == 0

def test_no_bench():
    assert True
'''
BENCH = "emulated-default"


def _records(path: Path) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in map(json.loads, path.read_text().splitlines())}


@pytest.fixture
def run(pytester: pytest.Pytester) -> tuple[Path, dict[str, dict[str, Any]]]:
    """The suite run once with --captures out/captures; (out folder, records by test name)."""
    pytester.makepyfile(test_tiny=SUITE)
    result = pytester.runpytest("--captures", "out/captures", "--records", "out/r.jsonl", "--cycle-id", "CAP1")
    result.assert_outcomes(passed=4)
    out = pytester.path / "out"
    return out, _records(out / "r.jsonl")


def test_one_capture_per_test_with_the_records_exchanges(run: tuple[Path, dict[str, dict[str, Any]]]) -> None:
    out, recs = run
    files = sorted(p.relative_to(out).as_posix() for p in (out / "captures").rglob("*.pcapng"))
    bench_tests = [r for r in recs.values() if r["exchanges"]]
    assert len(bench_tests) == 3
    assert files == sorted(r["capture"] for r in bench_tests)
    for rec in bench_tests:
        assert rec["capture"] == f"captures/{BENCH}/{sanitise(rec['nodeid'])}.pcapng"
        frames = read_capture(out / rec["capture"])
        gbcs = [(f.direction, f.data.hex().upper()) for f in frames if f.kind == "GBCS"]
        assert gbcs == [(x["direction"], x["hex"]) for x in rec["exchanges"]]
        assert all(rec["nodeid"] in f.comment and BENCH in f.comment for f in frames)
        assert section_comments(out / rec["capture"]) == [f"test {rec['nodeid']} on bench {BENCH} (cycle CAP1)"]
        assert TestRecord.from_dict(rec).capture == rec["capture"]
    # a test that never touched the bench leaves no file and names none
    assert recs["test_no_bench"]["capture"] is None


def test_cycle_capture_and_html_links(run: tuple[Path, dict[str, dict[str, Any]]]) -> None:
    out, recs = run
    assert merge_cycle_captures(out) == CYCLE_CAPTURE
    merged = read_capture(out / CYCLE_CAPTURE)
    per_test = [f for r in recs.values() if r["capture"] for f in read_capture(out / r["capture"])]
    assert sorted(f.data for f in merged) == sorted(f.data for f in per_test)
    assert [f.ts for f in merged] == sorted(f.ts for f in merged)

    cycle = {"id": "CAP1", "started": "", "finished": "", "meta": {}, "verdict": {"capture": CYCLE_CAPTURE}}
    page = render_html(cycle, [TestRecord.from_dict(r) for r in recs.values()], {})
    (out / "report.html").write_text(page, encoding="utf-8")
    assert f'<a href="{CYCLE_CAPTURE}" id="cycle-capture">' in page
    for rec in recs.values():
        if rec["capture"]:
            assert f'<a href="{rec["capture"]}">' in page
            assert (out / rec["capture"]).is_file()  # the link resolves next to report.html
    assert len(re.findall(r'href="[^"]*\.pcapng"', page)) == 4  # three tests and the cycle


def test_captures_from_the_environment(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_CAPTURES", str(pytester.path / "env-caps"))
    pytester.makepyfile(test_tiny=SUITE)
    pytester.runpytest("--records", "r.jsonl", "-k", "gcs13a").assert_outcomes(passed=1)
    rec = _records(pytester.path / "r.jsonl")["test_gcs13a"]
    assert rec["capture"] == f"env-caps/{BENCH}/test_tiny.py__test_gcs13a.pcapng"
    assert (pytester.path / rec["capture"]).is_file()


def test_no_captures_without_the_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_tiny=SUITE)
    pytester.runpytest("--records", "r.jsonl", "-k", "gcs13a").assert_outcomes(passed=1)
    assert _records(pytester.path / "r.jsonl")["test_gcs13a"]["capture"] is None
    assert not list(pytester.path.rglob("*.pcapng"))


@pytest.mark.parametrize("value,href", [
    ("captures/b/t.pcapng", "captures/b/t.pcapng"),
    ('captures/b/"><script>x.pcapng', "captures/b/%22%3E%3Cscript%3Ex.pcapng"),
    ("javascript:alert(1)", ""), ("/etc/passwd", ""), ("../../secret.pcapng", ""), (None, ""), (42, ""),
])
def test_capture_links_are_relative_and_escaped(value: Any, href: str) -> None:
    assert capture_href(value) == href


def test_sanitised_names_are_safe_and_distinct() -> None:
    assert sanitise("tests/a.py::test_x[TDR1-0]") == "tests_a.py__test_x_TDR1-0"
    long_a, long_b = "t.py::test_" + "a" * 200 + "[1]", "t.py::test_" + "a" * 200 + "[2]"
    assert len(sanitise(long_a)) <= 130 and sanitise(long_a) != sanitise(long_b)


def test_merge_with_no_captures_gives_none(tmp_path: Path) -> None:
    assert merge_cycle_captures(tmp_path) is None
    assert not (tmp_path / CYCLE_CAPTURE).exists()


def test_a_torn_capture_is_left_out_of_the_cycle_file(run: tuple[Path, dict[str, dict[str, Any]]]) -> None:
    out, recs = run
    torn = out / "captures" / BENCH / "torn.pcapng"
    torn.write_bytes(b"\x0a\x0d\x0d\x0a\x10\x00")
    assert merge_cycle_captures(out) == CYCLE_CAPTURE
    expected = sum(len(read_capture(out / r["capture"])) for r in recs.values() if r["capture"])
    assert len(read_capture(out / CYCLE_CAPTURE)) == expected


def test_harness_run_captures_every_bench_and_links_the_cycle_file(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from harness.cli import main
    from harness.profiles import default_bench_path

    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_tiny.py").write_text(SUITE, encoding="utf-8")
    reports = tmp_path / "reports"
    status = main(["run", "--bench", str(default_bench_path()), "--suites", str(suite), "--cycle-id", "CAPRUN",
                   "--store", str(tmp_path / "cycles.sqlite"), "--reports", str(reports), "--parallel", "1",
                   "--all-captures"])  # the default keeps only failed tests' captures (issue 12)
    capsys.readouterr()
    assert status == 0
    out = reports / "CAPRUN"
    per_test = sorted((out / "captures" / BENCH).glob("*.pcapng"))
    assert len(per_test) == 3
    merged = read_capture(out / CYCLE_CAPTURE)
    assert len(merged) == sum(len(read_capture(p)) for p in per_test)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f'href="{CYCLE_CAPTURE}"' in page
    records = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    linked = [r["capture"] for r in records if r["capture"]]
    assert sorted(out / c for c in linked) == per_test
    assert all(f'href="{c}"' in page for c in linked)
    if not tshark_available():
        return  # the rest is checked in CI, where scripts/setup installs tshark
    # the cycle capture of a real `harness run` opens decoded in stock tshark, no configuration
    rows = tshark_fields(out / CYCLE_CAPTURE, tmp_path / "home")
    assert len(rows) == len(merged) and all("Malformed" not in r["_ws.col.Info"] for r in rows)
    gbcs = [r["_ws.col.Info"] for r in rows if "gbcs_message" in r["frame.protocols"]]
    assert "Command, GCS13a Read GSME Consumption Register" in gbcs
    assert "Response, GCS13a Read GSME Consumption Register" in gbcs


def test_harness_run_keeps_only_failed_tests_captures_by_default(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from harness.cli import main
    from harness.profiles import default_bench_path

    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_tiny.py").write_text(SUITE + '''

def test_fails_after_talking(gpf, gsme):
    gsme.push()
    gpf.send("GCS13a")
    assert False, "the device did something wrong"
''', encoding="utf-8")
    reports = tmp_path / "reports"
    status = main(["run", "--bench", str(default_bench_path()), "--suites", str(suite), "--cycle-id", "CAPFAIL",
                   "--store", str(tmp_path / "cycles.sqlite"), "--reports", str(reports), "--parallel", "1"])
    capsys.readouterr()
    assert status == 1
    kept = sorted(p.name for p in (reports / "CAPFAIL" / "captures").rglob("*.pcapng"))
    assert len(kept) == 1 and "test_fails_after_talking" in kept[0]
    records = [json.loads(line) for line in (reports / "CAPFAIL" / "records.jsonl").read_text().splitlines()]
    assert [r["name"] for r in records if r["capture"]] == ["test_fails_after_talking"]
    failed = next(r for r in records if r["name"] == "test_fails_after_talking")
    passed = next(r for r in records if r["outcome"] == "passed" and r["exchanges"])
    assert all("decoded" in x for x in failed["exchanges"])  # in full for a failure ...
    assert not any("decoded" in x for x in passed["exchanges"])  # ... hex and summary for a pass
