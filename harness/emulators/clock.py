"""The virtual clock shared by a host's emulated devices: time only moves when told to, and
callbacks scheduled on it fire in time order while it advances (hours take microseconds)."""

from __future__ import annotations

import datetime as _dt
import heapq
import itertools
from collections.abc import Callable

DEFAULT_START = _dt.datetime(2026, 1, 1, tzinfo=_dt.timezone.utc)


class VirtualClock:
    """Simulated UTC time with a timer queue."""

    def __init__(self, start: _dt.datetime = DEFAULT_START) -> None:
        self._now = _aware(start)
        self._queue: list[tuple[_dt.datetime, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._cancelled: set[int] = set()

    def now(self) -> _dt.datetime:
        return self._now

    def set(self, when: _dt.datetime) -> None:
        """Jump to ``when`` without firing callbacks (bench set-up only)."""
        self._now = _aware(when)

    def call_at(self, when: _dt.datetime, callback: Callable[[], None]) -> int:
        """Run ``callback`` when the clock reaches ``when``; returns a handle for :meth:`cancel`."""
        handle = next(self._seq)
        heapq.heappush(self._queue, (_aware(when), handle, callback))
        return handle

    def call_later(self, delay: _dt.timedelta, callback: Callable[[], None]) -> int:
        return self.call_at(self._now + delay, callback)

    def cancel(self, handle: int) -> None:
        self._cancelled.add(handle)

    def advance(self, delta: _dt.timedelta | float) -> int:
        """Move time forward, firing due callbacks in order (each sees ``now()`` = its due time).
        Returns how many callbacks fired."""
        if not isinstance(delta, _dt.timedelta):
            delta = _dt.timedelta(seconds=float(delta))
        if delta < _dt.timedelta(0):
            raise ValueError("the virtual clock does not go backwards")
        target = self._now + delta
        fired = 0
        while self._queue and self._queue[0][0] <= target:
            when, handle, callback = heapq.heappop(self._queue)
            if handle in self._cancelled:
                self._cancelled.discard(handle)
                continue
            self._now = max(self._now, when)
            callback()
            fired += 1
        self._now = target
        return fired

    def pending(self) -> int:
        return sum(1 for _, h, _ in self._queue if h not in self._cancelled)


def _aware(when: _dt.datetime) -> _dt.datetime:
    return when.replace(tzinfo=_dt.timezone.utc) if when.tzinfo is None else when.astimezone(_dt.timezone.utc)


UTC_EPOCH_2000 = _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc)
INVALID_UTC_TIME = 0xFFFFFFFF


def to_utctime(when: _dt.datetime) -> int:
    """ZCL UTCTime: whole seconds since 2000-01-01T00:00:00Z."""
    return int((_aware(when) - UTC_EPOCH_2000).total_seconds())


def from_utctime(value: int) -> _dt.datetime | None:
    """The datetime of a ZCL UTCTime, or None for the invalid value 0xFFFFFFFF."""
    if value == INVALID_UTC_TIME:
        return None
    return UTC_EPOCH_2000 + _dt.timedelta(seconds=value)
