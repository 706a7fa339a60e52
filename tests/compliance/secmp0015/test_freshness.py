"""Freshness of the GPF's copy (FR2): it moves with every push, and during a HAN outage the GPF
keeps the last snapshot time, so its age shows that the GSME has stopped reporting (the E.ON
consultation response: older than 30 minutes suggests lost GSME-GPF communication)."""

from __future__ import annotations

import datetime as _dt
import warnings
from typing import Any

import pytest

from harness.checks import STALE_SNAPSHOT_AGE, SuspectedHanLoss, snapshot_age

from ._support import check_date_time


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


@pytest.mark.requirement("SECMP0015-FR2", "SECMP0015-CR2")
@pytest.mark.device("GPF", "GSME")
@pytest.mark.severity("S2")
def test_han_outage_keeps_last_snapshot(gpf: Any, gsme: Any, clock: Any, push: Any, record_case: Any,
                                        send_checked: Any, measure: Any) -> None:
    case = record_case
    pushed_at = push()
    gsme.set_han_outage(True)
    try:
        outage = case.wake_interval + _dt.timedelta(minutes=15)  # at least one missed wake
        clock.advance(outage)
        response = send_checked(gpf, "GCS14", requirement="SECMP0015-FR2")
        check_date_time(response, case, "GCS14", pushed_at=pushed_at, now=clock.now(), measure=measure)
        age = snapshot_age(response, clock.now())
        if age is not None and case.gsme_local_time:  # the stamp is UK local time: its instant's age
            instant = case.gsme_instant(response.date_time.to_datetime(), pushed_at).utc
            age = clock.now() - instant if instant is not None else age
        if age is not None:
            minutes = age.total_seconds() / 60
            measure("snapshot_age", round(minutes, 2), "min")
            stale = age > STALE_SNAPSHOT_AGE
            measure("suspected_gsme_gpf_comms_loss", stale)
            if case.gsme_sourced:
                assert stale, (f"SECMP0015-FR2 GCS14: after a {outage} HAN outage the GSME-sourced date-time "
                               f"should be {outage} old, it is {age} old")
                warnings.warn(SuspectedHanLoss(
                    f"GSME snapshot time is {minutes:.0f} min old (> {STALE_SNAPSHOT_AGE}): suspected loss "
                    f"of GSME-GPF communication"), stacklevel=1)
    finally:
        gsme.set_han_outage(False)
    clock.advance(_dt.timedelta(seconds=5))
    resumed = push()
    response = send_checked(gpf, "GCS14", requirement="SECMP0015-FR2")
    check_date_time(response, case, "GCS14", pushed_at=resumed, now=clock.now(), measure=measure,
                    label="_after_outage")
