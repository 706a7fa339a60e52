"""Hardware-like emulation (``harness emulate --no-control``): the emulated devices the way real
hardware behaves. Device clocks run on wall-clock time (the host's clock is driven forward to
wall time by a ticker thread and before every frame), the GSME wakes and pushes on its own at its
wake interval, and CONTROL frames are refused with a clear ERROR frame, as real hardware has no
control channel. A meter takes real time to execute a critical command (``PROCESSING_MS``); a
supply cut through the bench's switch inside that window interrupts it. The virtual-clock default
bench does not use any of this."""

from __future__ import annotations

import datetime as _dt
import threading
import time
from typing import Any

from harness.emulators.config import HostConfig
from harness.emulators.host import Device, EmulatorHost
from harness.transport.framing import Frame, FrameKind

REFUSAL = ("this bench has no control channel (harness emulate --no-control behaves like real hardware): "
           "CONTROL frames are refused; devices accept GBCS commands and HAN reads only")
TICK_S = 0.05
#: How long a meter takes to execute a critical command (verify its signature, then execute it), in
#: real time, unless its configuration says (``processing_ms``). A supply cut inside this window
#: interrupts the command: the harness's ``power_loss: switch`` cuts right after writing a reset,
#: one HTTP request to the switch, far less than this. Only critical commands to meters pay it.
PROCESSING_MS = 300
POLL_S = 0.005


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
        meter = self.host.executing_meter(frame)
        if meter is not None:
            if self._cut_while_processing(meter):
                self.host.interrupt(frame)
                return []  # a meter without supply sends nothing
            self.sync()
        return self.host.handle(frame)

    @staticmethod
    def _cut_while_processing(meter: Device) -> bool:
        """Wait out the meter's processing window (outside the host's lock, so the bench's switch
        can act meanwhile); True when its supply was cut inside it."""
        ms = meter.cfg.processing_ms
        seconds = (PROCESSING_MS if ms is None else ms) / 1000
        cuts = getattr(meter.model, "supply_cuts", 0)
        end = time.monotonic() + seconds
        while True:
            if getattr(meter.model, "supply_cuts", 0) != cuts:
                return True
            left = end - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(POLL_S, left))

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
