"""Synthetic result records (shared result-record contract) for the report/store tests."""

from __future__ import annotations

from typing import Any

from harness.records import TestRecord

XSS_SCRIPT = "<script>document.title='PWNED-SCRIPT'</script>"
XSS_IMG = "<img src=x onerror=\"document.title='PWNED-IMG'\">"
XSS_ELEMENT = "<script>document.body.appendChild(document.createElement('pwned-element'))</script>"


def record(nodeid: str, outcome: str = "passed", *, bench: str | dict[str, Any] = "bench-a", severity: str = "S3",
           requirements: tuple[str, ...] = ("SECMP0015-FR4",), **extra: Any) -> dict[str, Any]:
    """One result record as the plugin writes it (``bench``: its name, or the whole object)."""
    data: dict[str, Any] = {
        "nodeid": nodeid,
        "name": nodeid.rsplit("::", 1)[-1],
        "outcome": outcome,
        "duration_s": 0.01,
        "started": "2024-05-01T10:00:00+00:00",
        "cycle_id": None,
        "bench": bench if isinstance(bench, dict) else
        {"name": bench, "path": f"device_profiles/benches/{bench}.yaml", "connection": "emulated"},
        "devices": [
            {"role": "GPF", "eui": "00DB123456789002", "name": "GPF new", "manufacturer": "Emu", "model": "E1",
             "firmware": "2.0", "profile": "devices/gpf-sbch-new.yaml", "faults": []},
        ],
        "requirements": list(requirements),
        "severity": severity,
        "waiver": None,
        "skip_reason": None,
        "failure": None,
        "measurements": [],
        "exchanges": [],
        "harness_version": "0.1.0",
    }
    if outcome in ("failed", "error"):
        data["failure"] = {"message": f"expected reliable, got unreliable in {nodeid}", "text": "Traceback ..."}
    data.update(extra)
    return data


def typed(nodeid: str, outcome: str = "passed", **kwargs: Any) -> TestRecord:
    """The same record, typed (what the store gives back)."""
    return TestRecord.from_dict(record(nodeid, outcome, **kwargs))


def xss_record(nodeid: str = "tests/compliance/test_x.py::test_payload") -> dict[str, Any]:
    """A failing record whose device-supplied and decoded values carry script payloads."""
    return record(
        nodeid + XSS_IMG,
        "failed",
        bench="bench" + XSS_IMG,
        requirements=("SECMP0015-" + XSS_SCRIPT,),
        severity="S2",
        devices=[{"role": "GPF", "eui": XSS_IMG, "name": XSS_SCRIPT, "manufacturer": XSS_ELEMENT,
                  "model": "m", "firmware": XSS_IMG, "profile": XSS_SCRIPT, "faults": [XSS_IMG]}],
        failure={"message": "expected " + XSS_SCRIPT + " got " + XSS_IMG, "text": XSS_ELEMENT},
        measurements=[{"name": XSS_IMG, "value": XSS_SCRIPT, "units": XSS_ELEMENT, "low": None, "high": None,
                       "expected": XSS_IMG, "verdict": "fail"}],
        exchanges=[{"use_case": "GCS60a" + XSS_SCRIPT, "direction": "rx", "time": XSS_IMG, "hex": "DD00" + XSS_IMG,
                    "decoded": {"label" + XSS_IMG: XSS_SCRIPT,
                                "date_time": {"iso": XSS_ELEMENT, "status": XSS_IMG}},
                    "datetimes": [["date_time" + XSS_IMG, XSS_ELEMENT]],
                    "summary": "ReadingSnapshotTime " + XSS_SCRIPT + " status " + XSS_IMG}],
        waiver=None,
    )
