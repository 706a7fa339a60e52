"""Acceptance of the main job: real ``harness run`` subprocesses on emulated benches.

(a) a cycle over two compliant benches writes report, JUnit XML and records and exits 0;
(b) the same bench name with one emulator fault: ``harness cycles compare A B`` lists exactly
    the tests the fault breaks (the failed records of B) as new failures, and nothing else;
(c) that faulty cycle misses the defect mask and exits non-zero.
The suites are cut to SECMP0015 to keep the runtime modest.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.report.store import CycleStore

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
SUITES = "tests/compliance/secmp0015"


def harness(*argv: str) -> subprocess.CompletedProcess[str]:
    """``harness ARGV`` as a subprocess from the repository root (stdout is not a terminal)."""
    return subprocess.run([sys.executable, "-m", "harness.cli", *argv], cwd=REPO, capture_output=True,
                          text=True, timeout=300)


def run_cycle(tmp: Path, cycle_id: str, *choice: str) -> subprocess.CompletedProcess[str]:
    return harness("run", *choice, "--suites", SUITES, "--cycle-id", cycle_id, "--parallel", "2",
                   "--store", str(tmp / "cycles.sqlite"), "--reports", str(tmp / "reports"))


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("acceptance")


@pytest.fixture(scope="module")
def compliant_cycle(lab: Path) -> subprocess.CompletedProcess[str]:
    return run_cycle(lab, "CSET", "--profile-set", str(DATA / "acc-two-compliant.yaml"))


@pytest.fixture(scope="module")
def fault_cycles(lab: Path) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    a = run_cycle(lab, "CA", "--bench", str(DATA / "acc-bench-compliant.yaml"))
    b = run_cycle(lab, "CB", "--bench", str(DATA / "acc-bench-faulty.yaml"))
    return a, b


def test_compliant_cycle_writes_report_junit_records_and_exits_0(
        lab: Path, compliant_cycle: subprocess.CompletedProcess[str]) -> None:
    done = compliant_cycle
    assert done.returncode == 0, done.stdout + done.stderr
    assert "defect mask MET" in done.stdout
    folder = lab / "reports" / "CSET"
    records = [json.loads(line) for line in (folder / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    benches = {r["bench"]["name"] for r in records}
    assert benches == {"emulated-default", "pit-sbch-chnew-gsmenew"}
    per_bench = {b: {r["nodeid"] for r in records if r["bench"]["name"] == b} for b in benches}
    assert per_bench["emulated-default"] == per_bench["pit-sbch-chnew-gsmenew"] and per_bench["emulated-default"]
    assert {r["outcome"] for r in records} <= {"passed", "skipped", "waived"}

    # The store holds every test the suites collected, once per bench.
    collected = subprocess.run([sys.executable, "-m", "pytest", SUITES, "--collect-only", "-q", "-p", "no:cacheprovider"],
                               cwd=REPO, capture_output=True, text=True, timeout=120).stdout
    expected = {line for line in collected.splitlines() if "::" in line}
    assert per_bench["emulated-default"] == expected
    with CycleStore(lab / "cycles.sqlite") as store:
        stored = store.records("CSET")
        cycle = store.cycle("CSET")
    assert len(stored) == 2 * len(expected) == len(records)
    assert cycle is not None and cycle["verdict"]["met"] is True

    junit = ET.parse(folder / "junit.xml").getroot()
    assert int(junit.get("tests", "0")) == len(records)
    assert int(junit.get("failures", "0")) == 0 and int(junit.get("errors", "0")) == 0
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "Defect mask MET" in page and "CSET" in page
    assert "emulated-default" in page and "pit-sbch-chnew-gsmenew" in page

    # Non-tty progress: one line per finished bench, not a flood.
    bench_lines = [line for line in done.stdout.splitlines() if "benches]" in line]
    assert len(bench_lines) == 2 and len(done.stdout.splitlines()) < 12


def test_compare_lists_exactly_the_tests_the_fault_breaks(
        lab: Path, fault_cycles: tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]) -> None:
    a, b = fault_cycles
    assert a.returncode == 0, a.stdout + a.stderr
    with CycleStore(lab / "cycles.sqlite") as store:
        failed_b = {r.nodeid for r in store.records("CB") if r.outcome in ("failed", "error")}
        passed_a = {r.nodeid for r in store.records("CA") if r.outcome == "passed"}
    assert failed_b, "the bit2_never_set fault must break at least one SECMP0015 test"
    assert failed_b <= passed_a

    done = harness("cycles", "--store", str(lab / "cycles.sqlite"), "--json", "compare", "CA", "CB")
    assert done.returncode == 0, done.stderr
    diff = json.loads(done.stdout)
    assert {(i["bench"], i["nodeid"]) for i in diff["new_failures"]} == {("acc-bench", n) for n in failed_b}
    assert all(i["before"] == "passed" for i in diff["new_failures"])
    for category in ("fixed", "still_failing", "flaky", "new_tests", "removed_tests"):
        assert diff[category] == [], category

    text = harness("cycles", "--store", str(lab / "cycles.sqlite"), "compare", "CA", "CB").stdout
    assert f"new failures: {len(failed_b)}" in text and "fixed: 0" in text


def test_a_cycle_that_misses_the_mask_exits_non_zero(
        lab: Path, fault_cycles: tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]) -> None:
    b = fault_cycles[1]
    assert b.returncode == 1, b.stdout + b.stderr
    assert "defect mask NOT MET" in b.stdout
    assert (lab / "reports" / "CB" / "report.html").is_file()
    page = (lab / "reports" / "CB" / "report.html").read_text(encoding="utf-8")
    assert "Defect mask NOT MET" in page and "bit2_never_set" in page


def test_a_bench_with_a_missing_port_is_inconclusive_never_a_device_defect(tmp_path: Path) -> None:
    port = "/dev/ttyHARNESS-ABSENT-ADAPTER0"
    devices = REPO / "device_profiles" / "devices"
    bench = tmp_path / "absent.yaml"
    bench.write_text(f"kind: bench\nname: absent-adapter\nconnection:\n  type: serial\n  path: {port}\ndevices:\n"
                     + "".join(f"  - profile: {devices / d}.yaml\n"
                               for d in ("chf-sbch-new", "gpf-sbch-new", "gsme-new", "esme")), encoding="utf-8")
    done = run_cycle(tmp_path, "CPORT", "--bench", str(bench))
    assert done.returncode == 3, done.stdout + done.stderr
    assert "defect mask INCONCLUSIVE" in done.stdout and f"bench error on absent-adapter: PortVanished: {port}" \
        in done.stdout.replace("bench error: ", "")
    page = (tmp_path / "reports" / "CPORT" / "report.html").read_text(encoding="utf-8")
    banner = page[page.index('id="verdict"'):page.index('id="mask"')]
    assert "Inconclusive: bench error" in banner and "MET" not in banner
    assert "inconclusive: bench error" in page and port in page
    matrix = page[page.index('id="traceability"'): page.index('id="waivers"')]
    assert 'class="o-failed">failed' not in matrix  # 0 requirements marked failed
    with CycleStore(tmp_path / "cycles.sqlite") as store:
        records = store.records("CPORT")
        cycle = store.cycle("CPORT")
    assert records and {r.outcome for r in records} <= {"bench_error", "skipped"}
    assert cycle is not None and cycle["state"] == "complete" and cycle["verdict"]["open_failures"] == []
