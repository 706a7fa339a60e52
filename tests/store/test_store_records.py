"""The store saves a TestRecord and gives back an equal TestRecord, on SQLite and PostgreSQL;
a malformed record is refused naming the field, before anything is stored."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from harness.errors import RecordError
from harness.records import TestRecord
from harness.report.store import CycleStore
from tests.record_strategies import records


def test_save_then_load_gives_an_equal_record(store_url: str) -> None:
    seen: list[TestRecord] = []

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(records)
    def check(record: TestRecord) -> None:
        cycle_id = f"R{len(seen)}"
        seen.append(record)
        with CycleStore(store_url) as store:
            store.add_record(cycle_id, record)
            (back,) = store.records(cycle_id)
        expected = record if record.cycle_id is not None else TestRecord.from_dict(
            {**record.to_dict(), "cycle_id": cycle_id})  # a record without a cycle id gets the store's
        assert back == expected

    check()


def test_a_malformed_record_is_refused_before_it_is_stored(store_url: str) -> None:
    with CycleStore(store_url) as store:
        with pytest.raises(RecordError) as info:
            store.add_record("C1", {"nodeid": "t::a", "outcome": "passed", "exchanges": [{"hex": 7}]})
        assert info.value.field == "exchanges[0].hex"
        assert store.records("C1") == [] and store.cycle("C1") is None


def test_a_malformed_stored_record_names_the_field_when_loaded(tmp_path: Path) -> None:
    path = str(tmp_path / "c.sqlite")
    with CycleStore(path) as store:
        store.add_record("C1", TestRecord("t::a", "a"))
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE records SET record = ?", (json.dumps({"nodeid": "t::a", "devices": [{"role": "TV"}]}),))
    con.close()
    with CycleStore(path) as store, pytest.raises(RecordError, match=r"'devices\[0\]\.role'"):
        store.records("C1")
