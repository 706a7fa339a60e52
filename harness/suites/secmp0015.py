"""SECMP0015 (GPF time stamp for reading instantaneous gas values): the suite's oracles. The
requirement ids, the bench's compatibility case (what a compliant GPF must send in it), the checks
and their failure texts; the suite is ``tests/compliance/secmp0015`` (docs/TRACEABILITY.md).

Failure text is written for a lab engineer: it names the requirement id, the use case, and spells
out expected and actual clock-status bits, e.g.
``SECMP0015-FR4 GCS13a: expected 0x04 from GSME reliable, got 0x00 from GPF reliable``.

Everything here works on :class:`harness.bench.api.Response` objects (or their parts) and never
talks to a device.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from harness.gbcs.catalogue import CATALOGUE
from harness.gbcs.datetime import ClockSource, ClockStatus, DateTime, Reliability
from harness.gbcs.frame import Cra
from harness.gbcs.zcl import UTC_INVALID
from harness.localtime import StampReading, instant_problem, read_stamp
from harness.suites import requirement

#: The GPF use cases whose grouping-header date-time SECMP0015 changes (FR4, DCC IA 3.1.2).
SECMP0015_USE_CASES: tuple[str, ...] = ("GCS13a", "GCS13b", "GCS13c", "GCS14", "GCS60a")

#: Message codes of the GSME read use cases, from the catalogue (GBCS mapping table; GCS60a
#: from RTDS bytes). Used to check that SECMP0015 did not change the message structure (CR5).
GSME_READ_MESSAGE_CODES: dict[str, int] = {
    uc: CATALOGUE.by_id(uc).message_code for uc in ("GCS13a", "GCS13b", "GCS13c", "GCS14", "GCS60", "GCS60a")}

#: Use cases whose response must carry a grouping-header date-time (mapping table "Y").
DATE_TIME_REQUIRED: frozenset[str] = frozenset(SECMP0015_USE_CASES)
#: Use cases whose response must carry none.
DATE_TIME_ABSENT: frozenset[str] = frozenset({"GCS60", "ECS82", "GCS04", "ECS07"})

#: ZCL UTCTime "invalid time" (ReadingSnapshotTime default, SECMP0015 Annex A change 3).
INVALID_UTC_TIME = UTC_INVALID
ZCL_SUCCESS = 0x00
ZCL_UNSUPPORTED_ATTRIBUTE = 0x86

#: One missed GSME wake (the seed: "greater than 30 minutes old ... loss of comms").
STALE_SNAPSHOT_AGE = _dt.timedelta(minutes=30)


# -- words ---------------------------------------------------------------------------------------

def describe_status(status: ClockStatus | int | None, *, responder: str = "GPF") -> str:
    """A clock-status byte in words: ``"0x04 from GSME reliable"``, ``"0x02 from GPF unreliable"``,
    ``"0xFF not specified"``; ``None`` is ``"no date-time"``. ``responder`` names the device whose
    own clock bit 2 = 0 denotes."""
    if status is None:
        return "no date-time"
    cs = status if isinstance(status, ClockStatus) else ClockStatus(int(status))
    if not cs.specified:
        return "0xFF not specified"
    origin = "GSME" if cs.source is ClockSource.GSME else responder
    words = [f"0x{cs.raw:02X} from {origin} {cs.reliability.value}"]
    if cs.invalid_and_doubtful:
        words.append("(bits 0 and 1 both set)")
    if cs.invalid_clock_status:
        words.append("(bit 3 invalid clock status set)")
    if cs.reserved_bits:
        words.append(f"(reserved bits 0x{cs.reserved_bits:02X} set)")
    if cs.dst:
        words.append("(DST)")
    return " ".join(words)


def expected_status(source: ClockSource | str, reliability: Reliability | str) -> ClockStatus:
    """The status byte a compliant GPF sends for this source and reliability (DST clear)."""
    return ClockStatus.of(ClockSource(source), Reliability(reliability))


def describe_date_time(dt: DateTime | None, *, responder: str = "GPF") -> str:
    """``"2024-01-01 10:00:00 (0x04 from GSME reliable)"`` or ``"no date-time"``."""
    if dt is None:
        return "no date-time"
    when = dt.to_datetime()
    text = when.strftime("%Y-%m-%d %H:%M:%S") if when else f"unspecified/invalid {dt.to_bytes().hex().upper()}"
    return f"{text} ({describe_status(dt.clock_status, responder=responder)})"


def _where(requirement: str, use_case: str) -> str:
    return f"{requirement} {use_case}" if use_case else requirement


# -- assertions ------------------------------------------------------------------------------

def response_date_time(response: Any, requirement: str, use_case: str = "") -> _dt.datetime:
    """The response's grouping-header date-time as an aware datetime, or an AssertionError."""
    dt = response.date_time
    if dt is None:
        raise AssertionError(f"{_where(requirement, use_case)}: the response carries no grouping-header "
                             f"date-time (the use case requires one)")
    when = dt.to_datetime()
    if when is None:
        raise AssertionError(f"{_where(requirement, use_case)}: grouping-header date-time "
                             f"{dt.to_bytes().hex().upper()} is not a usable date ({describe_status(dt.clock_status)})")
    result: _dt.datetime = when
    return result


