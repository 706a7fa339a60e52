"""SECMP0015 suite support: which compatibility case the bench is in (from the device profiles'
``secmp0015`` behaviour) and what a compliant GPF must therefore send.

Cases (Annex A Compatibility Requirements, SIA15-T-A1):
* new CH + new GSME: GSME-sourced date-time (bit 2 set, reliable) once the GSME has pushed;
* new CH + old GSME: the CH falls back to its own time (bit 2 clear), HAN read gives 0xFFFFFFFF;
* old CH + new GSME: the CH discards the attribute: never bit 2, HAN read UNSUPPORTED_ATTRIBUTE;
* old CH + old GSME: pre-SECMP0015 behaviour.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

import pytest

from harness.checks import (
    INVALID_UTC_TIME,
    SECMP0015_USE_CASES,
    ZCL_UNSUPPORTED_ATTRIBUTE,
    assert_date_time_equals,
    assert_time_status,
    describe_date_time,
    response_date_time,
)
from harness.gbcs.datetime import ClockSource, Reliability
from harness.localtime import StampReading, instant_problem, read_stamp

#: How far the GPF's own (CH) time may be from the bench clock at reading (a measurement).
CH_TIME_TOLERANCE = _dt.timedelta(seconds=60)
DEFAULT_WAKE_INTERVAL = _dt.timedelta(minutes=30)
#: How far the GSME's reported snapshot time may be from the bench's push time (bench latency).
PUSH_TIME_TOLERANCE = _dt.timedelta(seconds=5)

def after_push(case: Secmp0015Case, wanted: _dt.timedelta) -> _dt.timedelta:
    """A pause between a push and the reading: ``wanted``, but well inside the GSME's wake
    interval, so on a bench where the GSME wakes on its own no further push lands before it."""
    return min(wanted, case.wake_interval * 0.4)


#: The Service Request Variant each use case serves (Annex A Testing Requirement 4a-e).
SRV_REQUIREMENT = {
    "GCS13a": "SECMP0015-TR4a",  # SRV 4.1.1 Read Instantaneous Import Register
    "GCS13b": "SECMP0015-TR4b",  # SRV 4.1.4 Read Instantaneous Import Block Counters
    "GCS13c": "SECMP0015-TR4c",  # SRV 4.1.2 Read Instantaneous Import TOU Matrices
    "GCS14": "SECMP0015-TR4d",  # SRV 4.3 Read Instantaneous Prepay Values
    "GCS60a": "SECMP0015-TR4e",  # SRV 4.18 Read Meter Balance
}

#: One register per use case that the test changes between pushes, and its response value name.
TRACKED_REGISTER = {
    "GCS13a": "CurrentSummationDelivered",
    "GCS13b": "CurrentNoTierBlock1SummationDelivered",
    "GCS13c": "CurrentTier1SummationDelivered",
    "GCS14": "AccumulatedDebt",
    "GCS60a": "BillToDateDelivered",
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


def check_date_time(response: Any, case: Secmp0015Case, use_case: str, *, pushed_at: _dt.datetime | None,
                    now: _dt.datetime, measure: Any, snapshot: _dt.datetime | None = None,
                    label: str = "") -> None:
    """Assert the date-time and clock status a compliant GPF sends in ``case``.

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


def check_read(read: SnapshotRead, case: Secmp0015Case, pushed_at: _dt.datetime | None,
               now: _dt.datetime | None = None) -> None:
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


#: The five use cases as pytest params, each marked with its SRV testing requirement.
USE_CASES = [pytest.param(uc, marks=pytest.mark.requirement(SRV_REQUIREMENT[uc]), id=uc)
             for uc in SECMP0015_USE_CASES]
