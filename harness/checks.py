"""Reusable compliance assertions and formatters for the suites.

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
INVALID_UTC_TIME = 0xFFFFFFFF
ZCL_EPOCH = _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc)
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


# -- ZCL UTCTime -------------------------------------------------------------------------------

def utc_time_value(value: Any) -> _dt.datetime | None:
    """A ZCL UTCTime attribute value as an aware datetime; ``None`` for 0xFFFFFFFF (invalid time).
    Accepts the raw integer (seconds since 2000-01-01) or an already converted datetime."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)
    if isinstance(value, (bytes, bytearray)) and len(value) == 4:
        value = int.from_bytes(value, "little")
    seconds = int(value)
    if seconds == INVALID_UTC_TIME:
        return None
    return ZCL_EPOCH + _dt.timedelta(seconds=seconds)


def raw_utc_time(value: Any) -> int | None:
    """The raw UINT32 of a UTCTime value (so 0xFFFFFFFF can be told from 0)."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)
        return int((aware - ZCL_EPOCH).total_seconds())
    if isinstance(value, (bytes, bytearray)) and len(value) == 4:
        return int.from_bytes(value, "little")
    return int(value)


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
