"""The one transport interface: in-process, serial and TCP transports all implement it.

A concrete transport supplies ``_write(bytes)`` and ``_read(timeout) -> bytes``; this base
does framing, the receive loop bounded by the caller's timeout, the exchange log and the
error messages (port, tail of undecoded bytes, log path).
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections import deque
from typing import Protocol

from harness.errors import DeviceError, TransportError, TransportTimeout
from harness.transport.framing import Frame, FrameDecoder, FrameKind, encode_frame
from harness.transport.log import ExchangeLog, port_logger


class FrameHandler(Protocol):
    """The device side: answers one frame with zero or more frames (the emulator host)."""

    def handle(self, frame: Frame) -> list[Frame]: ...


class Transport(ABC):
    """Frames to and from one port. Not thread-safe: one user at a time.

    ``name`` is the port or URL; ``log`` receives every frame sent/received and every dropped
    chunk. Frames skipped by ``exchange(skip_other_kinds=True)`` wait in ``unsolicited``.
    """

    #: True when ``_read`` can wait for data; False when an empty read means nothing will come
    #: until the next send (in-process), so receive() times out at once instead of spinning.
    _blocking = True

    def __init__(self, name: str, log: ExchangeLog | None = None) -> None:
        self.name = name
        self.log = log if log is not None else ExchangeLog()
        self.decoder = FrameDecoder(on_drop=self._on_drop)
        self.unsolicited: deque[Frame] = deque()
        self._rx: deque[Frame] = deque()
        self._closed = False
        self.bytes_in = 0
        self.bytes_out = 0

    # --- to implement -------------------------------------------------------------------
    @abstractmethod
    def _write(self, data: bytes) -> None:
        """Write all of ``data``; raise PortVanished / TransportTimeout."""

    @abstractmethod
    def _read(self, timeout: float) -> bytes:
        """Return what arrives within ``timeout`` (b"" if nothing); raise PortVanished."""

    def _close(self) -> None:  # noqa: B027 - optional hook
        """Release the port."""

    # --- public API ---------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    def send(self, frame: Frame) -> None:
        """Encode and write one frame."""
        self._check_open()
        raw = encode_frame(frame)
        self.log.record("tx", self.name, frame.kind.name, frame.data)
        self._write(raw)
        self.bytes_out += len(raw)

    def wire_time(self, frame: Frame) -> float:
        """Seconds ``frame`` takes on the line once written (0 where the line has no baud rate)."""
        return 0.0

    def receive(self, timeout: float) -> Frame:
        """The next frame within ``timeout`` seconds, or TransportTimeout."""
        self._check_open()
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            if self._rx:
                return self._rx.popleft()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            chunk = self._read(remaining)
            if chunk:
                self._feed(chunk)
            elif not self._blocking:
                break
        raise self.timeout_error(timeout, level=logging.DEBUG)  # callers poll: not an error yet

    def exchange(self, frame: Frame, timeout: float, *, skip_other_kinds: bool = False,
                 raise_on_error: bool = True) -> Frame:
        """Send ``frame`` and return the reply.

        With ``skip_other_kinds`` frames of a kind other than the request's (and ERROR) are
        set aside in ``unsolicited`` and waiting goes on within the same ``timeout``. An ERROR
        reply raises DeviceError with its text unless ``raise_on_error`` is False.
        """
        self.send(frame)
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            try:
                reply = self.receive(max(0.0, deadline - time.monotonic()))
            except TransportTimeout:
                raise self.timeout_error(timeout, f"no {frame.kind.name} reply") from None
            if skip_other_kinds and reply.kind not in (frame.kind, FrameKind.ERROR):
                self.unsolicited.append(reply)
                self.log.note(self.name, f"set aside unsolicited {reply.kind.name} frame")
                continue
            if reply.kind == FrameKind.ERROR and raise_on_error:
                self._warn("device side reported an error: %s", reply.text())
                raise DeviceError(f"{self.name}: device side reported an error: {reply.text()}"
                                  + (f" [log: {self.log.path}]" if self.log.path else ""))
            return reply

    def drain(self) -> list[Frame]:
        """Discard frames already received or waiting on the line (stale replies after a
        timeout); returns them (they stay in the log)."""
        self._check_open()
        while True:
            chunk = self._read(0)
            if not chunk:
                break
            self._feed(chunk)
        stale = list(self._rx)
        self._rx.clear()
        if stale:
            self.log.note(self.name, f"drained {len(stale)} stale frame(s)")
        return stale

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self._close()
            finally:
                self.log.note(self.name, "closed")

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    # --- helpers for subclasses ---------------------------------------------------------
    def timeout_error(self, timeout: float, what: str = "no complete frame", *,
                      level: int = logging.WARNING) -> TransportTimeout:
        extra = f"; {self.decoder.dropped} chunk(s) dropped, last: {self.decoder.last_drop}" \
            if self.decoder.dropped else ""
        self._warn("%s within %g s (%d bytes received%s)", what, timeout, self.bytes_in, extra, level=level)
        return TransportTimeout(f"{what} within {timeout:g} s ({self.bytes_in} bytes received{extra})",
                                port=self.name, log_path=self.log.path, tail=self.decoder.tail())

    def error(self, cls: type[TransportError], message: str) -> TransportError:
        """A transport error of type ``cls`` naming this port, the tail and the log path."""
        self._warn("%s: %s", cls.__name__, message)
        return cls(message, port=self.name, log_path=self.log.path, tail=self.decoder.tail())

    def _warn(self, message: str, *args: object, level: int = logging.WARNING) -> None:
        """An error on this port at WARNING on its ``harness.transport.<port>`` logger."""
        logger = port_logger(self.name)
        if logger.isEnabledFor(level):
            logger.log(level, message, *args)

    def _feed(self, chunk: bytes) -> None:
        self.bytes_in += len(chunk)
        for f in self.decoder.feed(chunk):
            self.log.record("rx", self.name, f.kind.name, f.data)
            self._rx.append(f)

    def _on_drop(self, reason: str, chunk: bytes) -> None:
        self.log.record("drop", self.name, "", chunk, reason)

    def _check_open(self) -> None:
        if self._closed:
            raise self.error(TransportError, "transport is closed")
