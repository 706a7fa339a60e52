"""UK civil time (GMT in winter, BST = UTC+1 in summer) for devices that run on local time
instead of UTC (S1SR: "Secure devices do operate in Local time").

A local-time device writes its wall-clock time where GBCS wants UTC (a DLMS date-time with the
deviation not specified, a ZCL UTCTime). Read as UTC such a stamp is an hour ahead during BST;
around the autumn change one wall-clock hour happens twice, and in spring one never happens. So
a stamp is turned back into UTC against a reference time (the bench's time of the reading): of
the instants the wall-clock time can stand for, the one nearest the reference.

The rules come from the IANA time-zone database (``zoneinfo``, Europe/London), not hand-coded.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from harness.gbcs.datetime import DEVIATION_NOT_SPECIFIED, DateTime

UTC = _dt.timezone.utc
UK_ZONE_NAME = "Europe/London"


@lru_cache(maxsize=1)
def uk_zone() -> ZoneInfo:
    return ZoneInfo(UK_ZONE_NAME)


def _utc(when: _dt.datetime) -> _dt.datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def uk_wall_clock(when: _dt.datetime) -> _dt.datetime:
    """The UK wall-clock time of the instant ``when`` (UTC if naive), as a naive datetime."""
    return _utc(when).astimezone(uk_zone()).replace(tzinfo=None)


def uk_offset(when: _dt.datetime) -> _dt.timedelta:
    """UK local time minus UTC at the instant ``when``: 0 (GMT) or 1 hour (BST)."""
    offset = _utc(when).astimezone(uk_zone()).utcoffset()
    assert offset is not None
    return offset


def instants_of_wall_clock(wall: _dt.datetime) -> list[_dt.datetime]:
    """Every UTC instant at which the UK wall clock showed ``wall`` (naive; tzinfo ignored):
    one normally, two in the repeated autumn hour, none in the skipped spring hour."""
    naive = wall.replace(tzinfo=None)
    out: list[_dt.datetime] = []
    for fold in (0, 1):
        utc = naive.replace(tzinfo=uk_zone(), fold=fold).astimezone(UTC)
        if uk_wall_clock(utc) == naive and utc not in out:
            out.append(utc)
    return sorted(out)


@dataclass(frozen=True)
class StampReading:
    """How a device's time stamp was read: the UTC instant it stands for and in which words."""

    utc: _dt.datetime | None  # None: the wall-clock time never happened (spring gap)
    local_time: bool
    wall: _dt.datetime  # the stamp's fields as written (naive)
    candidates: tuple[_dt.datetime, ...] = ()

    def describe(self) -> str:
        if not self.local_time:
            return f"{self.wall:%Y-%m-%d %H:%M:%S} read as UTC"
        if self.utc is None:
            return (f"{self.wall:%Y-%m-%d %H:%M:%S} UK local time: a wall-clock time the UK skips "
                    f"(spring change), no instant matches")
        zone = "BST" if uk_offset(self.utc) else "GMT"
        extra = " (one of two instants: autumn change, nearest the reference)" if len(self.candidates) > 1 else ""
        return f"{self.wall:%Y-%m-%d %H:%M:%S} UK local time ({zone}) = {self.utc:%Y-%m-%d %H:%M:%S} UTC{extra}"


def read_stamp(stamp: _dt.datetime, *, local_time: bool, reference: _dt.datetime) -> StampReading:
    """The UTC instant of a device stamp whose fields say ``stamp`` (aware stamps are taken by
    their fields: the wire carried no zone). A UTC device's stamp is that instant; a local-time
    device's is the instant the UK wall clock showed it, the one nearest ``reference`` when two."""
    wall = stamp.replace(tzinfo=None)
    if not local_time:
        return StampReading(wall.replace(tzinfo=UTC), False, wall)
    candidates = tuple(instants_of_wall_clock(wall))
    if not candidates:
        return StampReading(None, True, wall)
    ref = _utc(reference)
    best = min(candidates, key=lambda c: abs((c - ref).total_seconds()))
    return StampReading(best, True, wall, candidates)


@dataclass(frozen=True)
class Transition:
    """A UK clock change: ``at`` the UTC instant, ``name`` spring (GMT->BST) or autumn (BST->GMT)."""

    name: str
    at: _dt.datetime


@cache
def transitions(year: int) -> tuple[Transition, Transition]:
    """The spring and autumn UK clock changes of ``year`` (UTC instants), found from the zone data:
    a daily scan, hourly inside a day whose offset changed (the UK changes on the hour, 01:00
    UTC, at most once a day); kept per year (an hourly scan of the year took ~30 ms, three times
    in every bench process)."""
    found: list[_dt.datetime] = []
    day = _dt.datetime(year, 1, 1, tzinfo=UTC)
    end = _dt.datetime(year + 1, 1, 1, tzinfo=UTC)
    previous = uk_offset(day)
    while day < end:
        following = day + _dt.timedelta(days=1)
        if uk_offset(following) != previous:
            hour = day
            while hour < following:
                hour += _dt.timedelta(hours=1)
                now = uk_offset(hour)
                if now != previous:
                    found.append(hour)
                    previous = now
        day = following
    if len(found) != 2:
        raise ValueError(f"{year}: expected two UK clock changes, found {len(found)}")
    return Transition("spring", found[0]), Transition("autumn", found[1])


def next_transition(after: _dt.datetime, name: str) -> Transition:
    """The first spring/autumn change at or after ``after``."""
    when = _utc(after)
    for year in (when.year, when.year + 1):
        t = next(t for t in transitions(year) if t.name == name)
        if t.at >= when:
            return t
    raise ValueError(f"no {name} change after {when}")  # pragma: no cover - always found next year


def instant_problem(reading: StampReading, expected: _dt.datetime, tolerance: _dt.timedelta) -> str | None:
    """Why the instant of ``reading`` is not ``expected`` within ``tolerance`` (None: it is)."""
    if reading.utc is None:
        return f"got {reading.describe()}"
    delta = reading.utc.replace(microsecond=0) - _utc(expected).replace(microsecond=0)
    if abs(delta) <= tolerance:
        return None
    return (f"got {reading.describe()}: {delta.total_seconds():+.0f} s off "
            f"(tolerance {tolerance.total_seconds():.0f} s)")


def read_device_stamp(stamp: DateTime, *, local_time: bool, reference: _dt.datetime) -> StampReading | None:
    """A DLMS date-time from a device as an instant: a stamp that states its deviation says its
    own zone (the wire decides); one without (the GBCS norm) is UTC, or UK local time for a
    device that declares it. None when the stamp has no usable date."""
    when = stamp.to_datetime()
    if when is None:
        return None
    if stamp.deviation != DEVIATION_NOT_SPECIFIED:
        wall = when.replace(tzinfo=None)
        return StampReading(when, False, wall)
    return read_stamp(when, local_time=local_time, reference=reference)
