"""S1SR local time, as the debt suite's date-time check sees it: the date-time of the ESME's
prepayment-register read (ECS19, the meter's own clock) stands for the bench's time of the reading
on both sides of each UK clock change: read as UTC, or as UK local time where the ESME's profile
declares ``local_time_instead_of_utc`` (S1SR conclusion: "Secure devices do operate in Local time").

Judged: the time base (an hour's difference), not clock accuracy (TIME_BASE_TOLERANCE). The bench
clock is set to each change (the virtual clock; nothing sleeps); a wall-clock bench skips naming the
stimulus it lacks. The GSME's stamps are checked through the GPF by the SECMP0015 suite."""

from __future__ import annotations

from typing import Any

import pytest

from harness.errors import CapabilityMissing
from harness.gbcs.datetime import DateTime
from harness.localtime import read_device_stamp
from harness.suites.s1sr import (
    R_LOCAL_TIME,
    advance_to,
    check_time_base,
    local_time,
    reach_clock_change,
)


def _meter_time(esme: Any, *, local: bool, now: Any) -> tuple[DateTime | None, Any]:
    exchange = esme.send("ECS19")
    response = exchange.require()
    stamp = response.date_time
    return stamp, (read_device_stamp(stamp, local_time=local, reference=now) if stamp is not None else None)


@pytest.mark.requirement(R_LOCAL_TIME)
@pytest.mark.device("ESME")
@pytest.mark.severity("S2")
@pytest.mark.parametrize("change", ["spring", "autumn"])
def test_esme_time_across_clock_change(change: str, bench: Any, esme: Any, clock: Any, measure: Any) -> None:
    local = local_time(esme)
    measure("esme_declares_local_time", local)
    try:
        readings = reach_clock_change(bench, clock, change, measure, "reading the ESME time")
    except CapabilityMissing as exc:
        pytest.skip(str(exc))
    for label, when in readings.points():
        advance_to(clock, when)
        now = clock.now()
        stamp, reading = _meter_time(esme, local=local, now=now)
        where = (f"{R_LOCAL_TIME} ECS19 {label} the {change} clock change "
                 f"({readings.transition.at:%Y-%m-%d %H:%M} UTC), read at {now:%Y-%m-%d %H:%M:%S} UTC, "
                 f"profile declares {'UK local time' if local else 'UTC'}")
        if reading is not None:
            measure(f"esme_stamp_{label}", str(stamp))
        check_time_base(where, stamp, reading, now)
