"""What a bench can do to its devices: the stimuli a profile declares per device (``stimuli:``
of a bench's device entry, see docs/PROFILES.md) and the strategies behind them.

* ``control``: a CONTROL frame to an emulator (emulated connections only);
* ``wait``: real waiting (a GSME pushes at its declared ``wake_interval_s``; time passes at wall
  speed), bounded by the bench's ``timeouts.max_wait_s`` and shown as progress;
* ``operator``: the engineer does it when prompted (``--operator``; Enter answers, a timeout
  skips the test with the reason);
* ``switch``: a switch beside the data line. For ``restart``, the meter's labgrid power switch in
  ``lab.power`` (harness/bench/restart.py); for ``power_loss``, the same switch, cut by the harness
  right after the command is written (harness/bench/powerloss.py); for ``han_outage``, the labgrid power driver of the
  RF-shield relay in ``lab.power.HAN`` (off cuts the HAN), else an external switch driver named
  by ``stimuli.switch`` (registered with :func:`register_switch` or the ``harness.switches``
  entry-point group);
* ``none``: the bench cannot; a test needing it is skipped naming the profile key.

Undeclared stimuli default to ``control`` on emulated benches; elsewhere a GSME push is
``wait`` when the GSME declares its wake interval, time is ``wait`` and the rest ``none``."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from typing import Any, Protocol

from harness.bench import identity
from harness.errors import CapabilityMissing
from harness.profiles.schema import LINK_SWITCHED, POWER_SWITCHED


class Stimulus(str, enum.Enum):
    CONTROL = "control"
    WAIT = "wait"
    OPERATOR = "operator"
    SWITCH = "switch"
    NONE = "none"


#: Each stimulus and the strategies a profile may declare for it (harness.profiles.schema).
STRATEGIES: dict[str, tuple[Stimulus, ...]] = {
    "push": (Stimulus.CONTROL, Stimulus.WAIT, Stimulus.OPERATOR, Stimulus.SWITCH),
    "han_outage": (Stimulus.CONTROL, Stimulus.OPERATOR, Stimulus.SWITCH),
    "clock": (Stimulus.CONTROL, Stimulus.WAIT),
    "state": (Stimulus.CONTROL,),
    "power_loss": (Stimulus.CONTROL, Stimulus.SWITCH),
    "restart": (Stimulus.CONTROL, Stimulus.OPERATOR, Stimulus.SWITCH),
}


def declared(bench: Any, role: str, name: str) -> Stimulus:
    """The strategy for stimulus ``name`` of the bench's ``role`` device (defaults above)."""
    dev = bench.profile_device(role)
    stimuli = dev.stimuli if dev is not None else {}
    value = stimuli.get(name) if isinstance(stimuli, dict) else None
    if value:
        return Stimulus(value)
    if bench.emulated:
        return Stimulus.CONTROL
    if name == "push":
        return Stimulus.WAIT if dev is not None and identity.behaviours(dev).get("wake_interval_s") else Stimulus.NONE
    if name == "clock":
        return Stimulus.WAIT
    return Stimulus.NONE


def missing(bench: Any, role: str, name: str, what: str, strategy: Stimulus | None = None) -> CapabilityMissing:
    """The skip for a stimulus the bench lacks, naming the profile key that adds it."""
    options = [s.value for s in STRATEGIES[name] if bench.emulated or s is not Stimulus.CONTROL]
    have = strategy.value if strategy is not None else declared(bench, role, name).value
    key = f"devices[{role}].stimuli.{name}: {' | '.join(options)}" if options else \
        f"an emulated bench (connection.type: emulated | emulated-process) with devices[{role}].stimuli.{name}: control"
    if name in POWER_SWITCHED:
        key += f" (switch: the meter's supply switch in lab.power.{role})"
    if name in LINK_SWITCHED:
        key += f" (switch: the RF-shield relay in lab.power.{LINK_SWITCHED[name]}, or stimuli.switch)"
    return CapabilityMissing(f"bench '{bench.name}' cannot {what} ({role} stimulus '{name}' is '{have}')",
                             profile_key=key)


