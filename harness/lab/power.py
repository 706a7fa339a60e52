"""DUT power control through labgrid's power drivers, declared in the bench profile.

A bench profile names, per role, the labgrid resource and power driver that switch that
device's supply (any labgrid driver implementing ``PowerProtocol``: ``NetworkPowerDriver`` for
a networked PDU or relay, ``ExternalPowerDriver`` for shell commands, ``USBPowerDriver``...)::

    lab:
      power:
        CHF:                      # the Communications Hub (CHF and GPF share its supply)
          resources:
            NetworkPowerPort: {model: simplerest, host: "http://pdu.lab:9999/relay/{index}/{value}", index: 2}
          drivers:
            NetworkPowerDriver: {delay: 2.0}
          off_s: 5                # how long cycle() leaves it off (default: 2 s)
        ESME:
          drivers:
            ExternalPowerDriver: {cmd_on: "relayctl 1 on", cmd_off: "relayctl 1 off"}

The hook (for stimuli such as a power loss or a restart, and for "the reset survives a power
cycle") is small: ``BenchPower.switch(role)`` gives a :class:`PowerSwitch` with ``off()``,
``on()`` and ``cycle(off_s=None)``; every switching is kept in ``events`` (wall time, role,
``"off"``/``"on"``) and passed to listeners. A bench without a switch for a role raises
:class:`~harness.errors.CapabilityMissing` (the ``power`` fixture turns that into a skip with the
reason). Needs ``harness[lab]`` (labgrid) only when a profile declares power.

A resource value ``"{switches}"`` stands for the switch endpoint the bench's own
``connection.command`` printed (``SWITCHES <url>``, ``harness emulate --switches HOST:0``), the way
its pty is found; a lab writes the PDU's address instead.

The key ``HAN`` (not a role) is the relay of the GSME's RF-shield box: off cuts the GSME-GPF HAN
link (stimulus ``han_outage: switch``), on restores it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.errors import CapabilityMissing, HarnessError
from harness.profiles.schema import SAME_SUPPLY

DEFAULT_OFF_S = 2.0
SWITCHES = "{switches}"


@dataclass(frozen=True)
class PowerEvent:
    at: float  # time.time()
    role: str
    state: str  # "off" | "on"

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "role": self.role, "state": self.state}


class PowerSwitch:
    """One device's supply, switched by a labgrid power driver."""

    def __init__(self, role: str, driver: Any, *, off_s: float = DEFAULT_OFF_S,
                 notify: Callable[[PowerEvent], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.role, self.driver, self.off_s = role, driver, off_s
        self._notify, self._sleep = notify, sleep

    def _switch(self, state: str) -> None:
        try:
            getattr(self.driver, state)()
        except Exception as exc:  # noqa: BLE001 - requests/subprocess/... errors of the driver
            raise HarnessError(f"power {state} of {self.role} failed ({type(self.driver).__name__}): {exc}") from exc
        if self._notify is not None:
            self._notify(PowerEvent(time.time(), self.role, state))

    def off(self) -> None:
        self._switch("off")

    def on(self) -> None:
        self._switch("on")

    def cycle(self, off_s: float | None = None) -> None:
        """Off, wait ``off_s`` (default: the profile's ``off_s``), on."""
        self.off()
        self._sleep(self.off_s if off_s is None else off_s)
        self.on()

    def get(self) -> bool | None:
        """Whether the supply is on, if the driver can tell (else None)."""
        try:
            return bool(self.driver.get())
        except (AttributeError, NotImplementedError):
            return None


@dataclass
class BenchPower:
    """The bench's power switches by role (built from the profile's ``lab.power``)."""

    bench: str
    specs: Mapping[str, Mapping[str, Any]]
    events: list[PowerEvent] = field(default_factory=list)
    listeners: list[Callable[[PowerEvent], None]] = field(default_factory=list)
    _switches: dict[str, PowerSwitch] = field(default_factory=dict)
    _targets: list[Any] = field(default_factory=list)
    switches: str | None = None  # what ``"{switches}"`` in a resource stands for (see the module doc)

    @classmethod
    def from_profile(cls, profile: Any, switches: str | None = None) -> BenchPower:
        lab = getattr(profile, "lab", None)
        return cls(getattr(profile, "name", "bench"), dict(getattr(lab, "power", None) or {}), switches=switches)

    @property
    def roles(self) -> list[str]:
        return sorted(self.specs)

    def has(self, role: str) -> bool:
        role = role.upper()
        return role in self.specs or SAME_SUPPLY.get(role, "") in self.specs

    def switch(self, role: str) -> PowerSwitch:
        role = role.upper()
        key = role if role in self.specs else SAME_SUPPLY.get(role, role)
        if key not in self.specs:
            declared = ", ".join(self.roles) or "none"
            raise CapabilityMissing(f"bench '{self.bench}' declares no power switch for {role} "
                                    f"(lab.power in the bench profile; declared: {declared})")
        if key not in self._switches:
            spec = dict(self.specs[key])
            off_s = float(spec.pop("off_s", DEFAULT_OFF_S))
            self._switches[key] = PowerSwitch(key, self._driver(key, spec), off_s=off_s, notify=self._record)
        return self._switches[key]

    def _record(self, event: PowerEvent) -> None:
        self.events.append(event)
        for listener in self.listeners:
            listener(event)

    def _driver(self, role: str, spec: Mapping[str, Any]) -> Any:
        try:
            from labgrid import target_factory
            from labgrid.protocol import PowerProtocol
        except ImportError as exc:
            raise HarnessError(f"power control needs labgrid ({exc}): pip install 'harness[lab]'") from None
        config = {"resources": self._resolve(role, dict(spec.get("resources") or {})),
                  "drivers": dict(spec.get("drivers") or {})}
        try:
            target = target_factory.make_target(f"{self.bench}-{role.lower()}-power", config)
            driver = target.get_driver(PowerProtocol)
        except Exception as exc:  # noqa: BLE001 - labgrid's InvalidConfigError, NoDriverFoundError, attrs errors
            raise HarnessError(f"bench '{self.bench}' lab.power.{role}: {type(exc).__name__}: {exc}") from None
        self._targets.append(target)
        return driver

    def _resolve(self, role: str, value: Any) -> Any:
        """``value`` with every ``"{switches}"`` replaced by the printed switch endpoint."""
        if isinstance(value, dict):
            return {k: self._resolve(role, v) for k, v in value.items()}
        if isinstance(value, str) and SWITCHES in value:
            if self.switches is None:
                raise CapabilityMissing(f"bench '{self.bench}' lab.power.{role} uses {SWITCHES} but its connection "
                                        "printed no switch endpoint (SWITCHES line of harness emulate --switches)",
                                        profile_key=f"lab.power.{role}.resources (the PDU's address)")
            return value.replace(SWITCHES, self.switches)
        return value

    def close(self) -> None:
        for target in self._targets:
            try:
                target.deactivate_all_drivers()
            except Exception:  # noqa: BLE001,S110 - closing must not hide a test's result
                pass
        self._targets.clear()
        self._switches.clear()
