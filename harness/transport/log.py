"""Two-direction exchange log: every frame sent or received, every dropped chunk, notes.

Events live in memory (``events``) and, when a path is given, in a JSON Lines file written and
flushed one event at a time, so a crash never loses what was already logged. Listeners
(callbacks) see each event as it is recorded (pcapng capture, result records).

Every event also goes to the standard ``logging`` logger of its port,
``harness.transport.<port>`` (dots in the port become ``_``: ``harness.transport.tcp://127_0_0_1:5000``):
frames and notes at DEBUG (``tx GBCS command 0x0074 GCS13a ...``, with ``extra`` fields
``direction``, ``port``, ``kind``, ``frame_hex``), dropped chunks at WARNING. The summary is only
built when the logger is enabled for DEBUG, so logging costs one ``isEnabledFor`` per frame when off.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

DIRECTIONS = ("tx", "rx", "drop", "note")
_LOGGERS: dict[str, logging.Logger] = {}


def port_logger(port: str) -> logging.Logger:
    """The ``harness.transport.<port>`` logger (one per port, cached)."""
    logger = _LOGGERS.get(port)
    if logger is None:
        logger = _LOGGERS[port] = logging.getLogger("harness.transport." + (port.replace(".", "_") or "-"))
    return logger


def _log(port: str, direction: str, kind: str, data: bytes, note: str) -> None:
    logger = port_logger(port)
    if direction == "drop":
        if logger.isEnabledFor(logging.WARNING):
            logger.warning("drop %d bytes: %s", len(data), note,
                           extra={"direction": direction, "port": port, "kind": kind, "frame_hex": data.hex()})
        return
    if not logger.isEnabledFor(logging.DEBUG):
        return
    if direction == "note":
        logger.debug("note %s", note, extra={"direction": direction, "port": port, "kind": "", "frame_hex": ""})
        return
    from harness.transport.summary import frame_summary

    logger.debug("%s %s%s", direction, frame_summary(kind, data), f" ({note})" if note else "",
                 extra={"direction": direction, "port": port, "kind": kind, "frame_hex": data.hex()})


@dataclass(frozen=True)
class LogEvent:
    """One logged event. ``kind`` is a frame kind name (``GBCS``...) or ``""``."""

    mono: float  # time.monotonic()
    wall: float  # time.time()
    direction: str  # "tx" | "rx" | "drop" | "note"
    port: str
    kind: str
    hex: str
    note: str = ""

    @property
    def data(self) -> bytes:
        return bytes.fromhex(self.hex)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> LogEvent:
        return cls(float(obj["mono"]), float(obj["wall"]), str(obj["direction"]), str(obj.get("port", "")),
                   str(obj.get("kind", "")), str(obj.get("hex", "")), str(obj.get("note", "")))

    def readable(self, width: int = 48, port: bool = False) -> str:
        """``12:00:00.123 tx GBCS DD0000...`` (local wall time; hex cut at ``width`` chars)."""
        t = _dt.datetime.fromtimestamp(self.wall).strftime("%H:%M:%S.%f")[:-3]
        h = self.hex.upper()
        if len(h) > width:
            h = h[:width] + "..."
        parts = [t, self.direction]
        if port:
            parts.append(self.port)
        if self.kind:
            parts.append(self.kind)
        if h:
            parts.append(h)
        if self.note:
            parts.append(f"({self.note})")
        return " ".join(parts)


Listener = Callable[[LogEvent], None]


class ExchangeLog:
    """In-memory and optional JSON Lines log of one or more ports' traffic. Thread-safe.

    ``fsync=True`` also syncs each line to disk (survives a machine crash, not only a process
    crash); ``max_events`` bounds the in-memory list for long runs.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, fsync: bool = False,
                 max_events: int | None = None,
                 clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time) -> None:
        self.path: str | None = os.fspath(path) if path is not None else None
        self.events: list[LogEvent] = []
        self._fsync = fsync
        self.max_events = max_events  # keep at most this many in memory (the file keeps all)
        self._clock = clock
        self._wall = wall
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        if self.path is not None:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open, closed in close()

    def record(self, direction: str, port: str, kind: str = "", data: bytes = b"", note: str = "") -> LogEvent:
        """Log one event; written and flushed before listeners run."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction {direction!r} not one of {DIRECTIONS}")
        with self._lock:
            ev = LogEvent(self._clock(), self._wall(), direction, port, kind, bytes(data).hex(), note)
            self.events.append(ev)
            if self.max_events is not None and len(self.events) > self.max_events:
                del self.events[: len(self.events) - self.max_events]
            if self._file is not None:
                self._file.write(json.dumps(ev.to_json(), separators=(",", ":")) + "\n")
                self._file.flush()
                if self._fsync:
                    os.fsync(self._file.fileno())
            listeners = list(self._listeners)
        _log(port, direction, kind, data, note)
        for cb in listeners:
            cb(ev)
        return ev

    def note(self, port: str, text: str) -> LogEvent:
        return self.record("note", port, note=text)

    def tail(self, n: int = 10) -> list[LogEvent]:
        with self._lock:
            return self.events[-n:] if n > 0 else []

    def add_listener(self, cb: Listener) -> None:
        with self._lock:
            self._listeners.append(cb)

    def remove_listener(self, cb: Listener) -> None:
        with self._lock:
            if cb in self._listeners:
                self._listeners.remove(cb)

    def readable(self, n: int | None = None, port: bool = False) -> str:
        """The last ``n`` (or all) events, one readable line each."""
        events = self.events if n is None else self.tail(n)
        return "\n".join(ev.readable(port=port) for ev in events)

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def __enter__(self) -> ExchangeLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def load(path: str | os.PathLike[str]) -> list[LogEvent]:
        """Read a JSON Lines log back; a torn last line (crash mid-write) is skipped."""
        events: list[LogEvent] = []
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    events.append(LogEvent.from_json(json.loads(line)))
                except (ValueError, KeyError):
                    continue
        return events
