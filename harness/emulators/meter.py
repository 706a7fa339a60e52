"""What the GSME and ESME models share: the event log, the debt ledger with its hourly
time-based recovery on the virtual clock, and the common ``set_state`` keys (payment mode,
debt recovery rates, registers by name or alias). Fuel-specific parts stay in gsme.py/esme.py."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.emulators.clock import VirtualClock
from harness.emulators.config import DeviceConfig
from harness.emulators.debt import DebtLedger
from harness.errors import HarnessError
from harness.localtime import uk_wall_clock

MILLIPENCE_PER_PENNY = 1000  # S1SR 18.7(j): "1p = 1000 in SR 2.3"


@dataclass
class Event:
    at: str
    what: str
    detail: dict[str, Any] = field(default_factory=dict)


class DebtMeter:
    """Mixin for a meter model with a register dict, a payment mode and three debt registers.
    Subclasses set ``role`` and ``aliases``, call :meth:`_init_meter` from ``__init__`` and then
    :meth:`_start_recovery` (after scheduling anything that must run first on a tie)."""

    role: str
    aliases: Mapping[str, str]
    cfg: DeviceConfig
    clock: VirtualClock
    registers: dict[str, int]
    payment_mode: str
    events: list[Event]
    ledger: DebtLedger
    _tick_handle: int
    powered: bool = True  # the meter's supply (the emulated bench's power switch)
    supply_cuts: int = 0  # how often the supply was switched off (a command in progress sees a cut)

    def _init_meter(self, cfg: DeviceConfig, clock: VirtualClock, defaults: Mapping[str, int],
                    debt_keys: dict[str, str], balance_key: str) -> None:
        """Registers (defaults overlaid by the profile), payment mode, event log, debt ledger with
        the profile's recovery rates."""
        self.cfg = cfg
        self.clock = clock
        self.registers = dict(defaults)
        self.registers.update({self.aliases.get(k, k): int(v) for k, v in cfg.registers.items()})
        self.payment_mode = cfg.payment_mode
        self.events = []
        self.ledger = DebtLedger(self.registers, debt_keys, balance_key, tuple(cfg.faults))
        self._set_rates(cfg.debt_recovery)

    # -- S1SR device-specific behaviours --------------------------------------------------------
    @property
    def local_time(self) -> bool:
        """The meter stamps UK local time (declared ``local_time_instead_of_utc``, or the fault
        that shows it undeclared; not when the fault hides a declared one)."""
        faults = self.cfg.faults
        return (self.cfg.local_time_instead_of_utc or "meter_local_time_undeclared" in faults) \
            and "meter_utc_despite_local_time" not in faults

    def stamp(self, when: _dt.datetime) -> _dt.datetime:
        """The meter's clock reading of the instant ``when`` as it writes it in a stamp: UTC, or
        the UK wall-clock time (fields as if UTC: the wire carries no zone)."""
        return uk_wall_clock(when).replace(tzinfo=_dt.timezone.utc) if self.local_time else when

    @property
    def whole_pence(self) -> bool:
        """Debt changes are applied in whole pence (S1SR 18.7(j))."""
        faults = self.cfg.faults
        return (self.cfg.debt_amount_unit == "whole_pence" or "debt_amount_whole_pence_undeclared" in faults) \
            and "debt_amount_millipence_despite_whole_pence" not in faults

    def applied_amount(self, millipence: int) -> int:
        """What the meter applies of a Change Debt amount (millipence on the wire): all of it, or
        the whole pence of it (cut toward zero)."""
        if not self.whole_pence:
            return millipence
        pence = abs(millipence) // MILLIPENCE_PER_PENNY
        return pence * MILLIPENCE_PER_PENNY * (-1 if millipence < 0 else 1)

    def accepts_debt_update(self) -> bool:
        """Change Debt (SRV 2.3) in the current payment mode (S1SR 18.7(i): some meters only in
        prepayment mode, as the profile's ``debt_update_modes`` declares)."""
        modes = set(self.cfg.debt_update_modes)
        if "debt_update_refused_in_credit" in self.cfg.faults:
            modes.discard("credit")
        if "debt_update_accepted_in_credit" in self.cfg.faults:
            modes.add("credit")
        return self.payment_mode in modes

    def change_payment_mode(self, mode: str, activation: bytes | None = None) -> None:
        """Set Payment Mode (ECS02/ECS03, GCS02/GCS03): at once, or at a future ``activation``
        (a DLMS date-time; high values = at once)."""
        from harness.gbcs.datetime import DateTime

        when = None
        if activation and activation != bytes((0xFF,) * 12):
            try:
                when = DateTime.from_bytes(activation).to_datetime()
            except HarnessError:  # an unreadable activation time is taken as "at once"
                when = None
        if when is not None and when > self.clock.now():
            self.clock.call_at(when, lambda: self._apply_mode(mode))
            return
        self._apply_mode(mode)

    def _apply_mode(self, mode: str) -> None:
        self.payment_mode = mode
        self.log("payment_mode", mode=mode)

    def _start_recovery(self) -> None:
        """Schedule the first hourly debt-recovery tick."""
        self._tick_handle = self.clock.call_at(_next_hour(self.clock.now()), self._hourly)

    def _set_rates(self, rates: Mapping[str, Mapping[str, Any]]) -> None:
        for reg, rate in dict(rates).items():
            self.ledger.set_rate(reg, int(rate.get("amount", 0)), str(rate.get("per", "hour")))

    def _hourly(self) -> None:
        if not self.powered:  # an unpowered meter neither ticks nor recovers debt
            self._tick_handle = self.clock.call_at(_next_hour(self.clock.now()), self._hourly)
            return
        if self.role == "ESME":
            self.ledger.periodic()  # a mains meter's periodic event is its hourly tick
        taken = self.ledger.collect(self.clock.now(), self.payment_mode == "prepayment")
        if taken:
            self.log("debt_recovered", amount=taken)
        self._tick_handle = self.clock.call_at(_next_hour(self.clock.now()), self._hourly)

    def restart(self) -> None:
        """A restart (power cycle): registers, payment mode and log are persistent."""
        self.ledger.restart()
        self.log("restart")

    def supply(self, on: bool) -> bool:
        """Switch the meter's supply. Off: it answers nothing until switched on again; on after
        off: it boots (:meth:`restart`, volatile state lost). True when it restarted."""
        if not on:
            if self.powered:
                self.powered = False
                self.supply_cuts += 1
                self.log("power_off")
            return False
        if self.powered:
            return False
        self.powered = True
        self.restart()
        return True

    def log(self, what: str, **detail: Any) -> None:
        self.events.append(Event(self.clock.now().isoformat(), what, detail))

    def _set_common(self, key: str, value: Any) -> None:
        """One ``set_state`` key shared by both meters: payment_mode, debt_recovery or a register."""
        if key == "payment_mode":
            if value not in ("credit", "prepayment"):
                raise ValueError(f"payment_mode {value!r}")
            self.payment_mode = value
        elif key == "debt_recovery":
            self._set_rates(value)
        else:
            name = self.aliases.get(key, key)
            if name not in self.registers:
                raise ValueError(f"{self.role} has no register {key!r}")
            self.registers[name] = int(value)


def _next_hour(now: _dt.datetime) -> _dt.datetime:
    return now.replace(minute=0, second=0, microsecond=0) + _dt.timedelta(hours=1)
