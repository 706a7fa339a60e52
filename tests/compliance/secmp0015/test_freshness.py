"""Freshness of the GPF's copy (FR2): it moves with every push, and during a HAN outage the GPF
keeps the last snapshot time, however old (hours, days), so its age shows that the GSME has
stopped reporting (the E.ON consultation response: older than the wake interval, 30 minutes by
default, suggests lost GSME-GPF communication). Every interval comes from the declared wake
interval (``wake_interval_s``), never a fixed 30 minutes."""

from __future__ import annotations

import datetime as _dt
import warnings
from typing import Any

import pytest

from harness.suites.secmp0015 import PUSH_TIME_TOLERANCE, SuspectedHanLoss, check_date_time, snapshot_age


@pytest.mark.requirement("SECMP0015-FR2", "SECMP0015-CR2", "SIA15-T-A4")
@pytest.mark.device("GPF", "GSME")
@pytest.mark.severity("S1")
def test_copy_follows_later_push(gpf: Any, clock: Any, push: Any, record_case: Any, send_checked: Any,
                                 read_snapshot_time: Any, measure: Any) -> None:
    case = record_case
    first = push()
    for n in range(1, 3):
        clock.advance(case.wake_interval + _dt.timedelta(seconds=11))  # past the wake interval
        latest = push()
        assert latest > first
        snapshot = read_snapshot_time() if case.gsme_sourced else None
        response = send_checked(gpf, "GCS13a", requirement="SECMP0015-FR2")
        expected_req = "SECMP0015-FR2" if case.gsme_sourced else case.requirement
        try:
            check_date_time(response, case, "GCS13a", pushed_at=latest, now=clock.now(), measure=measure,
                            snapshot=snapshot.when if snapshot is not None and snapshot.when else None,
                            label=f"_{n}")
        except AssertionError as exc:
            raise AssertionError(f"{expected_req} after push {n + 1}: {exc}") from None


#: Outage lengths: more than one wake interval (derived from the declared interval), hours, days.
OUTAGES = {
    "one_missed_wake": lambda wake: wake + wake / 2 + _dt.timedelta(seconds=15),
    "hours": lambda wake: max(_dt.timedelta(hours=5, minutes=7), 3 * wake),
    "days": lambda wake: max(_dt.timedelta(days=3, hours=2), 3 * wake),
}


@pytest.mark.requirement("SECMP0015-FR2", "SECMP0015-CR2")
@pytest.mark.device("GPF", "GSME")
@pytest.mark.severity("S2")
@pytest.mark.parametrize("outage_kind", list(OUTAGES))
def test_han_outage_keeps_last_snapshot(gpf: Any, gsme: Any, clock: Any, push: Any, record_case: Any,
                                        send_checked: Any, measure: Any, outage_kind: str) -> None:
    """During a HAN outage longer than the declared wake interval (one missed wake, hours, days)
    the GPF still reports the GSME's last snapshot time, however old, not its own time; the
    snapshot's age (in GSME time) shows the outage. The first push after the outage is reported
    exactly."""
    case = record_case
    pushed_at = push()
    gsme_offset = pushed_at - _aware(clock.now())  # GSME clock minus bench clock, as declared
    gsme.set_han_outage(True)
    try:
        outage = OUTAGES[outage_kind](case.wake_interval)
        clock.advance(outage)
        response = send_checked(gpf, "GCS14", requirement="SECMP0015-FR2")
        check_date_time(response, case, "GCS14", pushed_at=pushed_at, now=clock.now(), measure=measure)
        gsme_now = _aware(clock.now()) + gsme_offset
        age = snapshot_age(response, gsme_now)
        if age is not None and case.gsme_local_time:  # the stamp is UK local time: its instant's age
            instant = case.gsme_instant(response.date_time.to_datetime(), pushed_at).utc
            age = gsme_now - instant if instant is not None else age
        if age is not None and case.gsme_sourced:
            minutes = age.total_seconds() / 60
            measure("snapshot_age", round(minutes, 2), "min")
            stale = age > case.wake_interval  # older than one wake: at least one report missed
            measure("suspected_gsme_gpf_comms_loss", stale)
            assert stale and abs(age - outage) <= PUSH_TIME_TOLERANCE, (
                f"SECMP0015-FR2 GCS14: after a {outage} HAN outage (wake interval {case.wake_interval}) the "
                f"GSME-sourced date-time should be {outage} old, it is {age} old")
            warnings.warn(SuspectedHanLoss(
                f"GSME snapshot time is {minutes:.0f} min old (> wake interval {case.wake_interval}): "
                f"suspected loss of GSME-GPF communication"), stacklevel=1)
    finally:
        gsme.set_han_outage(False)
    clock.advance(_dt.timedelta(seconds=5))
    resumed = push()
    response = send_checked(gpf, "GCS14", requirement="SECMP0015-FR2")
    check_date_time(response, case, "GCS14", pushed_at=resumed, now=clock.now(), measure=measure,
                    label="_after_outage")


def _aware(when: _dt.datetime) -> _dt.datetime:
    return when if when.tzinfo else when.replace(tzinfo=_dt.timezone.utc)
