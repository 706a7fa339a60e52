"""The ``restart`` stimulus: a meter restarted (power-cycled) as the bench profile declares
(``devices[ROLE].stimuli.restart``, see docs/PROFILES.md):

* ``control``: the emulator's ``restart`` op (the emulated benches' default);
* ``switch``: the meter's supply cycled through the bench's labgrid power switch
  (``lab.power.ROLE``, :mod:`harness.lab.power`): off, the profile's ``off_s``, on;
* ``operator``: the engineer power-cycles the meter when prompted (``--operator``);
* ``none``: :class:`~harness.errors.CapabilityMissing` naming the profile key (a skip).

After a switch or an operator's power cycle the meter is probed until it answers again, bounded
by the bench's ``timeouts.restart_s``; one that never does raises
:class:`~harness.errors.DeviceNotBack`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from harness.bench.stimuli import Stimulus, ask_operator, missing
from harness.errors import DeviceNotBack

#: ``probe()`` -> None when the device answered, else the reason it did not (e.g. a timeout).
Probe = Callable[[], "str | None"]
PAUSE_S = 0.5  # between probes that failed at once (an error answer rather than silence)


def restart(bench: Any, role: str, probe: Probe) -> str:
    """Restart the ``role`` meter the bench's way; returns how, for failure texts."""
    strategy = bench.stimulus(role, "restart")
    if strategy is Stimulus.CONTROL:
        bench.control("restart", device=role)
        return "after a restart (control channel)"
    if strategy is Stimulus.SWITCH:
        switch = bench.power.switch(role)
        switch.cycle()
        how = f"after a power cycle ({switch.off_s:g} s off, {type(switch.driver).__name__} lab.power.{switch.role})"
    elif strategy is Stimulus.OPERATOR:
        ask_operator(bench, role, "restart", f"power-cycle the {role}: switch its supply off, wait 5 s, switch it "
                     "on again, then press Enter")
        how = "after a power cycle by the operator"
    else:
        raise missing(bench, role, "restart", "restart (power-cycle) the meter", strategy)
    waited = await_answer(bench, role, probe, how)
    return f"{how}, answering again {waited:.1f} s after power-on"


def await_answer(bench: Any, role: str, probe: Probe, how: str) -> float:
    """Probe until the device answers; seconds waited. DeviceNotBack after ``timeouts.restart_s``."""
    limit = float(getattr(bench, "timeouts_restart", 120.0))
    progress = getattr(bench, "progress", None)
    start = time.monotonic()
    tries = 0
    while True:
        tries += 1
        reason = probe()
        waited = time.monotonic() - start
        if reason is None:
            return waited
        if waited >= limit:
            raise DeviceNotBack(f"bench '{bench.name}': the {role} did not answer {how}: {tries} probes in "
                                f"{waited:.0f} s (timeouts.restart_s {limit:g}), the last: {reason}")
        if progress is not None:
            progress(f"waiting for the {role} to answer {how} ({waited:.0f} s of {limit:g} s)")
        time.sleep(min(PAUSE_S, max(0.0, limit - waited)))
