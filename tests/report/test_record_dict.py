"""TestRecord.to_dict: what dataclasses.asdict gave, without deep-copying the exchanges' trees."""

from __future__ import annotations

from dataclasses import asdict

from harness.records import Measurement, TestRecord


def _record() -> TestRecord:
    tree = {"payload": {"family": "dlms", "items": [{"structure": [{"uint8": 1}, {"octet-string": "0A"}]}]}}
    return TestRecord(
        nodeid="tests/compliance/x.py::test_y", name="test_y", outcome="failed",
        bench={"name": "b", "devices": ("ESME", "GSME")}, requirements=["SECMP0015-R1"],
        failure={"message": "m", "measurement": Measurement.judge("bits", 3, expected=4)},
        measurements=[Measurement.judge("latency", 0.2, units="s", high=1.0).__dict__.copy()],
        exchanges=[{"direction": "tx", "decoded": tree}, {"direction": "rx", "decoded": None}])


def test_to_dict_equals_asdict() -> None:
    record = _record()
    assert record.to_dict() == asdict(record)
    assert record.to_dict()["failure"]["measurement"] == asdict(record.failure["measurement"])  # type: ignore[index]
    assert TestRecord.from_json(record.to_json()).to_dict()["exchanges"] == record.to_dict()["exchanges"]


def test_to_dict_rebuilds_containers() -> None:
    record = _record()
    data = record.to_dict()
    data["requirements"].append("changed")
    data["exchanges"][0]["direction"] = "changed"
    data["setdefault"] = 1
    assert record.requirements == ["SECMP0015-R1"] and record.exchanges[0]["direction"] == "tx"
