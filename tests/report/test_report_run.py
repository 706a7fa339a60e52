"""``harness run`` end to end on a tiny stand-in suite (two benches, real pytest subprocesses).

The stand-in suite's conftest plays the plugin's part (options, one record per test into the
cycle store) and the real plugin is switched off with ``-p no:harness``, so this tests the
orchestration alone: subprocess per bench, progress, verdict, exit status, report, JUnit, JSONL.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.cli import main
from harness.commands.run import new_cycle_id
from harness.report.store import CycleStore

CONFTEST = '''
import pytest
from harness.report.store import CycleStore

def pytest_addoption(parser):
    for name in ("--bench", "--cycle-store", "--cycle-id"):
        try:
            parser.addoption(name, default=None)
        except ValueError:
            pass

def pytest_configure(config):
    config.addinivalue_line("markers", "requirement(*ids): requirement")
    config.addinivalue_line("markers", "severity(s): severity")

def pytest_runtest_logreport(report):
    import yaml
    if not (report.when == "call" or (report.when == "setup" and report.skipped)):
        return
    config = pytest._stand_in_config
    bench = yaml.safe_load(open(config.getoption("bench")))["name"]
    item = pytest._stand_in_items[report.nodeid]
    store = CycleStore(config.getoption("cycle_store"))
    store.add_record(config.getoption("cycle_id"), {
        "nodeid": report.nodeid, "name": item.name, "outcome": report.outcome,
        "bench": {"name": bench, "path": config.getoption("bench"), "connection": "emulated"},
        "requirements": [a for m in item.iter_markers("requirement") for a in m.args],
        "severity": next((m.args[0] for m in item.iter_markers("severity")), "S3"),
        "failure": {"message": "expected 1, got 2", "text": ""} if report.failed else None,
    })
    store.close()

def pytest_collection_modifyitems(config, items):
    pytest._stand_in_config = config
    pytest._stand_in_items = {i.nodeid: i for i in items}
'''

SUITE = '''
import pytest

@pytest.mark.requirement("SECMP0015-FR4")
def test_ok():
    assert 1 == 1

@pytest.mark.requirement("SECMP0002-R1")
@pytest.mark.severity("S2")
def test_bad():
    assert 1 == 2, "expected 1, got 2"

def test_skip():
    pytest.skip("bench lacks capability debt_register_reset")
'''


BENCH = """kind: bench
name: {name}
connection:
  type: emulated
devices:
  - role: IHD
    eui: 00DB000000000001
    name: stand-in
    firmware: "1.0"
