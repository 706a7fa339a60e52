"""Schema versions: a newer harness migrates an older store (in place, keeping every record); an
older harness refuses a newer store with a clear message and leaves it alone."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from harness.report import db
from harness.report.store import SCHEMA_VERSION, CycleStore, StoreVersionError

V1 = """
CREATE TABLE cycles (id TEXT PRIMARY KEY, started TEXT NOT NULL, finished TEXT,
                     meta TEXT NOT NULL DEFAULT '{}', verdict TEXT);
CREATE TABLE records (seq INTEGER PRIMARY KEY AUTOINCREMENT, cycle_id TEXT NOT NULL REFERENCES cycles(id),
    nodeid TEXT NOT NULL, bench TEXT NOT NULL, outcome TEXT NOT NULL, severity TEXT NOT NULL,
    requirements TEXT NOT NULL DEFAULT '[]', record TEXT NOT NULL, finished TEXT NOT NULL);
CREATE INDEX records_cycle ON records(cycle_id, seq);
"""


def _v1_store(path: Path) -> None:
    con = sqlite3.connect(path)
    con.executescript(V1)
    con.execute("INSERT INTO cycles VALUES ('OLD1', '2025-01-01', '2025-01-01', '{}', ?)",
                (json.dumps({"met": True, "wall_s": 3.0}),))
    con.execute("INSERT INTO cycles VALUES ('OLD2', '2025-01-02', NULL, '{}', NULL)")
    con.execute("INSERT INTO records(cycle_id, nodeid, bench, outcome, severity, requirements, record, finished)"
                " VALUES ('OLD1', 't::a', 'b', 'passed', 'S3', '[\"R1\"]', ?, '2025-01-01')",
                (json.dumps({"nodeid": "t::a", "bench": "b", "outcome": "passed"}),))
    con.commit()
    con.close()


def _version(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute("SELECT version FROM harness_schema").fetchone()[0])
    finally:
        con.close()


def test_an_old_sqlite_store_is_migrated_keeping_its_records(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _v1_store(path)
    with CycleStore(path) as store:
        assert [r.nodeid for r in store.records("OLD1")] == ["t::a"]
        assert store.cycle("OLD1")["state"] == "complete"  # type: ignore[index]  # harness run's verdict
        assert store.cycle("OLD2")["state"] == "incomplete"  # type: ignore[index]  # never finished
        store.add_record("NEW", {"nodeid": "t::b", "bench": "b", "outcome": "failed"})
        store.bench_started("NEW", "b")
    assert _version(path) == SCHEMA_VERSION
    with CycleStore(path) as store:  # opening again changes nothing
        assert [c["id"] for c in store.cycles()] == ["OLD1", "OLD2", "NEW"]


def test_a_newer_store_is_refused_clearly_and_left_alone(store_url: str) -> None:
    CycleStore(store_url).close()
    database = db.Database(store_url)
    with database.write() as conn:
        conn.execute("UPDATE harness_schema SET version = ?", (SCHEMA_VERSION + 1,))
    database.close()
    with pytest.raises(StoreVersionError, match=rf"schema version {SCHEMA_VERSION + 1}, written by a newer harness.*"
                       rf"reads schema versions up to {SCHEMA_VERSION}: upgrade the harness"):
        CycleStore(store_url)
    database = db.Database(store_url)
    with database.read() as conn:
        assert conn.execute("SELECT version FROM harness_schema").fetchone()["version"] == SCHEMA_VERSION + 1
    database.close()


def test_a_new_store_is_stamped_with_the_current_version(store_url: str) -> None:
    CycleStore(store_url).close()
    database = db.Database(store_url)
    with database.read() as conn:
        row = conn.execute("SELECT version, harness FROM harness_schema").fetchone()
    database.close()
    assert row["version"] == SCHEMA_VERSION and row["harness"]
