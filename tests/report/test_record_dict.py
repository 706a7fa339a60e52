"""Typed result records: ``to_dict``/``from_dict`` are exact inverses for every part, a record as
older harnesses wrote it still reads (defaults for what it lacks), a malformed one is refused
naming the field, and the JSON is the same JSON the untyped record gave."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings

from harness.errors import RecordError
from harness.records import (
    BenchInfo,
    DeviceInfo,
    ExchangeRecord,
    Failure,
    Measurement,
    TestRecord,
    Waiver,
)
from harness.vocabulary import ConnectionType, Outcome, Role, Severity
from tests.record_strategies import benches, devices, exchanges, failures, measurements, records, waivers

PARTS = [(BenchInfo, benches), (DeviceInfo, devices), (Failure, failures), (Waiver, waivers),
         (Measurement, measurements), (ExchangeRecord, exchanges), (TestRecord, records)]


@pytest.mark.parametrize(("cls", "strategy"), PARTS, ids=[c.__name__ for c, _ in PARTS])
def test_to_dict_and_from_dict_are_exact_inverses(cls: Any, strategy: Any) -> None:
    @settings(max_examples=60, deadline=None)
    @given(strategy)
    def check(value: Any) -> None:
        data = value.to_dict()
        back = cls.from_dict(data)
        assert back == value
        assert back.to_dict() == data
        assert cls.from_dict(json.loads(json.dumps(data))) == value  # through JSON text too

    check()


@settings(max_examples=60, deadline=None)
@given(records)
def test_json_lines_round_trip(record: TestRecord) -> None:
    assert TestRecord.from_json(record.to_json()) == record


# A record exactly as the untyped plugin wrote it (bench error with kind, waiver matched by test,
# an exchange with its date-times in words, one without its decoded tree).
OLD_JSON: dict[str, Any] = {
    "nodeid": "tests/compliance/t.py::test_x", "name": "test_x", "outcome": "waived", "duration_s": 0.25,
    "started": "2024-05-01T10:00:00+00:00", "cycle_id": "C1",
    "bench": {"name": "b", "path": "device_profiles/benches/b.yaml", "connection": "emulated", "description": ""},
    "devices": [{"role": "GPF", "eui": "00DB123456789002", "name": "GPF", "manufacturer": "Emu", "model": "E1",
                 "firmware": "2.0", "profile": "devices/gpf.yaml", "faults": ["bit2_never_set"]}],
    "requirements": ["SECMP0015-FR4"], "severity": "S2",
    "waiver": {"reason": "known", "requirement": None, "test": "test_x", "device": "GPF"},
    "skip_reason": None, "failure": {"message": "bench error: port", "text": "tb", "kind": "bench_error"},
    "measurements": [{"name": "latency", "value": 0.2, "units": "s", "low": None, "high": 1.0, "expected": None,
                      "verdict": "pass"}],
    "exchanges": [{"use_case": "GCS13a", "direction": "rx", "time": "t", "hex": "DD00",
                   "decoded": {"date_time": "0C07E8"}, "summary": "s", "datetimes": [["date_time", "words"]]},
                  {"use_case": "GCS13a", "direction": "tx", "time": "t", "hex": "DD01", "decoded": None,
                   "summary": "s"}],
    "harness_version": "0.1.0", "capture": None, "attempt": 2,
}


def test_the_json_is_the_json_the_untyped_record_gave() -> None:
    record = TestRecord.from_dict(OLD_JSON)
    assert record.outcome is Outcome.WAIVED and record.severity is Severity.S2
    assert record.bench.connection is ConnectionType.EMULATED and record.devices[0].role is Role.GPF
    assert record.failure == Failure("bench error: port", "tb", "bench_error")
    assert record.exchanges[0].datetimes == [("date_time", "words")]
    assert record.to_dict() == OLD_JSON
    assert list(record.to_dict()) == list(OLD_JSON)  # the same keys in the same order


def test_to_dict_rebuilds_containers() -> None:
    record = TestRecord.from_dict(OLD_JSON)
    data = record.to_dict()
    data["requirements"].append("changed")
    data["exchanges"][0]["decoded"]["date_time"] = "changed"
    data["devices"][0]["faults"].append("changed")
    assert record.requirements == ["SECMP0015-FR4"] and record.exchanges[0].decoded == {"date_time": "0C07E8"}
    assert record.devices[0].faults == ["bit2_never_set"]


def test_a_record_of_an_older_harness_reads_with_defaults() -> None:
    record = TestRecord.from_dict({"nodeid": "t::a", "bench": "b", "outcome": "error"})
    assert record == TestRecord("t::a", "", Outcome.ERROR, bench=BenchInfo(name="b"), harness_version="")
    assert record.key == ("b", "t::a") and record.severity is Severity.S3 and record.attempt == 1
    bare = ExchangeRecord.from_dict({"use_case": "GCS13a", "direction": "tx"})
    assert bare.decoded is None and bare.datetimes is None and "datetimes" not in bare.to_dict()


def test_members_given_as_spellings_become_members() -> None:
    record = TestRecord("t::a", "a", outcome="failed", severity="S1")  # type: ignore[arg-type]
    assert record.outcome is Outcome.FAILED and record.severity is Severity.S1
    assert record.to_dict()["outcome"] == "failed"


@pytest.mark.parametrize(("change", "field"), [
    ({"nodeid": 3}, "nodeid"),
    ({"nodeid": ""}, "nodeid"),
    ({"outcome": "exploded"}, "outcome"),
    ({"severity": "S9"}, "severity"),
    ({"duration_s": "slow"}, "duration_s"),
    ({"attempt": 1.5}, "attempt"),
    ({"requirements": "SECMP0015-FR4"}, "requirements"),
    ({"requirements": ["R1", 2]}, "requirements[1]"),
    ({"bench": ["b"]}, "bench"),
    ({"bench": {"name": 7}}, "bench.name"),
    ({"bench": {"connection": "carrier-pigeon"}}, "bench.connection"),
    ({"devices": [{"eui": "00"}]}, "devices[0].role"),
    ({"devices": [OLD_JSON["devices"][0], {"role": "GPF", "faults": "x"}]}, "devices[1].faults"),
    ({"failure": "it broke"}, "failure"),
    ({"failure": {"message": ["a"]}}, "failure.message"),
    ({"waiver": {"reason": None, "device": 1}}, "waiver.device"),
    ({"measurements": [{"name": "m", "value": 1, "verdict": "maybe"}]}, "measurements[0].verdict"),
    ({"measurements": [{"name": "m", "value": 1, "low": "0"}]}, "measurements[0].low"),
    ({"exchanges": [{"use_case": "U", "direction": "tx", "hex": b"\x00"}]}, "exchanges[0].hex"),
    ({"exchanges": [{"use_case": "U", "direction": "tx", "decoded": "tree"}]}, "exchanges[0].decoded"),
    ({"exchanges": [{"use_case": "U", "direction": "tx", "datetimes": [["only one"]]}]},
     "exchanges[0].datetimes[0]"),
])
def test_a_malformed_record_names_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(RecordError) as info:
        TestRecord.from_dict({**OLD_JSON, **change})
    assert info.value.field == field
    assert f"'{field}'" in str(info.value)


def test_a_record_that_is_not_an_object_or_not_json() -> None:
    with pytest.raises(RecordError, match="'record'"):
        TestRecord.from_dict(["nodeid"])
    with pytest.raises(RecordError, match="not JSON"):
        TestRecord.from_json("{")