def assert_time_status(response: Any, expected_source: ClockSource | str,
                       expected_reliability: Reliability | str | Iterable[Reliability | str], requirement: str, *,
                       use_case: str = "", responder: str = "GPF", context: str = "") -> None:
    """Assert the clock status of ``response``'s date-time has this source and reliability (or one
    of several acceptable reliabilities).

    Failure text: ``SECMP0015-FR4 GCS13a: expected 0x04 from GSME reliable, got 0x00 from GPF
    reliable``; ``context`` (e.g. the bench state) is appended."""
    options = [expected_reliability] if isinstance(expected_reliability, (str, Reliability)) \
        else list(expected_reliability)
    wants = [expected_status(expected_source, r) for r in options]
    dt = response.date_time
    got = dt.clock_status if dt is not None else None
    if got is not None and any(got.raw == w.raw for w in wants):
        return
    tail = f" [{context}]" if context else ""
    expected = " or ".join(describe_status(w, responder=responder) for w in wants)
    raise AssertionError(
        f"{_where(requirement, use_case)}: expected {expected}, "
        f"got {describe_status(got, responder=responder)}"
        f" (date-time {describe_date_time(dt, responder=responder)}){tail}"
    )


def assert_date_time_equals(response: Any, expected: _dt.datetime, requirement: str, *,
                            use_case: str = "", what: str = "the GSME ReadingSnapshotTime",
                            tolerance: _dt.timedelta = _dt.timedelta(0)) -> _dt.timedelta:
    """Assert the response's date-time equals ``expected`` (to the second, within ``tolerance``);
    return the signed difference (response minus expected)."""
    got = response_date_time(response, requirement, use_case)
    if expected.tzinfo is None:
        expected = expected.replace(tzinfo=_dt.timezone.utc)
    delta = got.replace(microsecond=0) - expected.replace(microsecond=0)
    if abs(delta) > tolerance:
        raise AssertionError(
            f"{_where(requirement, use_case)}: expected date-time {expected:%Y-%m-%d %H:%M:%S} ({what}), "
            f"got {describe_date_time(response.date_time)}; difference {delta.total_seconds():+.0f} s "
            f"(tolerance {tolerance.total_seconds():.0f} s)"
        )
    return delta


# -- hygiene ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class HygieneProblem:
    """One violated rule on one response."""

    rule: str  # short rule name, e.g. "reserved-bits"
    text: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.text}"


