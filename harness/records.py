"""Result records: one typed :class:`TestRecord` per test (OpenHTF's TestRecord is the model).
The plugin builds them, the cycle store saves and loads them, the report renders them.

Every part is a small dataclass with ``to_dict()`` (the JSON object of the shared result-record
contract, the same JSON as before the record was typed) and ``from_dict()`` (its exact inverse).
``from_dict`` reads records of older harness versions (a missing key gives its default) and
refuses a value of the wrong type with :class:`~harness.errors.RecordError` naming the field.
Outcomes, severities, roles and connection types are the shared vocabulary's enums."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from harness import __version__
from harness.errors import RecordError
from harness.recordfields import Fields
from harness.vocabulary import DEFAULT_SEVERITY, ConnectionType, Outcome, Role, Severity

__all__ = ["BenchInfo", "DeviceInfo", "ExchangeRecord", "Failure", "Measurement", "Outcome", "RecordError",
           "Severity", "TestRecord", "Waiver", "read_records"]

# A cycle's lifecycle: running (harness run is at work), complete (harness run saw every bench
# end), incomplete (killed, a bench never ran or crashed; only harness run marks complete).
CYCLE_STATES = ("running", "complete", "incomplete")
# One bench's run within a cycle: running, ended (its pytest session finished), crashed.
BENCH_STATES = ("running", "ended", "crashed")
VERDICTS = ("pass", "fail")


@dataclass
class BenchInfo:
    """The record's ``bench``: the bench profile's name, file, connection type, description."""

    name: str | None = None
    path: str | None = None
    connection: ConnectionType | None = None
    description: str | None = None  # left out of the JSON when None (no profile loaded)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "path": self.path,
                               "connection": None if self.connection is None else self.connection.value}
        if self.description is not None:
            out["description"] = self.description
        return out

    @classmethod
    def from_dict(cls, data: Any) -> BenchInfo:
        return cls.read(Fields(data, "bench"))

    @classmethod
    def read(cls, f: Fields) -> BenchInfo:
        connection = f.choice("connection", ConnectionType, ConnectionType.EMULATED) \
            if f.data.get("connection") is not None else None
        return cls(f.optional_text("name"), f.optional_text("path"), connection, f.optional_text("description"))

    @property
    def label(self) -> str:
        """The name the store and the report key the bench by (its file when it has no name)."""
        return self.name or self.path or ""


@dataclass
class DeviceInfo:
    """One ``devices`` item: who the device is (from its profile) and the faults it emulates."""

    role: Role
    eui: str = ""
    name: str = ""
    manufacturer: str = ""
    model: str = ""
    firmware: str = ""
    profile: str | None = None
    faults: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role.value, "eui": self.eui, "name": self.name, "manufacturer": self.manufacturer,
                "model": self.model, "firmware": self.firmware, "profile": self.profile,
                "faults": list(self.faults)}

    @classmethod
    def from_dict(cls, data: Any, where: str = "device") -> DeviceInfo:
        return cls.read(Fields(data, where))

    @classmethod
    def read(cls, f: Fields) -> DeviceInfo:
        if f.data.get("role") is None:
            raise RecordError("missing", field=f.path("role"))
        return cls(f.choice("role", Role, Role.CHF, upper=True), f.text("eui"), f.text("name"),
                   f.text("manufacturer"), f.text("model"), f.text("firmware"), f.optional_text("profile"),
                   f.texts("faults"))


@dataclass
class Failure:
    """Why a test did not pass: the message in the test's words and pytest's full text;
    ``kind`` is ``"bench_error"`` when the harness could not ask (left out of the JSON otherwise)."""

    message: str = ""
    text: str = ""
    kind: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message, "text": self.text}
        if self.kind is not None:
            out["kind"] = self.kind
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Failure:
        return cls.read(Fields(data, "failure"))

    @classmethod
    def read(cls, f: Fields) -> Failure:
        return cls(f.text("message"), f.text("text"), f.optional_text("kind"))


@dataclass
class Waiver:
    """The device-profile waiver a failure matched: its reason, the requirement or test it names
    (``test`` left out of the JSON when the waiver matched by requirement) and the device's role."""

    reason: str = ""
    requirement: str | None = None
    test: str | None = None
    device: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reason": self.reason, "requirement": self.requirement}
        if self.test is not None:
            out["test"] = self.test
        out["device"] = self.device
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Waiver:
        return cls.read(Fields(data, "waiver"))

    @classmethod
    def read(cls, f: Fields) -> Waiver:
        return cls(f.text("reason"), f.optional_text("requirement"), f.optional_text("test"), f.text("device"))


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

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": _plain(self.value), "units": self.units, "low": self.low,
                "high": self.high, "expected": _plain(self.expected), "verdict": self.verdict}

    @classmethod
    def from_dict(cls, data: Any, where: str = "measurement") -> Measurement:
        return cls.read(Fields(data, where))

    @classmethod
    def read(cls, f: Fields) -> Measurement:
        verdict = f.text("verdict", "pass")
        if verdict not in VERDICTS:
            raise RecordError(f"expected pass or fail, got {verdict!r}", field=f.path("verdict"))
        return cls(f.text("name"), f.data.get("value"), f.optional_text("units"), f.optional_number("low"),
                   f.optional_number("high"), f.data.get("expected"), verdict)


