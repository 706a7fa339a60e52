"""The three debt registers of a meter (TDR1, TDR2, PDR): incremental changes, the SECMP0002
reset (one register to zero, atomically) and time-based debt recovery on the virtual clock.
Shared by the GSME and ESME models; each names its own register keys."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from harness.vocabulary import DEBT_REGISTER_NAMES as DEBT_REGISTERS

UINT32_MAX = 0xFFFFFFFF


class DebtRefused(Exception):
    """A debt command the meter does not execute; ``reason`` is a short word for the event log."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass
class DebtLedger:
    """Debt registers inside a meter's register dict, under the meter's own key names."""

    registers: dict[str, int]
    keys: dict[str, str]  # TDR1/TDR2/PDR -> register key
    balance_key: str
    faults: tuple[str, ...] = ()
    power_loss_armed: bool = False
    rates: dict[str, dict[str, Any]] = field(default_factory=dict)  # TDR1/TDR2: {amount, per}
    # faulty devices only: a reset kept in volatile memory, its register's old value coming back
    # at the next periodic event (reset_reverts_on_wake) or at a restart (reset_lost_on_restart)
    volatile: dict[str, int] = field(default_factory=dict)

    def value(self, register: str) -> int:
        return self.registers[self.keys[register]]

    def adjust(self, register: str, delta: int) -> None:
        """Incremental change (GCS04 / ECS07 method 4); refused if it leaves the register out of range."""
        new = self.value(register) + delta
        if not 0 <= new <= UINT32_MAX:
            raise DebtRefused(f"{register} would become {new}")
        self.registers[self.keys[register]] = new

    def reset(self, register: str) -> None:
        """SECMP0002: set ``register`` to zero and change nothing else, or change nothing and raise.
        An armed power loss interrupts the reset between receipt and completion."""
        if register not in DEBT_REGISTERS:
            raise DebtRefused(f"no debt register {register!r}")
        if self.power_loss_armed:
            self.power_loss_armed = False
            if "reset_half_applied_on_error" in self.faults:
                self.registers[self.keys[register]] = self.value(register) // 2
            raise DebtRefused("power loss during reset")
        cleared = self.value(register)
        targets = [register]
        if "reset_clears_all" in self.faults:
            targets = list(DEBT_REGISTERS)
        elif "reset_clears_wrong_register" in self.faults:
            targets = [DEBT_REGISTERS[(DEBT_REGISTERS.index(register) + 1) % 3]]
        for name in targets:
            if "reset_reverts_on_wake" in self.faults or "reset_lost_on_restart" in self.faults:
                self.volatile.setdefault(name, self.value(name))
            self.registers[self.keys[name]] = 0
        if "reset_changes_balance" in self.faults:
            self.registers[self.balance_key] += cleared

    def periodic(self) -> None:
        """The meter's next periodic event (a GSME wake, an ESME hourly tick): a compliant meter
        keeps every reset; a faulty one restores a volatile reset."""
        if "reset_reverts_on_wake" in self.faults:
            self._revert()

    def restart(self) -> None:
        """A restart (power cycle): persistent registers survive; a faulty meter loses a reset."""
        if "reset_lost_on_restart" in self.faults:
            self._revert()

    def _revert(self) -> None:
        for name, value in self.volatile.items():
            self.registers[self.keys[name]] = value
        self.volatile.clear()

    def set_rate(self, register: str, amount: int, per: str) -> None:
        if register in ("TDR1", "TDR2") and per in ("hour", "day"):
            self.rates[register] = {"amount": int(amount), "per": per}

    def collect(self, now: _dt.datetime, prepayment: bool) -> int:
        """One hourly tick of time-based recovery; daily rates collect at midnight. A register at
        zero (e.g. just reset) collects nothing. Returns the total collected."""
        total = 0
        for register in ("TDR1", "TDR2"):
            rate = self.rates.get(register)
            if not rate:
                continue
            if rate.get("per", "hour") == "day" and now.hour != 0:
                continue
            take = min(int(rate.get("amount", 0)), self.value(register))
            if take <= 0:
                continue
            self.registers[self.keys[register]] -= take
            if prepayment:
                self.registers[self.balance_key] -= take
            total += take
        return total