def hygiene_problems(response: Any, *, gpf_eui: bytes | None = None,
                     gsme_eui: bytes | None = None) -> list[HygieneProblem]:
    """Clock-status and structure hygiene of ANY response (any use case, any device).

    Rules: the frame re-parses and round-trips with the pre-SECMP0015 structure (same header
    layout, the use case's message code); a date-time is present where the use case requires it
    and absent where it must be; reserved bits 4-6 clear; 0xFF (not specified) never on a GPF
    response to the five SECMP0015 use cases, whatever EUI it comes from (the GPF answers reads
    addressed to the GSME EUI with the GSME EUI as originator: RTDS); bits 0 and 1 never
    together; invalid never combined with reliable (bit 3 set or an impossible date with bits
    0/1 clear); bit 2 only on responses to the five use cases from the GPF or GSME EUI."""
    problems: list[HygieneProblem] = []
    use_case = getattr(response, "use_case", "") or ""
    message = response.message
    problems.extend(_structure_problems(response, use_case))
    dt = message.date_time
    originator = bytes(message.originator)
    from_gpf = gpf_eui is not None and originator == bytes(gpf_eui)
    from_gsme_eui = gsme_eui is not None and originator == bytes(gsme_eui)
    status_required = use_case in DATE_TIME_REQUIRED
    secmp_response = (from_gpf or from_gsme_eui) and status_required
    if dt is None:
        if use_case in DATE_TIME_REQUIRED and message.cra is Cra.RESPONSE and getattr(response, "success", True):
            problems.append(HygieneProblem("date-time-missing",
                                           f"{use_case} response carries no grouping-header date-time"))
        return problems
    if use_case in DATE_TIME_ABSENT:
        problems.append(HygieneProblem("date-time-unexpected",
                                       f"{use_case} response carries a date-time ({describe_date_time(dt)}); "
                                       f"this use case has none"))
    cs = dt.clock_status
    if not cs.specified:
        if status_required:
            problems.append(HygieneProblem("not-specified",
                                           f"clock status 0xFF (not specified) on a {use_case} response from "
                                           f"{originator.hex().upper()}; source and reliability must be given"))
        return problems
    if cs.reserved_bits:
        problems.append(HygieneProblem("reserved-bits", f"{describe_status(cs)}: reserved bits 4-6 must be 0"))
    if cs.invalid_and_doubtful:
        problems.append(HygieneProblem("invalid-and-unreliable",
                                       f"{describe_status(cs)}: bits 0 (invalid) and 1 (unreliable) both set"))
    if cs.reliability is Reliability.RELIABLE:
        if cs.invalid_clock_status:
            problems.append(HygieneProblem("invalid-marked-reliable",
                                           f"{describe_status(cs)}: invalid clock status with reliability bits clear"))
        if dt.to_datetime() is None and dt.year != 0xFFFF:
            problems.append(HygieneProblem("invalid-marked-reliable",
                                           f"date-time {dt.to_bytes().hex().upper()} is not a valid date but is "
                                           f"marked reliable"))
    if cs.source is ClockSource.GSME and not secmp_response:
        who = "the GPF" if from_gpf else f"originator {bytes(message.originator).hex().upper()}"
        problems.append(HygieneProblem("bit2-out-of-scope",
                                       f"{describe_status(cs)} from {who} on {use_case or 'this message'}: bit 2 "
                                       f"only on GPF responses to {', '.join(SECMP0015_USE_CASES)}"))
    return problems


def _structure_problems(response: Any, use_case: str) -> list[HygieneProblem]:
    problems: list[HygieneProblem] = []
    raw = getattr(response, "raw", b"") or b""
    message = response.message
    if raw:  # ``message`` is ``raw`` as parsed on arrival: it re-encodes to the same bytes or not
        try:
            again = message.to_bytes()
        except Exception as exc:  # noqa: BLE001 - a message that does not re-encode is a finding
            return [HygieneProblem("structure", f"the response does not re-encode with the GBCS structure: {exc}")]
        if again != bytes(raw):
            problems.append(HygieneProblem("structure", "the response does not round-trip byte for byte"))
    code = GSME_READ_MESSAGE_CODES.get(use_case)
    if code is not None and message.message_code != code:
        problems.append(HygieneProblem("message-code",
                                       f"{use_case} response has message code 0x{message.message_code:04X}, "
                                       f"expected 0x{code:04X}"))
    if message.cra is not Cra.RESPONSE and use_case:
        problems.append(HygieneProblem("structure", f"CRA flag {message.cra.word}, expected response"))
    return problems