"""


def _make_lab(root: Path) -> Path:
    suite = root / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (suite / "test_standin.py").write_text(SUITE, encoding="utf-8")
    for name in ("bench-one", "bench-two"):
        (root / f"{name}.yaml").write_text(BENCH.format(name=name), encoding="utf-8")
    return root


def _run(lab: Path, *extra: str, benches: tuple[str, ...] = ("bench-one", "bench-two")) -> int:
    chosen = [a for b in benches for a in ("--bench", str(lab / f"{b}.yaml"))]
    return main(["run", *chosen, "--suites", str(lab / "suite"), "--store", str(lab / "cycles.sqlite"),
                 "--reports", str(lab / "reports"), "--pytest-args", "-p no:harness", *extra])


@pytest.fixture(scope="module")
def lab_c1(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    """One cycle C1 over two benches in parallel (shared by the tests below: subprocesses are slow)."""
    import contextlib
    import io

    lab = _make_lab(tmp_path_factory.mktemp("lab"))
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = _run(lab, "--cycle-id", "C1", "--parallel", "2")
    return lab, status, buffer.getvalue()


def test_run_cycle_writes_everything_and_fails_on_the_mask(lab_c1: tuple[Path, int, str]) -> None:
    lab, status, out = lab_c1
    assert status == 1
    assert "[6/6 tests] failures 2" in out
    assert "defect mask NOT MET" in out and "S2 2/0" in out

    folder = lab / "reports" / "C1"
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "Defect mask NOT MET" in page and "bench-one" in page and "bench-two" in page
    assert "expected 1, got 2" in page
    records = [json.loads(line) for line in (folder / "records.jsonl").read_text().splitlines()]
    assert len(records) == 6 and {r["bench"]["name"] for r in records} == {"bench-one", "bench-two"}
    junit = ET.parse(folder / "junit.xml").getroot()
    assert junit.get("tests") == "6" and junit.get("failures") == "2" and junit.get("skipped") == "2"
    assert sorted(s.get("name") for s in junit.iter("testsuite")) == ["bench-one", "bench-two"]
    pytest_html = (folder / "pytest-html-bench-one.html").read_text(encoding="utf-8")
    assert "GBCS compliance harness" in pytest_html and "Requirements" in pytest_html

    with CycleStore(lab / "cycles.sqlite") as store:
        cycle = store.cycle("C1")
        assert cycle is not None and cycle["finished"] and cycle["state"] == "complete"
        assert cycle["verdict"]["met"] is False and cycle["verdict"]["counts"]["S2"] == 2
        assert cycle["verdict"]["bench_errors"] == [] and cycle["verdict"]["status"] == "not_met"
        assert set(store.bench_runs("C1")) == {"bench-one", "bench-two"}
        assert {r["state"] for r in store.bench_runs("C1").values()} == {"ended"}


def test_mask_option_lets_a_cycle_pass_and_cycles_compare(lab_c1: tuple[Path, int, str], capsys) -> None:  # type: ignore[no-untyped-def]
    lab = lab_c1[0]
    assert _run(lab, "--cycle-id", "C2", "--mask", "S2=2", "--parallel", "1") == 0
    assert "defect mask MET" in capsys.readouterr().out
    assert main(["cycles", "--store", str(lab / "cycles.sqlite"), "--json", "compare", "C1", "C2"]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert len(diff["still_failing"]) == 2 and diff["new_failures"] == [] and diff["fixed"] == []


def test_a_bench_that_cannot_run_makes_the_cycle_incomplete_and_resume_completes_it(
        tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lab = _make_lab(tmp_path)
    suite = lab / "suite" / "test_standin.py"
    good = suite.read_text(encoding="utf-8")
    suite.write_text("import not_a_module_anywhere\n", encoding="utf-8")
    assert _run(lab, "--cycle-id", "CE", "--mask", "S1=9,S2=9,S3=9,S4=9", benches=("bench-one",)) == 3
    out = capsys.readouterr().out
    assert "bench bench-one did not run to the end: crashed: pytest exit status 2" in out
    assert "defect mask INCONCLUSIVE" in out and "MET" not in out.replace("INCONCLUSIVE", "")
    assert f"harness run --resume CE --store {lab / 'cycles.sqlite'}" in out
    page = (lab / "reports" / "CE" / "report.html").read_text(encoding="utf-8")
    assert "Defect mask MET" not in page and "Inconclusive" in page and "harness run --resume CE" in page
    assert main(["cycles", "--store", str(lab / "cycles.sqlite"), "show", "CE"]) == 3
    assert "incomplete" in capsys.readouterr().out

    suite.write_text(good, encoding="utf-8")  # the bench is fixed: resume runs it into the same cycle
    assert main(["run", "--resume", "CE", "--store", str(lab / "cycles.sqlite"), "--reports", str(lab / "reports")]) == 0
    out = capsys.readouterr().out
    assert "resuming cycle CE: 1 bench(es)" in out and "defect mask MET" in out
    with CycleStore(lab / "cycles.sqlite") as store:
        assert store.cycle("CE")["state"] == "complete"  # type: ignore[index]
    assert main(["run", "--resume", "CE", "--store", str(lab / "cycles.sqlite"), "--reports", str(lab / "reports")]) == 0
    assert "0 bench(es) to run" in capsys.readouterr().out


def test_cycle_ids_sort_by_time() -> None:
    import datetime as dt

    t = dt.datetime(2024, 5, 1, 9, 59, 59, 999000, tzinfo=dt.timezone.utc)
    first, second = new_cycle_id(t), new_cycle_id(t + dt.timedelta(milliseconds=1))
    assert first == "C20240501T095959999Z" and first < second


SLOW_SUITE = '''
import time
import pytest

@pytest.mark.parametrize("i", range(4))
@pytest.mark.requirement("SECMP0015-FR4")
def test_slow(i):
    time.sleep(0.3)
'''


def _kill_run_when(lab: Path, cycle_id: str, ready: Callable[[str], bool]) -> str:
    """Start ``harness run`` (two benches one after the other), SIGKILL it once ``ready(output so
    far)`` holds; the output it printed."""
    import os
    import signal
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "harness.cli", "run", "--bench", str(lab / "bench-one.yaml"),
           "--bench", str(lab / "bench-two.yaml"), "--parallel", "1", "--suites", str(lab / "suite"),
           "--store", str(lab / "cycles.sqlite"), "--reports", str(lab / "reports"), "--cycle-id", cycle_id,
           "--pytest-args", "-p no:harness"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    seen = ""
    assert proc.stdout is not None
    while not ready(seen):
        line = proc.stdout.readline()
        assert line, f"harness run ended before the kill point: {seen}"
        seen += line
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return seen


def _count(lab: Path, cycle_id: str) -> int:
    with CycleStore(lab / "cycles.sqlite") as store:
        return len(store.records(cycle_id))


@pytest.mark.parametrize("moment", ["at start", "mid bench", "between benches"])
def test_sigkill_of_harness_run_leaves_an_incomplete_cycle_that_resume_completes(
        tmp_path: Path, moment: str, capsys) -> None:  # type: ignore[no-untyped-def]
    import time

    lab = _make_lab(tmp_path)
    (lab / "suite" / "test_standin.py").write_text(SLOW_SUITE, encoding="utf-8")
    store_path = lab / "cycles.sqlite"

    def ready(out: str) -> bool:
        if moment == "at start":
            return "harness run: cycle" in out
        if moment == "between benches":
            return "[1/2 benches]" in out
        return store_path.is_file() and "harness run: cycle" in out and _count(lab, "CK") >= 2

    _kill_run_when(lab, "CK", ready)
    kept = _count(lab, "CK")
    time.sleep(1.5)  # the benches died with the run: nothing writes into the cycle any more
    assert _count(lab, "CK") == kept
    if moment == "between benches":
        assert kept >= 4

    assert main(["cycles", "--store", str(store_path), "list"]) == 0
    listed = capsys.readouterr().out
    assert "CK" in listed and "incomplete  mask INCONCLUSIVE" in listed and " MET" not in listed
    assert main(["cycles", "--store", str(store_path), "show", "CK"]) == 3
    shown = capsys.readouterr().out
    assert "incomplete" in shown and "defect mask INCONCLUSIVE" in shown and "bench bench-two" in shown
    assert main(["report", "CK", "--store", str(store_path), "--reports", str(lab / "reports")]) == 0
    capsys.readouterr()
    page = (lab / "reports" / "CK" / "report.html").read_text(encoding="utf-8")
    banner = page[page.index('id="verdict"'):page.index('id="mask"')]
    assert "MET" not in banner and "incomplete" in banner
    assert "harness run --resume CK" in page

    assert main(["run", "--resume", "CK", "--store", str(store_path), "--reports", str(lab / "reports")]) == 0
    out = capsys.readouterr().out
    assert "defect mask MET" in out
    with CycleStore(store_path) as store:
        cycle = store.cycle("CK")
        assert cycle is not None and cycle["state"] == "complete"
        finals = {(r.bench.name, r.nodeid) for r in store.records("CK")}
    assert len(finals) == 8  # every test of both benches, the kept ones and the re-run ones


BAD_PROFILES = {
    "yaml_syntax": ("kind: bench\nname: b\nconnection: {type: emulated\ndevices: []\n", 4, ""),
    "unknown_field": (BENCH.format(name="b") + "colour: red\n", 10, "colour"),
    "bad_connection": (BENCH.format(name="b").replace("type: emulated", "type: carrier-pigeon"), 4, "connection.type"),
    "no_devices": ("kind: bench\nname: b\nconnection:\n  type: emulated\ndevices: []\n", 5, "devices"),
    "missing_device_profile": (BENCH.format(name="b").split("devices:")[0] + "devices:\n  - profile: nope.yaml\n",
                               6, "devices[0].profile"),
}


@pytest.mark.parametrize("case", sorted(BAD_PROFILES))
def test_a_bad_profile_is_one_line_exit_2_and_nothing_stored(tmp_path: Path, case: str, capsys) -> None:  # type: ignore[no-untyped-def]
    text, line, field = BAD_PROFILES[case]
    bench = tmp_path / "bad.yaml"
    bench.write_text(text, encoding="utf-8")
    store = tmp_path / "cycles.sqlite"
    status = main(["run", "--bench", str(bench), "--store", str(store), "--reports", str(tmp_path / "reports")])
    captured = capsys.readouterr()
    assert status == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    where = f"{bench}:{line}: " + (f"field '{field}' " if field else "")
    assert lines[0].startswith(where), lines[0]
    assert not store.exists() and not (tmp_path / "reports").exists() and captured.out == ""


def test_a_bad_bench_in_a_profile_set_is_one_line_exit_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "bad.yaml").write_text(BENCH.format(name="b") + "colour: red\n", encoding="utf-8")
    pset = tmp_path / "set.yaml"
    pset.write_text("kind: profile_set\nname: s\nbenches:\n  - bad.yaml\n", encoding="utf-8")
    assert main(["run", "--profile-set", str(pset), "--store", str(tmp_path / "c.sqlite")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.yaml:10: field 'colour'" in err[0]
    assert not (tmp_path / "c.sqlite").exists()


def test_a_closed_pipe_never_skips_the_report_or_the_verdict(tmp_path: Path) -> None:
    """``harness run | head -1``: the reader goes after one line; the run goes on to the end."""
    import subprocess
    import sys

    lab = _make_lab(tmp_path)
    cmd = [sys.executable, "-m", "harness.cli", "run", "--bench", str(lab / "bench-one.yaml"),
           "--suites", str(lab / "suite"), "--store", str(lab / "cycles.sqlite"), "--reports", str(lab / "reports"),
           "--cycle-id", "CPIPE", "--pytest-args=-p no:harness"]
    import shlex

    done = subprocess.run(f"{shlex.join(cmd)} | head -1; echo \"status ${{PIPESTATUS[0]}}\"", shell=True,
                          executable="/bin/bash", capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[2])
    out = done.stdout.splitlines()
    assert out[0].startswith("harness run: cycle CPIPE") and out[-1] == "status 1", done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
    assert (lab / "reports" / "CPIPE" / "report.html").is_file()
    with CycleStore(lab / "cycles.sqlite") as store:
        cycle = store.cycle("CPIPE")
    assert cycle is not None and cycle["state"] == "complete" and cycle["verdict"]["status"] == "not_met"
