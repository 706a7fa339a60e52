"""Originator counters: one per bench, strictly increasing, starting from wall time so that a
real device's replay protection (counter must exceed the last accepted one) holds across runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class OriginatorCounter:
    """Strictly increasing 64-bit counter seeded from microseconds since the Unix epoch.

    Each ``next()`` returns ``max(previous + 1, now_us)``: a later run always starts above every
    value an earlier run used (as long as it issued fewer than a million commands a second)."""

    def __init__(self, now_us: Callable[[], int] | None = None) -> None:
        self._now_us = now_us or (lambda: time.time_ns() // 1000)
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._last = max(self._last + 1, self._now_us())
            return self._last

    def observe(self, value: int) -> None:
        """Never hand out ``value`` or anything below it again (an explicit counter was used)."""
        with self._lock:
            self._last = max(self._last, value)

    @property
    def last(self) -> int:
        return self._last