@requirement("SECMP0015-CR4", "SECMP0015-CR5", "SECMP0015-COMP4", "SECMP0015-COMP5", "GFI-7")
def assert_hygiene(responses: Any | Iterable[Any], requirement: str, *, gpf_eui: bytes | None = None,
                   gsme_eui: bytes | None = None) -> None:
    """Assert :func:`hygiene_problems` finds nothing on each response; one message lists all."""
    items = [responses] if hasattr(responses, "message") else list(responses)
    lines = []
    for r in items:
        for p in hygiene_problems(r, gpf_eui=gpf_eui, gsme_eui=gsme_eui):
            lines.append(f"  {getattr(r, 'use_case', '?')}: {p}")
    if lines:
        raise AssertionError(f"{requirement}: clock-status/structure hygiene violated:\n" + "\n".join(lines))


#: Every response a suite gets through ``send_checked`` passes the clock-status hygiene rules.
HYGIENE_REQUIREMENT = "SECMP0015-CR4"


@requirement("SECMP0015-CR4", "SECMP0015-CR5", "SECMP0015-COMP4", "SECMP0015-COMP5", "GFI-7")
def check_hygiene(response: Any, use_case: str, *, while_checking: str, gpf_eui: bytes | None = None,
                  gsme_eui: bytes | None = None) -> None:
    """SECMP0015-CR4 on one response of any test (``send_checked`` applies it to each): the
    clock-status and structure rules of :func:`hygiene_problems`; the failure names the
    requirement the test was checking."""
    __tracebackhide__ = True
    problems = hygiene_problems(response, gpf_eui=gpf_eui, gsme_eui=gsme_eui)
    if problems:
        lines = "\n".join(f"  {p}" for p in problems)
        raise AssertionError(f"{HYGIENE_REQUIREMENT} {use_case} (while checking {while_checking}): "
                             f"clock-status/structure hygiene violated:\n{lines}")


def snapshot_age(response: Any, now: _dt.datetime) -> _dt.timedelta | None:
    """How old the response's date-time is at ``now`` (None when it has no usable one)."""
    dt = response.date_time
    when = dt.to_datetime() if dt is not None else None
    if when is None:
        return None
    if now.tzinfo is None:
        now = now.replace(tzinfo=_dt.timezone.utc)
    age: _dt.timedelta = now - when
    return age


class SuspectedHanLoss(UserWarning):
    """The GSME snapshot time is older than one missed wake: GSME-GPF communication may be lost."""


# -- the bench's compatibility case (Annex A Compatibility Requirements, SIA15-T-A1) -------------

#: How far the GPF's own (CH) time may be from the bench clock at reading (a measurement).
CH_TIME_TOLERANCE = _dt.timedelta(seconds=60)
DEFAULT_WAKE_INTERVAL = _dt.timedelta(minutes=30)
#: How far the GSME's reported snapshot time may be from the bench's push time (bench latency).
PUSH_TIME_TOLERANCE = _dt.timedelta(seconds=5)

#: The Service Request Variant each use case serves (Annex A Testing Requirement 4a-e).
SRV_REQUIREMENT = {
    "GCS13a": "SECMP0015-TR4a",  # SRV 4.1.1 Read Instantaneous Import Register
    "GCS13b": "SECMP0015-TR4b",  # SRV 4.1.4 Read Instantaneous Import Block Counters
    "GCS13c": "SECMP0015-TR4c",  # SRV 4.1.2 Read Instantaneous Import TOU Matrices
    "GCS14": "SECMP0015-TR4d",  # SRV 4.3 Read Instantaneous Prepay Values
    "GCS60a": "SECMP0015-TR4e",  # SRV 4.18 Read Meter Balance
}

