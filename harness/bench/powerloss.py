"""The ``power_loss`` stimulus: a meter loses power while it executes one command (SECMP0002-R4,
see docs/PROFILES.md):

* ``control``: the emulator's ``inject power_loss`` (the meter survives to answer an error);
* ``switch``: the harness times the cut itself through the meter's labgrid power switch
  (``lab.power.ROLE``, :mod:`harness.lab.power`): the command is written, the supply switched off
  right after its last byte is on the line (its time at the line's baud rate; a real meter takes
  far longer than that and one request to a PDU to verify a signature and execute), kept off the profile's ``off_s``, switched on, and the meter probed until
  it answers (as after a restart, :func:`harness.bench.restart.await_answer`). A meter whose supply
  is cut answers nothing; a reply that left before the cut is still collected.

:func:`cut_during` is the ``switch`` strategy; the suite decides what the outcome means."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from harness.bench.api import Exchange
from harness.bench.restart import Probe, await_answer
from harness.transport import Frame


@dataclass(frozen=True)
class SupplyCut:
    """A command whose meter's supply was cut right after it was written."""

    exchange: Exchange  # what came back before the supply went (usually nothing)
    how: str  # for failure texts: the switch, how long off, when the meter answered again
    cut_after_s: float  # seconds from the command written to the switch reporting off


def cut_during(bench: Any, role: str, handle: Any, use_case: str, probe: Probe, **params: Any) -> SupplyCut:
    """Send ``use_case`` to ``handle`` (the ``role`` meter), cut its supply right after, keep it off
    ``off_s``, switch it on and probe until it answers. CapabilityMissing (a skip) without
    ``lab.power.ROLE``; DeviceNotBack when it does not answer within ``timeouts.restart_s``."""
    switch = bench.power.switch(role)  # made (labgrid driver, backend import) before the command
    switch.get()  # one round trip to the switch first, so the cut costs one request, nothing more
    sent = handle.submit(use_case, **params)
    written = time.monotonic()
    on_line = handle.transport.wire_time(Frame.gbcs(sent.command_raw))  # until its last byte reached the meter
    if on_line > 0:
        time.sleep(on_line)
    switch.off()
    off_at = time.monotonic()
    exchange = handle.collect(sent, timeout=switch.off_s)  # a reply that left before the cut
    left = switch.off_s - (time.monotonic() - off_at)
    if left > 0:
        time.sleep(left)
    switch.on()
    how = (f"a supply cut {1000 * (off_at - written):.0f} ms after the command was written "
           f"({switch.off_s:g} s off, {type(switch.driver).__name__} lab.power.{switch.role})")
    waited = await_answer(bench, role, probe, f"after {how}")
    return SupplyCut(exchange, f"{how}, answering again {waited:.1f} s after power-on", off_at - written)
