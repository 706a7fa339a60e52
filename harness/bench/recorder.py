"""Every exchange a test makes: raw hex, decoded tree and a one-line summary per direction
(``harness.records.ExchangeRecord``). The plugin hands one list per test to the result record."""

from __future__ import annotations

import datetime as _dt
import threading
from typing import Any

from harness.records import ExchangeRecord


class ExchangeRecorder:
    """Collects exchange entries (result-record ``exchanges`` items) until taken."""

    def __init__(self) -> None:
        self._entries: list[ExchangeRecord] = []
        self._lock = threading.Lock()

    def add(self, use_case: str, direction: str, raw: bytes, decoded: dict[str, Any], summary: str,
            when: _dt.datetime | None = None) -> ExchangeRecord:
        entry = ExchangeRecord(use_case, direction, (when or _dt.datetime.now(_dt.timezone.utc)).isoformat(),
                               raw.hex().upper(), decoded, summary)
        with self._lock:
            self._entries.append(entry)
        return entry

    @property
    def entries(self) -> list[ExchangeRecord]:
        with self._lock:
            return list(self._entries)

    def take(self) -> list[ExchangeRecord]:
        """Every entry so far; the recorder starts empty again (one list per test)."""
        with self._lock:
            out, self._entries = self._entries, []
        return out

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
