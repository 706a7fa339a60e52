"""Cycle store: round trip, meta/verdict merging, durability under SIGKILL, rebuild from store."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from report_factory import record

from harness.cli import main
from harness.records import BenchInfo, TestRecord, Waiver
from harness.report.store import CycleStore
from harness.vocabulary import Outcome

CHILD = r"""
import sqlite3, sys, json
from harness.report.store import CycleStore
path, cycle_id, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = CycleStore(path)
store.start_cycle(cycle_id, {"bench_names": ["bench-a"]})
for i in range(n):
    store.add_record(cycle_id, {"nodeid": f"t.py::test_{i}", "outcome": "failed" if i % 2 else "passed",
                                "bench": {"name": "bench-a"}, "requirements": ["SECMP0002-R1"],
                                "severity": "S2"})
    print(f"stored {i}", flush=True)
# A test whose record is being written when the run dies: its transaction never commits.
raw = sqlite3.connect(path, isolation_level=None)
raw.execute("BEGIN IMMEDIATE")
raw.execute("INSERT INTO records(cycle_id, nodeid, bench, outcome, severity, requirements, record, finished)"
            " VALUES (?, 'half.py::test_half', 'bench-a', 'passed', 'S3', '[]', '{}', 'x')", (cycle_id,))
print("in flight", flush=True)
sys.stdin.read()  # blocks until killed
"""


def test_round_trip_keeps_order_and_columns(store: CycleStore) -> None:
    store.start_cycle("C1", {"bench_names": ["bench-a"]})
    store.add_record("C1", record("a.py::test_1", "passed"))
    store.add_record("C1", record("a.py::test_2", "failed", severity="S1", requirements=("R1", "R2")))
    got = store.records("C1")
    assert [r.nodeid for r in got] == ["a.py::test_1", "a.py::test_2"]
    assert got[1].failure is not None and got[1].failure.message.startswith("expected reliable")
    row = store._db.execute("SELECT bench, outcome, severity, requirements FROM records WHERE nodeid = ?",
                            ("a.py::test_2",)).fetchone()
    assert tuple(row) == ("bench-a", "failed", "S1", '["R1", "R2"]')
    assert store.cycle("C1")["counts"] == {"passed": 1, "failed": 1}
    assert store.progress("C1")["done"] == 2 and store.progress("C1")["failures"] == 1


def test_accepts_testrecord_objects(store: CycleStore) -> None:
    rec = TestRecord(nodeid="b.py::test_obj", name="test_obj", outcome=Outcome.WAIVED, bench=BenchInfo(name="bench-b"),
                     requirements=["SECMP0015-FR1"], waiver=Waiver("known deviation"))
    store.add_record("C2", rec)  # the cycle is created implicitly
    (got,) = store.records("C2")
    assert got.waiver is not None and got.waiver.reason == "known deviation" and got.bench.name == "bench-b"
    assert [c["id"] for c in store.cycles()] == ["C2"]


def test_start_cycle_merges_meta_and_finish_merges_verdict(store: CycleStore) -> None:
    store.start_cycle("C1", {"bench_names": ["a"], "profile_set": "set.yaml"})
    store.start_cycle("C1", {"bench_names": ["b"], "profile_set": "other.yaml", "bench": "b.yaml"})
    meta = store.cycle("C1")["meta"]
    assert meta["bench_names"] == ["a", "b"] and meta["profile_set"] == "set.yaml" and meta["bench"] == "b.yaml"
    assert store.cycle("C1")["state"] == "running"  # this process owns it and is alive
    store.finish_cycle("C1", {"exitstatus": 1}, state="incomplete")
    store.finish_cycle("C1", {"met": False}, state="complete")
    cycle = store.cycle("C1")
    assert cycle["verdict"] == {"exitstatus": 1, "met": False} and cycle["finished"] and cycle["state"] == "complete"


def test_sigkilled_writer_keeps_every_finished_record_and_report_rebuilds(tmp_path: Path) -> None:
    path = tmp_path / "cycles.sqlite"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), "CKILL", "5"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        lines = [child.stdout.readline().strip() for _ in range(6)]  # type: ignore[union-attr]
        assert lines == [f"stored {i}" for i in range(5)] + ["in flight"]
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL

    with CycleStore(path) as store:
        got = store.records("CKILL")
        assert [r.nodeid for r in got] == [f"t.py::test_{i}" for i in range(5)]
        assert store.cycle("CKILL")["finished"] is None
        lifecycle = store.lifecycle("CKILL")
        assert lifecycle["state"] == "incomplete" and "is gone" in lifecycle["reason"]
        assert lifecycle["missing"] == [{"bench": "bench-a", "reason": "never started"}]
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.close()

    reports = tmp_path / "reports"
    assert main(["report", "CKILL", "--store", str(path), "--reports", str(reports)]) == 0
    page = (reports / "CKILL" / "report.html").read_text(encoding="utf-8")
    for i in range(5):
        assert f"t.py::test_{i}" in page
    assert "half.py" not in page
    assert "Defect mask NOT MET" not in page and "Defect mask MET" not in page
    assert "Inconclusive" in page and "already exceed" in page  # two S2 failures against the all-zero mask
    assert "not finished" in page and "harness run --resume CKILL" in page


def test_report_command_names_a_missing_cycle(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cycles.sqlite"
    CycleStore(path).close()
    assert main(["report", "NOPE", "--store", str(path), "--reports", str(tmp_path)]) == 2
    assert "no cycle 'NOPE'" in capsys.readouterr().err


def test_cycles_command_lists_and_shows(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cycles.sqlite"
    with CycleStore(path) as store:
        store.start_cycle("C1", {"bench_names": ["bench-a"]})
        store.add_record("C1", record("a.py::test_1", "failed", severity="S4"))
        store.finish_cycle("C1", {"met": False}, state="complete")
    assert main(["cycles", "--store", str(path), "list"]) == 0
    out = capsys.readouterr().out
    assert "C1" in out and "1 failed" in out and "complete  mask NOT MET" in out
    assert main(["cycles", "--store", str(path), "--json", "show", "C1"]) == 1
    shown = json.loads(capsys.readouterr().out)
    assert shown["records"][0]["nodeid"] == "a.py::test_1" and shown["verdict"]["met"] is False