# -- operator ------------------------------------------------------------------------------------
class Operator(Protocol):
    def ask(self, instruction: str, timeout_s: float) -> bool:
        """Show ``instruction``; True when the engineer confirms (Enter) within ``timeout_s``."""
        ...


def ask_operator(bench: Any, role: str, name: str, instruction: str) -> None:
    """Prompt the bench's operator; CapabilityMissing (a skip) without one or on a timeout."""
    operator = getattr(bench, "operator", None)
    if operator is None:
        raise CapabilityMissing(f"bench '{bench.name}': {role} stimulus '{name}' needs an operator "
                                f"({instruction!r}); run with --operator")
    timeout = float(getattr(bench, "timeouts_operator", 300.0))
    if not operator.ask(f"[{bench.name}] {instruction}", timeout):
        raise CapabilityMissing(f"bench '{bench.name}': the operator did not confirm {role} stimulus '{name}' "
                                f"within {timeout:g} s ({instruction!r})")


# -- switches ------------------------------------------------------------------------------------
#: A switch driver: ``driver(device_profile, event, active)`` drives the external switch for
#: ``event`` (``push``, ``han_outage``) on or off.
SwitchDriver = Callable[[Any, str, bool], None]
_SWITCHES: dict[str, SwitchDriver] = {}


def register_switch(name: str, driver: SwitchDriver) -> None:
    _SWITCHES[name] = driver


def switch_driver(name: str) -> SwitchDriver | None:
    if name in _SWITCHES:
        return _SWITCHES[name]
    from importlib.metadata import entry_points

    for ep in entry_points(group="harness.switches"):
        if ep.name == name:
            driver = ep.load()
            _SWITCHES[name] = driver
            return driver  # type: ignore[no-any-return]
    return None


def use_switch(bench: Any, role: str, event: str, active: bool) -> None:
    dev = bench.profile_device(role)
    name = str((dev.stimuli if dev is not None else {}).get("switch") or "")
    driver = switch_driver(name) if name else None
    if driver is None:
        raise CapabilityMissing(f"bench '{bench.name}': {role} stimulus '{event}' is 'switch' but no switch driver "
                                f"'{name}' is installed (register_switch or entry point group harness.switches)",
                                profile_key=f"devices[{role}].stimuli.switch")
    driver(dev, event, active)


def switch_link(bench: Any, role: str, event: str, active: bool) -> str:
    """Drive a link stimulus (``han_outage``) through a switch: the bench's ``lab.power`` switch of
    the link when declared (``active``: off, the link cut; else on), else the external driver named
    by ``stimuli.switch``. Returns how, for records and failure texts."""
    link = LINK_SWITCHED.get(event)
    power = getattr(bench, "power", None) if link else None
    if link and power is not None and power.has(link):
        switch = power.switch(link)
        if active:
            switch.off()
        else:
            switch.on()
        return f"{type(switch.driver).__name__} lab.power.{link} {'off' if active else 'on'}"
    use_switch(bench, role, event, active)
    dev = bench.profile_device(role)
    return f"switch driver {(dev.stimuli if dev is not None else {}).get('switch')}"


# -- waiting -------------------------------------------------------------------------------------
def wait(bench: Any, seconds: float, why: str, *, step_s: float = 5.0) -> None:
    """Really wait ``seconds`` (bounded by ``timeouts.max_wait_s``), reporting progress through
    ``bench.progress`` (the plugin shows it in the terminal)."""
    limit = float(getattr(bench, "timeouts_max_wait", 900.0))
    if seconds > limit:
        raise CapabilityMissing(f"bench '{bench.name}': {why} needs a real wait of {seconds:.0f} s, more than "
                                f"the bench allows ({limit:.0f} s)",
                                profile_key="timeouts.max_wait_s (or an emulated bench: stimuli.clock: control)")
    if seconds <= 0:
        return
    progress = getattr(bench, "progress", None)
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        if progress is not None and seconds >= 2 * step_s:
            progress(f"waiting {left:.0f} s more: {why}")
        time.sleep(min(step_s, left))
