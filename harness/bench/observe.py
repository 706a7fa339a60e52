"""Observe instead of command: on a bench without a control channel a GSME push is detected,
never assumed. In order of preference:

1. ``han_snapshot``: the GPF's ReadingSnapshotTime (Metering 0x0702/0x0007) read over the HAN by
   the bench's IHD-role device changes;
2. ``gcs_date_time``: the GSME-sourced date-time (clock-status bit 2) of the GPF's GCS13a
   responses changes;
3. ``waited``: for a GSME or GPF that gives neither (pre-SECMP0015), one declared wake interval
   plus margin is waited, and the record says so.

A push that should be observable but is not seen within one wake interval plus margin is a
:class:`PushNotObserved`: the GPF's copy did not follow the GSME (the suites turn it into a
failure naming the requirement)."""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.errors import CapabilityMissing, HarnessError
from harness.gbcs.datetime import ClockSource
from harness.gbcs.zcl import raw_utc_time, utc_time_value


class PushNotObserved(HarnessError):
    """A push that should have changed the GPF's copy did not, within the wait allowed."""


@dataclass(frozen=True)
class ObservedPush:
    """A GSME push as the bench saw it."""

    at: _dt.datetime  # the GSME's time of the push (as observed); bench time when only waited
    how: str  # control | han_snapshot | gcs_date_time | waited
    waited_s: float  # how long the bench waited for it
    detected_at: _dt.datetime  # bench time when it was seen

    def describe(self) -> str:
        words = {"control": "made by a CONTROL frame", "han_snapshot": "seen as a new ReadingSnapshotTime read "
                 "over the HAN", "gcs_date_time": "seen as a new GSME-sourced date-time in a GCS13a response",
                 "waited": "assumed after waiting one declared wake interval plus margin (the devices give no "
                 "observable push time)"}
        return f"push at {self.at:%Y-%m-%d %H:%M:%S} {words.get(self.how, self.how)} after {self.waited_s:.1f} s"


def _han_marker(gpf: Any) -> Callable[[], _dt.datetime | None]:
    def read() -> _dt.datetime | None:
        result = gpf.read_attribute(0x0702, 0x0007, via="IHD")
        return utc_time_value(raw_utc_time(result.value)) if result.status == 0 else None

    return read


def _gcs_marker(gpf: Any) -> Callable[[], _dt.datetime | None]:
    def read() -> _dt.datetime | None:
        response = gpf.send("GCS13a").response
        dt = response.date_time if response is not None else None
        if dt is None or dt.clock_status is None or dt.clock_status.source is not ClockSource.GSME:
            return None
        when: _dt.datetime | None = dt.to_datetime()
        return when

    return read


def wake_margin(wake_interval_s: float) -> float:
    """How late a push may be after one declared wake interval (jitter, HAN latency): well below
    a second interval, so a GSME that skips every other report is seen."""
    return max(1.0, 0.25 * wake_interval_s)


def marker_for(bench: Any, gpf: Any) -> tuple[str, Callable[[], _dt.datetime | None]]:
    """The best way this bench has to see the GPF's copy of the GSME's time."""
    if bench.handle("IHD") is not None:
        return "han_snapshot", _han_marker(gpf)
    return "gcs_date_time", _gcs_marker(gpf)


def await_push(bench: Any, gpf: Any, *, observable: bool, wake_interval_s: float,
               trigger: Callable[[], None] | None = None, timeout_s: float | None = None) -> ObservedPush:
    """Wait for the GSME's next push after this call (``trigger`` first makes it happen: an
    operator prompt, a switch). ``observable``: the GPF keeps a GSME time to watch (SECMP0015 on
    both sides, GSME clock valid)."""
    margin = wake_margin(wake_interval_s)
    limit = timeout_s if timeout_s is not None else wake_interval_s + margin
    allowed = float(getattr(bench, "timeouts_max_wait", 900.0))
    if limit > allowed:
        raise CapabilityMissing(f"bench '{getattr(bench, 'name', 'bench')}': waiting for the GSME's push takes up to "
                                f"{limit:.0f} s (wake interval {wake_interval_s:g} s), more than the bench allows "
                                f"({allowed:.0f} s)", profile_key="timeouts.max_wait_s")
    t0 = time.monotonic()
    if not observable:
        if trigger is not None:
            trigger()
        from harness.bench.stimuli import wait

        wait(bench, max(0.0, limit - (time.monotonic() - t0)), "one GSME wake interval plus margin")
        now = bench.clock.now()
        return ObservedPush(now, "waited", time.monotonic() - t0, now)
    how, read = marker_for(bench, gpf)
    baseline = read()
    if trigger is not None:
        trigger()
    poll = min(max(wake_interval_s / 20.0, 0.25), 30.0)
    progress = getattr(bench, "progress", None)
    last_note = t0
    while True:
        elapsed = time.monotonic() - t0
        if elapsed > limit:
            seen = f"{baseline:%Y-%m-%d %H:%M:%S}" if baseline else "no valid time"
            raise PushNotObserved(
                f"no GSME push seen within {limit:.1f} s (one declared wake interval of {wake_interval_s:g} s plus "
                f"{margin:.1f} s margin): the GPF's copy of the GSME time stayed at {seen} "
                f"(watched by {how.replace('_', ' ')})")
        time.sleep(min(poll, max(0.0, limit - elapsed) + 0.01))
        current = read()
        if current is not None and current != baseline:
            now = bench.clock.now()
            return ObservedPush(current, how, time.monotonic() - t0, now)
        if progress is not None and time.monotonic() - last_note >= 10:
            last_note = time.monotonic()
            progress(f"waiting for the GSME's push ({time.monotonic() - t0:.0f} of {limit:.0f} s)")