@dataclass
class ExchangeRecord:
    """One direction of one exchange a test made (``harness.bench.recorder``): the use case,
    ``tx``/``rx``, when, the bytes in hex, the tree decoded on arrival (None: not kept, as in the
    records.jsonl of a passed test), the one-line summary, and for a test that did not pass its
    date-times in words (``[field path, words]``; left out of the JSON when None)."""

    use_case: str
    direction: str
    time: str = ""
    hex: str = ""
    decoded: dict[str, Any] | None = None
    summary: str = ""
    datetimes: list[tuple[str, str]] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"use_case": self.use_case, "direction": self.direction, "time": self.time,
                               "hex": self.hex, "decoded": _plain(self.decoded), "summary": self.summary}
        if self.datetimes is not None:
            out["datetimes"] = [[path, words] for path, words in self.datetimes]
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str = "exchange") -> ExchangeRecord:
        return cls.read(Fields(data, where))

    @classmethod
    def read(cls, f: Fields) -> ExchangeRecord:
        return cls(f.text("use_case"), f.text("direction"), f.text("time"), f.text("hex"), f.tree("decoded"),
                   f.text("summary"), _datetimes(f))


def _datetimes(f: Fields) -> list[tuple[str, str]] | None:
    value = f.data.get("datetimes")
    if value is None:
        return None
    if not isinstance(value, (list, tuple)):
        raise RecordError(f"expected a list of [field, words] pairs, got {type(value).__name__}",
                          field=f.path("datetimes"))
    out = []
    for i, pair in enumerate(value):
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            raise RecordError(f"expected a [field, words] pair of strings, got {pair!r:.60}",
                              field=f"{f.path('datetimes')}[{i}]")
        out.append((pair[0], pair[1]))
    return out


@dataclass
class TestRecord:
    """The result of one test on one bench."""

    __test__ = False  # not a pytest test class

    nodeid: str
    name: str
    outcome: Outcome = Outcome.PASSED
    duration_s: float = 0.0
    started: str = ""
    cycle_id: str | None = None
    bench: BenchInfo = field(default_factory=BenchInfo)
    devices: list[DeviceInfo] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    severity: Severity = Severity(DEFAULT_SEVERITY)
    waiver: Waiver | None = None
    skip_reason: str | None = None
    failure: Failure | None = None
    measurements: list[Measurement] = field(default_factory=list)
    exchanges: list[ExchangeRecord] = field(default_factory=list)
    harness_version: str = __version__
    capture: str | None = None  # pcapng of the test's exchanges, relative to the report folder
    attempt: int = 1  # 1, then 2, 3... when pytest-rerunfailures runs the test again (one record each)

    def __post_init__(self) -> None:
        self.outcome = Outcome(self.outcome)  # a spelling given in code becomes its member
        self.severity = Severity(self.severity)

    @property
    def key(self) -> tuple[str, str]:
        """What the store and the report compare by: (bench name, nodeid)."""
        return (self.bench.label, self.nodeid)

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodeid": self.nodeid, "name": self.name, "outcome": self.outcome.value, "duration_s": self.duration_s,
            "started": self.started, "cycle_id": self.cycle_id, "bench": self.bench.to_dict(),
            "devices": [d.to_dict() for d in self.devices], "requirements": list(self.requirements),
            "severity": self.severity.value, "waiver": None if self.waiver is None else self.waiver.to_dict(),
            "skip_reason": self.skip_reason, "failure": None if self.failure is None else self.failure.to_dict(),
            "measurements": [m.to_dict() for m in self.measurements],
            "exchanges": [x.to_dict() for x in self.exchanges], "harness_version": self.harness_version,
            "capture": self.capture, "attempt": self.attempt,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), default=_json_default, sort_keys=False)

    @classmethod
    def from_dict(cls, data: Any) -> TestRecord:
        """The typed record of a JSON object (keys it does not know are ignored). A record of
        an older harness may lack keys (defaults); ``bench`` may be a plain name there."""
        f = Fields(data)
        if not f.text("nodeid"):
            raise RecordError("missing", field="nodeid")
        bench = f.data.get("bench")
        return cls(
            nodeid=f.text("nodeid"), name=f.text("name"),
            outcome=f.choice("outcome", Outcome, Outcome.PASSED),
            duration_s=f.number("duration_s", 0.0), started=f.text("started"),
            cycle_id=f.optional_text("cycle_id"),
            bench=BenchInfo(name=bench) if isinstance(bench, str) else f.one("bench", BenchInfo.read) or BenchInfo(),
            devices=f.many("devices", DeviceInfo.read), requirements=f.texts("requirements"),
            severity=f.choice("severity", Severity, Severity(DEFAULT_SEVERITY), upper=True),
            waiver=f.one("waiver", Waiver.read), skip_reason=f.optional_text("skip_reason"),
            failure=f.one("failure", Failure.read), measurements=f.many("measurements", Measurement.read),
            exchanges=f.many("exchanges", ExchangeRecord.read), harness_version=f.text("harness_version"),
            capture=f.optional_text("capture"), attempt=f.whole("attempt", 1),
        )

    @classmethod
    def from_json(cls, text: str) -> TestRecord:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise RecordError(f"not JSON: {exc}", field="record") from None
        return cls.from_dict(data)


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