def _flag(value: Any) -> bool | None:
    """A profile's secmp0015 declaration as a bool (True/False, 'yes'/'no', 'supported', ...)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "supported", "new", "on"):
        return True
    if text in ("false", "no", "0", "unsupported", "old", "off", "none"):
        return False
    return None


def supports_secmp0015(handle: Any) -> bool:
    """Whether a device declares SECMP0015 (behaviour ``secmp0015``, else the
    ``reading_snapshot_time`` capability)."""
    declared = _flag(handle.behaviour("secmp0015", None))
    if declared is not None:
        return declared
    return "reading_snapshot_time" in set(handle.capabilities())


def supports_gcs60a(handle: Any) -> bool:
    """GCS60a is SECMP0015's *new* use case (new message code 0x012A), sent "where supported by
    the Device": a CH has it when it declares SECMP0015 or the ``gcs60a`` capability."""
    return supports_secmp0015(handle) or "gcs60a" in set(handle.capabilities())


@dataclass(frozen=True)
class Secmp0015Case:
    """The bench's compatibility case and the expected GPF behaviour in it."""

    gpf_new: bool
    gsme_new: bool
    ch_clock: str  # reliable | unreliable | invalid
    gpf_time_reliability: str  # reliable | unreliable (the seed's default): the fallback time's reliability
    never_populated_read: str  # invalid_time | unsupported_attribute
    wake_interval: _dt.timedelta
    gsme_clock: str = "reliable"  # invalid: the GSME reports 0xFFFFFFFF as its snapshot time
    gcs60a: bool = True  # the CH has GCS60a (an old CH refuses it; GCS60 is its read)
    gsme_offset: _dt.timedelta = _dt.timedelta(0)  # GSME clock minus CH (bench) clock, as declared
    gsme_local_time: bool = False  # the GSME stamps UK local time (S1SR; profile local_time_instead_of_utc)

    def gsme_instant(self, stamp: _dt.datetime, reference: _dt.datetime) -> StampReading:
        """The UTC instant a GSME-sourced stamp stands for (local-time GSME: the UK wall-clock
        reading nearest ``reference``, so both clock changes are read right)."""
        return read_stamp(stamp, local_time=self.gsme_local_time, reference=reference)

    def gsme_now(self, now: _dt.datetime) -> _dt.datetime:
        """The GSME's clock at bench time ``now``."""
        return (now if now.tzinfo else now.replace(tzinfo=_dt.timezone.utc)) + self.gsme_offset

    def latest_report(self, got: _dt.datetime, pushed_at: _dt.datetime, now: _dt.datetime) -> bool:
        """Whether ``got`` is the GSME time of the push at ``pushed_at`` (to the second, bench
        latency allowed) or of a later wake of the GSME by itself (after that push, not after
        the GSME's clock now): a snapshot time the GSME can have reported. The GPF's own time
        of receipt is neither once the two clocks differ."""
        start = pushed_at.replace(microsecond=0)
        if abs(got - start) <= PUSH_TIME_TOLERANCE:
            return True
        return start < got <= self.gsme_now(now) + PUSH_TIME_TOLERANCE

    @property
    def name(self) -> str:
        return f"{'new' if self.gpf_new else 'old'} CH + {'new' if self.gsme_new else 'old'} GSME"

    @property
    def gsme_sourced(self) -> bool:
        """After a push, the GPF must send the GSME's time (bit 2)."""
        return self.gpf_new and self.gsme_new and self.gsme_clock != "invalid"

    @property
    def requirement(self) -> str:
        """The requirement that governs the date-time in this case."""
        if self.gsme_sourced:
            return "SECMP0015-FR4"
        if not self.gpf_new:
            return "SECMP0015-COMP2"
        return "SECMP0015-COMP1"

    @property
    def fallback_reliabilities(self) -> tuple[Reliability, ...]:
        """The reliability of the GPF's own time: an invalid CH clock -> invalid; an unreliable
        one -> unreliable; else unreliable as the seed says (GFI 3.6: own time "unreliable"),
        unless the profile declares the RTDS-observed reliable 0x00 (with a reason)."""
        if self.ch_clock == "invalid":
            return (Reliability.INVALID,)
        if self.ch_clock == "unreliable":
            return (Reliability.UNRELIABLE,)
        if self.gpf_time_reliability == "reliable":
            return (Reliability.RELIABLE,)
        return (Reliability.UNRELIABLE,)

    def read_use_case(self, use_case: str) -> str:
        """The use case that reads what ``use_case`` reads on this CH: GCS60 for GCS60a on an
        old CH (which refuses GCS60a), else ``use_case`` itself."""
        return "GCS60" if use_case == "GCS60a" and not self.gcs60a else use_case

    def expected_source(self, pushed_with_time: bool = True) -> ClockSource:
        return ClockSource.GSME if self.gsme_sourced and pushed_with_time else ClockSource.RESPONDER

    def expected_reliability(self, pushed_with_time: bool = True) -> tuple[Reliability, ...]:
        if self.gsme_sourced and pushed_with_time:
            return (Reliability.RELIABLE,)
        return self.fallback_reliabilities

    def describe(self) -> str:
        return (f"{self.name}; GSME clock {self.gsme_clock}"
                f"{' (UK local time)' if self.gsme_local_time else ''}; CH clock {self.ch_clock}; fallback time "
                f"{'/'.join(r.value for r in self.fallback_reliabilities)}; "
                f"never-populated read {self.never_populated_read}")


