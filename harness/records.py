"""Result records: one JSON object per test (the plugin writes them; the store and report read
them). Field names follow the shared result-record contract."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from harness import __version__

# Outcomes and severities: the shared vocabulary (harness/vocabulary.py).
from harness.vocabulary import DEFAULT_SEVERITY

# A cycle's lifecycle: running (harness run is at work), complete (harness run saw every bench
# end), incomplete (killed, a bench never ran or crashed; only harness run marks complete).
CYCLE_STATES = ("running", "complete", "incomplete")
# One bench's run within a cycle: running, ended (its pytest session finished), crashed.
BENCH_STATES = ("running", "ended", "crashed")


@dataclass
class Measurement:
    """An OpenHTF-style measurement: a named value with optional limits and its verdict."""

    name: str
    value: Any
    units: str | None = None
    low: float | None = None
    high: float | None = None
    expected: Any = None
    verdict: str = "pass"  # pass | fail

    @classmethod
    def judge(cls, name: str, value: Any, units: str | None = None, low: float | None = None,
              high: float | None = None, expected: Any = None) -> Measurement:
        """Build a measurement and compute its verdict from the limits given."""
        ok = True
        if expected is not None and value != expected:
            ok = False
        try:
            if low is not None and value < low:
                ok = False
            if high is not None and value > high:
                ok = False
        except TypeError:
            ok = False
        return cls(name, value, units, low, high, expected, "pass" if ok else "fail")

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"


@dataclass
class TestRecord:
    """The result of one test on one bench."""

    __test__ = False  # not a pytest test class

    nodeid: str
    name: str
    outcome: str = "passed"
    duration_s: float = 0.0
    started: str = ""
    cycle_id: str | None = None
    bench: dict[str, Any] = field(default_factory=dict)
    devices: list[dict[str, Any]] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    severity: str = DEFAULT_SEVERITY
    waiver: dict[str, Any] | None = None
    skip_reason: str | None = None
    failure: dict[str, Any] | None = None
    measurements: list[dict[str, Any]] = field(default_factory=list)
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    harness_version: str = __version__
    capture: str | None = None  # pcapng of the test's exchanges, relative to the report folder
    attempt: int = 1  # 1, then 2, 3... when pytest-rerunfailures runs the test again (one record each)

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)  # type: ignore[no-any-return]

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), default=_json_default, sort_keys=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestRecord:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def from_json(cls, text: str) -> TestRecord:
        return cls.from_dict(json.loads(text))


_LEAVES = frozenset({str, int, float, bool, type(None), bytes})


def _plain(value: Any) -> Any:
    """``dataclasses.asdict`` without its deep copy of every leaf (a record's exchanges carry
    whole decoded payload trees: asdict was a quarter of a bench's CPU): dataclasses become
    dicts, lists and tuples and dicts are rebuilt, everything else is shared as it is."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is dict:
        return {k: _plain(v) for k, v in value.items()}
    if kind is list:
        return [_plain(v) for v in value]
    if kind is tuple:
        return tuple(_plain(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return kind((k, _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return kind(_plain(v) for v in value)
    return value


def _json_default(value: Any) -> Any:
    """Fallback for values measurements and trees may carry (bytes, datetimes, enums)."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex().upper()
    if hasattr(value, "to_json"):
        return value.to_json()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return str(value)


def read_records(path: str) -> list[TestRecord]:
    """All records of a JSON Lines file (blank lines ignored)."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                out.append(TestRecord.from_json(line))
    return out
