"""Hardware-like emulation (``harness emulate --no-control``): the emulated devices the way real
hardware behaves. Device clocks run on wall-clock time (the host's clock is driven forward to
wall time by a ticker thread and before every frame), the GSME wakes and pushes on its own at its
wake interval, and CONTROL frames are refused with a clear ERROR frame, as real hardware has no
control channel. The virtual-clock default bench does not use any of this."""

from __future__ import annotations

import datetime as _dt
import threading
from typing import Any

from harness.emulators.config import HostConfig
from harness.emulators.host import EmulatorHost
from harness.transport.framing import Frame, FrameKind

REFUSAL = ("this bench has no control channel (harness emulate --no-control behaves like real hardware): "
           "CONTROL frames are refused; devices accept GBCS commands and HAN reads only")
TICK_S = 0.05


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def wall_clock_config(config: HostConfig) -> HostConfig:
    """``config`` with its devices' clocks starting now."""
    config.start_time = _now().isoformat()
    return config


class NoControlHost:
    """An :class:`EmulatorHost` on wall-clock time without a control channel (a frame handler
    for the pty/TCP servers)."""

    def __init__(self, host: EmulatorHost) -> None:
        self.host = host
        self._ticker: threading.Thread | None = None

    def sync(self) -> None:
        """Move the devices' clock to wall time, firing the wakes that fell due (in order)."""
        with self.host._lock:
            behind = _now() - self.host.clock.now()
            if behind > _dt.timedelta(0):
                self.host.clock.advance(behind)

    def handle(self, frame: Frame) -> list[Frame]:
        if frame.kind is FrameKind.CONTROL:
            return [Frame.error(REFUSAL)]
        self.sync()
        return self.host.handle(frame)

    def start(self, stop: threading.Event, tick_s: float = TICK_S) -> None:
        """Tick the clock in a daemon thread until ``stop`` is set (the GSME wakes on time even
        while nobody talks to the bench)."""

        def run() -> None:
            while not stop.wait(tick_s):
                self.sync()

        self._ticker = threading.Thread(target=run, name="wall-clock", daemon=True)
        self._ticker.start()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.host, name)