@dataclass(frozen=True)
class SnapshotRead:
    """A HAN read of the GPF's ReadingSnapshotTime (Metering 0x0702 / 0x0007)."""

    status: int  # ZCL status
    raw: int | None  # the UINT32 (0xFFFFFFFF = invalid time), None when the status is not SUCCESS
    when: _dt.datetime | None  # None for invalid time or no value

    def describe(self) -> str:
        if self.status != 0:
            return f"status 0x{self.status:02X}" + (" (UNSUPPORTED_ATTRIBUTE)" if self.status == 0x86 else "")
        if self.raw is None:
            return "SUCCESS without a value"
        if self.when is None:
            return f"0x{self.raw:08X} (invalid time)"
        return f"0x{self.raw:08X} ({self.when:%Y-%m-%d %H:%M:%S})"


@requirement("SECMP0015-FR4", "SECMP0015-CR2", "SECMP0015-COMP1", "SECMP0015-COMP2", "SECMP0015-TR4a",
             "SECMP0015-TR4b", "SECMP0015-TR4c", "SECMP0015-TR4d", "SECMP0015-TR4e", "GFI-5", "GFI-6",
             "DCC-IA-3.1.2", "SIA15-T-A2", "S1SR-LT")
def check_date_time(response: Any, case: Secmp0015Case, use_case: str, *, pushed_at: _dt.datetime | None,
                    now: _dt.datetime, measure: Any, snapshot: _dt.datetime | None = None,
                    label: str = "") -> None:
    """Assert the date-time and clock status a compliant GPF sends in ``case``: the GSME's time of
    its latest push, marked from the GSME (SECMP0015-FR4), else the CH time, marked as its own with
    the fallback reliability (SECMP0015-CR2, COMP1, GFI-5); an old CH never marks bit 2 and its
    GCS60 has no date-time (SECMP0015-COMP2). A local-time GSME's stamp is read as UK local time
    (S1SR-LT).

    ``pushed_at``: when the GSME last pushed with its snapshot time (None: never). ``snapshot``: the
    GPF's copy read over the HAN, when the bench has a reader (preferred to ``pushed_at``)."""
    if use_case == "GCS60":  # an old CH's meter-balance read: no date-time at all (COMP2, CR5)
        if response.date_time is not None:
            raise AssertionError(f"SECMP0015-COMP2 GCS60: the response must carry no date-time (the "
                                 f"pre-SECMP0015 structure), got {describe_date_time(response.date_time)} "
                                 f"[{case.describe()}]")
        return
    gsme_time = case.gsme_sourced and pushed_at is not None
    source = case.expected_source(gsme_time)
    reliability = case.expected_reliability(gsme_time)
    requirement = case.requirement
    assert_time_status(response, source, reliability, requirement, use_case=use_case, context=case.describe())
    if gsme_time:
        assert pushed_at is not None
        if snapshot is not None:
            assert_date_time_equals(response, snapshot, requirement, use_case=use_case,
                                    what="the GPF's ReadingSnapshotTime read over the HAN")
        got = response_date_time(response, requirement, use_case)
        reading = case.gsme_instant(got, pushed_at)
        if reading.utc is not None and case.latest_report(reading.utc, pushed_at, now):
            return
        later = f"(or of a later wake up to the GSME's clock now, {case.gsme_now(now):%H:%M:%S})"
        if not case.gsme_local_time:
            assert_date_time_equals(response, pushed_at, requirement, use_case=use_case,
                                    what=f"the time of the GSME's latest push {later}",
                                    tolerance=PUSH_TIME_TOLERANCE)
            return
        problem = instant_problem(reading, pushed_at, PUSH_TIME_TOLERANCE) or f"got {reading.describe()}"
        raise AssertionError(f"{requirement} {use_case}: expected the time of the GSME's latest push "
                             f"{pushed_at:%Y-%m-%d %H:%M:%S} UTC {later}, {problem} [{case.describe()}]")
        return
    if case.fallback_reliabilities == (Reliability.INVALID,):
        return  # an invalid CH clock: the value is meaningless, only its marking is checked
    got = response_date_time(response, requirement, use_case)
    offset = (got - now).total_seconds()
    measure(f"ch_time_offset{label}", offset, "s", -CH_TIME_TOLERANCE.total_seconds(),
            CH_TIME_TOLERANCE.total_seconds())
    if abs(offset) > CH_TIME_TOLERANCE.total_seconds():
        raise AssertionError(f"{requirement} {use_case}: expected the CH time at reading ({now:%Y-%m-%d %H:%M:%S}) "
                             f"within {CH_TIME_TOLERANCE.total_seconds():.0f} s, got {got:%Y-%m-%d %H:%M:%S} "
                             f"({offset:+.0f} s) [{case.describe()}]")


