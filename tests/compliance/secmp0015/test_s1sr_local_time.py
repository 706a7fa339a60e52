"""S1SR local time, as the SECMP0015 date-time checks see it: the GSME-sourced date-time the GPF
copies (GCS13a header, the HAN ReadingSnapshotTime) stands for the GSME's push instant on both
sides of each UK clock change: read as UTC, or as UK local time where the GSME's profile declares
``local_time_instead_of_utc`` (S1SR conclusion: "Secure devices do operate in Local time").

A GSME that stamps local time without declaring it is an hour off in summer time; one that
declares local time and stamps UTC is an hour off the other way. The bench clock is set to each
change (emulated benches: the virtual clock; nothing sleeps); a bench whose clock is the wall
clock skips, naming the stimulus it lacks."""

from __future__ import annotations

from typing import Any

import pytest

from harness.errors import CapabilityMissing
from harness.suites.s1sr import R_LOCAL_TIME, advance_to, reach_clock_change
from harness.suites.secmp0015 import Secmp0015Case, check_date_time, check_read


@pytest.mark.requirement(R_LOCAL_TIME, "SECMP0015-FR3", "SECMP0015-FR4")
@pytest.mark.device("GPF", "GSME")
@pytest.mark.severity("S2")
@pytest.mark.parametrize("change", ["spring", "autumn"])
def test_gsme_time_across_clock_change(change: str, bench: Any, gpf: Any, clock: Any, push: Any,
                                       record_case: Secmp0015Case, send_checked: Any, read_snapshot_time: Any,
                                       measure: Any) -> None:
    case = record_case
    if not case.gsme_sourced:
        pytest.skip(f"no GSME-sourced date-time on this bench ({case.name}, GSME clock {case.gsme_clock})")
    measure("gsme_declares_local_time", case.gsme_local_time)
    try:
        readings = reach_clock_change(bench, clock, change, measure, "reading the GSME time")
    except CapabilityMissing as exc:
        pytest.skip(str(exc))
    for label, when in readings.points():
        advance_to(clock, when)
        pushed_at = push()
        measure(f"push_{label}_utc", pushed_at.isoformat())
        response = send_checked(gpf, "GCS13a", requirement=R_LOCAL_TIME)
        read = read_snapshot_time()
        where = (f"{R_LOCAL_TIME} GSME time {label} the {change} clock change "
                 f"({readings.transition.at:%Y-%m-%d %H:%M} UTC), pushed {pushed_at:%Y-%m-%d %H:%M:%S} UTC, "
                 f"profile declares {'UK local time' if case.gsme_local_time else 'UTC'}")
        try:
            check_date_time(response, case, "GCS13a", pushed_at=pushed_at, now=clock.now(), measure=measure,
                            label=f"_{label}")
            if read is not None:
                check_read(read, case, pushed_at)
        except AssertionError as exc:
            raise AssertionError(f"{where}: {exc}") from None
