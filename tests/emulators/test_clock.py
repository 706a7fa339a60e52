import datetime as dt

import pytest

from harness.emulators.clock import INVALID_UTC_TIME, VirtualClock, from_utctime, to_utctime


def test_callbacks_fire_in_time_order_and_see_their_due_time():
    clock = VirtualClock()
    seen = []
    clock.call_later(dt.timedelta(hours=2), lambda: seen.append(("b", clock.now().hour)))
    clock.call_later(dt.timedelta(hours=1), lambda: seen.append(("a", clock.now().hour)))
    handle = clock.call_later(dt.timedelta(minutes=90), lambda: seen.append(("x", 0)))
    clock.cancel(handle)
    assert clock.advance(dt.timedelta(hours=3)) == 2
    assert seen == [("a", 1), ("b", 2)]
    assert clock.now() == dt.datetime(2026, 1, 1, 3, tzinfo=dt.timezone.utc)


def test_clock_refuses_to_go_backwards():
    with pytest.raises(ValueError):
        VirtualClock().advance(-1)


def test_utctime_round_trip_and_invalid():
    when = dt.datetime(2015, 1, 1, tzinfo=dt.timezone.utc)
    assert to_utctime(when) == 0x1C374A80
    assert from_utctime(0x1C374A80) == when
    assert from_utctime(INVALID_UTC_TIME) is None