def expected_read(case: Secmp0015Case, pushed_at: _dt.datetime | None) -> tuple[str, str]:
    """(requirement, expectation in words) for a HAN read in ``case``."""
    if not case.gpf_new:
        return "SECMP0015-COMP3", "UNSUPPORTED_ATTRIBUTE (0x86) from a GPF without SECMP0015"
    if case.gsme_sourced and pushed_at is not None:
        return "SECMP0015-FR3", f"the latest push time {pushed_at:%Y-%m-%d %H:%M:%S}"
    if case.gsme_new and pushed_at is not None:  # the GSME reported 0xFFFFFFFF (invalid clock)
        return "SECMP0015-FR3", "0xFFFFFFFF (invalid time): the GSME's own snapshot time, copied"
    if case.never_populated_read == "unsupported_attribute":
        return "SECMP0015-CR3", "UNSUPPORTED_ATTRIBUTE (0x86): never populated (profile: unsupported_attribute)"
    return "SECMP0015-CR3", "0xFFFFFFFF (invalid time): the GSME never supplied a snapshot time"


@requirement("SECMP0015-FR3", "SECMP0015-CR3", "SECMP0015-COMP3", "GFI-1", "GFI-2", "GFI-3", "GFI-4",
             "SIA15-T-A4", "DCC-IA-3.1.1", "S1SR-LT")
