"""UK civil time for local-time devices: clock changes from the zone data, wall clock <-> UTC,
the repeated autumn hour and the skipped spring hour, device stamps read against a reference."""

from __future__ import annotations

import datetime as dt

import pytest

from harness.gbcs.datetime import ClockStatus, DateTime
from harness.localtime import (
    instant_problem,
    instants_of_wall_clock,
    next_transition,
    read_device_stamp,
    read_stamp,
    transitions,
    uk_offset,
    uk_wall_clock,
)
from harness.suites.s1sr import draw_change_readings, pence, to_millipence

UTC = dt.timezone.utc


def _u(*a: int) -> dt.datetime:
    return dt.datetime(*a, tzinfo=UTC)


@pytest.mark.parametrize("year,spring,autumn", [(2026, (3, 29), (10, 25)), (2027, (3, 28), (10, 31)),
                                                (2024, (3, 31), (10, 27))])
def test_transitions_are_last_sundays_at_one_utc(year: int, spring: tuple[int, int], autumn: tuple[int, int]) -> None:
    s, a = transitions(year)
    assert (s.name, s.at) == ("spring", _u(year, *spring, 1))
    assert (a.name, a.at) == ("autumn", _u(year, *autumn, 1))
    assert next_transition(_u(year, 4, 1), "spring").at.year == year + 1


def test_transitions_match_an_hourly_scan_of_the_zone_data() -> None:
    """The daily-then-hourly scan finds what scanning every hour of the year finds."""
    for year in range(1996, 2045):
        hour, end = _u(year, 1, 1), _u(year + 1, 1, 1)
        found, previous = [], uk_offset(hour)
        while hour < end:
            hour += dt.timedelta(hours=1)
            if uk_offset(hour) != previous:
                found.append(hour)
                previous = uk_offset(hour)
        assert [t.at for t in transitions(year)] == found, year


def test_offsets_and_wall_clock() -> None:
    assert uk_offset(_u(2026, 1, 15, 12)) == dt.timedelta(0)
    assert uk_offset(_u(2026, 7, 1, 12)) == dt.timedelta(hours=1)
    assert uk_wall_clock(_u(2026, 3, 29, 0, 59)) == dt.datetime(2026, 3, 29, 0, 59)
    assert uk_wall_clock(_u(2026, 3, 29, 1, 0)) == dt.datetime(2026, 3, 29, 2, 0)
    assert uk_wall_clock(_u(2026, 10, 25, 0, 30)) == dt.datetime(2026, 10, 25, 1, 30)
    assert uk_wall_clock(_u(2026, 10, 25, 1, 30)) == dt.datetime(2026, 10, 25, 1, 30)


def test_repeated_and_skipped_wall_clock_hours() -> None:
    assert instants_of_wall_clock(dt.datetime(2026, 10, 25, 1, 30)) == [_u(2026, 10, 25, 0, 30), _u(2026, 10, 25, 1, 30)]
    assert instants_of_wall_clock(dt.datetime(2026, 3, 29, 1, 30)) == []
    assert instants_of_wall_clock(dt.datetime(2026, 3, 29, 2, 30)) == [_u(2026, 3, 29, 1, 30)]


@pytest.mark.parametrize("reference,expected", [(_u(2026, 10, 25, 0, 31), _u(2026, 10, 25, 0, 30)),
                                                (_u(2026, 10, 25, 1, 29), _u(2026, 10, 25, 1, 30))])
def test_a_repeated_hour_stamp_is_the_instant_nearest_the_reference(reference: dt.datetime,
                                                                    expected: dt.datetime) -> None:
    reading = read_stamp(_u(2026, 10, 25, 1, 30), local_time=True, reference=reference)
    assert reading.utc == expected and len(reading.candidates) == 2
    assert "autumn" in reading.describe()
    assert instant_problem(reading, reference, dt.timedelta(minutes=2)) is None


def test_utc_and_skipped_stamps() -> None:
    summer = _u(2026, 7, 1, 13)
    assert read_stamp(summer, local_time=False, reference=summer).utc == summer
    assert read_stamp(summer, local_time=True, reference=summer).utc == _u(2026, 7, 1, 12)
    gap = read_stamp(_u(2026, 3, 29, 1, 30), local_time=True, reference=_u(2026, 3, 29, 1, 30))
    assert gap.utc is None and "skips" in (instant_problem(gap, _u(2026, 3, 29, 1), dt.timedelta(hours=2)) or "")
    off = read_stamp(summer, local_time=False, reference=summer)
    assert "+3600 s" in (instant_problem(off, _u(2026, 7, 1, 12), dt.timedelta(minutes=10)) or "")


def test_a_stamp_with_its_deviation_says_its_own_zone() -> None:
    bare = DateTime.from_datetime(_u(2026, 7, 1, 13), ClockStatus(0xFF))
    assert read_device_stamp(bare, local_time=True, reference=_u(2026, 7, 1, 12)).utc == _u(2026, 7, 1, 12)  # type: ignore[union-attr]
    stated = DateTime.from_datetime(_u(2026, 7, 1, 13), ClockStatus(0xFF), deviation=-60)
    assert read_device_stamp(stated, local_time=False, reference=_u(2026, 7, 1, 12)).utc == _u(2026, 7, 1, 12)  # type: ignore[union-attr]


def test_readings_either_side_of_a_change_are_an_hour_apart() -> None:
    import random

    for seed in range(20):
        r = draw_change_readings("autumn", _u(2026, 1, 1), random.Random(seed), mirror=True)
        assert r.before < r.transition.at < r.after and r.after - r.before == dt.timedelta(hours=1)
        assert uk_wall_clock(r.before) == uk_wall_clock(r.after)  # the repeated hour


def test_millipence_words_are_exact() -> None:
    assert to_millipence(20) == 20_000 and pence(1_234) == "1.234p" and pence(-20_000) == "-20.000p"
    assert sum(to_millipence(1) for _ in range(1000)) == 1_000_000


def test_a_wall_clock_bench_names_the_missing_stimulus() -> None:
    from harness.errors import CapabilityMissing
    from harness.suites.s1sr import reach_clock_change

    class WallClockBench:
        def control(self, op: str, **kw: object) -> dict[str, object]:
            raise CapabilityMissing(f"bench 'lab' is real hardware: no bench control ('{op}')")

    class Clock:
        def now(self) -> dt.datetime:
            return _u(2026, 12, 1, 21)

    seen: dict[str, object] = {}
    with pytest.raises(CapabilityMissing) as exc:
        reach_clock_change(WallClockBench(), Clock(), "spring", lambda k, v, *a, **kw: seen.update({k: v}),
                           "reading the ESME time")
    text = str(exc.value)
    assert "restart_at" in text and "2027-03-28" in text and "wall clock" in text and "spring" in text
    assert "draw_seed" in seen