def check_read(read: SnapshotRead, case: Secmp0015Case, pushed_at: _dt.datetime | None,
               now: _dt.datetime | None = None) -> None:
    """Assert a HAN read of the GPF's ReadingSnapshotTime: the GSME's latest snapshot time
    (SECMP0015-FR3), 0xFFFFFFFF before any (SECMP0015-CR3, GFI-2; UNSUPPORTED_ATTRIBUTE where the
    profile declares it), UNSUPPORTED_ATTRIBUTE from an old CH (SECMP0015-COMP3); GFI-1..4: the GPF
    keeps, initialises, mirrors and exposes it."""
    requirement, words = expected_read(case, pushed_at)
    fail = f"{requirement}: HAN read of ReadingSnapshotTime: expected {words}, got {read.describe()} [{case.name}]"
    supplied = case.gsme_new and pushed_at is not None  # the GSME has reported the attribute
    if not case.gpf_new or (not supplied and case.never_populated_read == "unsupported_attribute"):
        assert read.status == ZCL_UNSUPPORTED_ATTRIBUTE, fail
        return
    assert read.status == 0, fail
    if case.gsme_sourced and pushed_at is not None:
        assert read.when is not None, fail
        reading = case.gsme_instant(read.when, pushed_at)
        if now is not None:
            assert reading.utc is not None and case.latest_report(reading.utc, pushed_at, now), \
                f"{fail}: {reading.describe()}"
        else:
            problem = instant_problem(reading, pushed_at, PUSH_TIME_TOLERANCE)
            assert problem is None, f"{fail}: {problem}"
    else:
        assert read.raw == INVALID_UTC_TIME, fail


# -- pushes -------------------------------------------------------------------------------------

@requirement("SECMP0015-FR2", "SECMP0015-FR1")
def push_not_observed(problem: object, case: Secmp0015Case) -> AssertionError:
    """SECMP0015-FR2 (with FR1): the failure for a GSME push the bench should have seen change the
    GPF's copy and did not (``problem``: why, from the bench's observer)."""
    return AssertionError(f"SECMP0015-FR2 (with FR1: every GSME push carries ReadingSnapshotTime and the "
                          f"GPF's copy follows it): {problem} [{case.name}]")


@requirement("SECMP0015-FR3", "SECMP0015-FR4")
def check_push_seen_in_time(seen_at: _dt.datetime, how: str, lag_s: float, low_s: float, limit_s: float,
                            offset: _dt.timedelta, case: Secmp0015Case) -> None:
    """SECMP0015-FR3 (with FR4): the GPF's copy changed to ``seen_at``, seen ``lag_s`` after that
    time as bench time: a GSME push is seen between ``low_s`` and ``limit_s`` after it, else the
    copy is not the GSME's time of the push."""
    __tracebackhide__ = True
    # the copy changed just now, so it must be the GSME's clock now (CH time + the declared
    # offset), within the bench latency and one poll: else it is not the GSME's time
    assert low_s <= lag_s <= limit_s, (
        f"SECMP0015-FR3 (with FR4: the GPF's copy is the GSME's ReadingSnapshotTime): the copy changed to "
        f"{seen_at:%Y-%m-%d %H:%M:%S} ({how.replace('_', ' ')}), and was seen {lag_s:+.1f} s after that "
        f"time as bench time (the GSME's clock minus its declared clock_offset_s of "
        f"{offset.total_seconds():+g} s); a GSME push is seen between {low_s:+g} and {limit_s:+.1f} s after "
        f"it: the copy is not the GSME's time of the push [{case.name}]")


@requirement("SECMP0015-FR1", "SECMP0015-CR1", "GFI-8", "SECMP0015-TR10", "SIA15-T-A1")
def check_every_push(failures: list[str], pushes: int, case: Secmp0015Case) -> None:
    """SECMP0015-FR1 (CR1, GFI-8): every one of ``pushes`` pushes gave the date-time the bench's
    compatibility case expects (``failures``: one line per push that did not), so the GSME always
    reports its snapshot time; run on every case of the PIT matrix (SECMP0015-TR10, SIA15-T-A1)."""
    __tracebackhide__ = True
    if failures:
        req = "SECMP0015-FR1" if case.gsme_sourced else case.requirement
        raise AssertionError(f"{req}: {len(failures)} of {pushes} pushes did not give the expected "
                             f"date-time [{case.name}]:\n  " + "\n  ".join(failures))
