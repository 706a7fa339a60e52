"""The emulated battery GSME: registers, its own clock, wakes on the virtual clock to push its
instantaneous values (with ReadingSnapshotTime when built for SECMP0015) to the GPF, executes
Change Debt (GCS04) and the debt-register reset (GCS04r), recovers time-based debt."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.emulators.clock import INVALID_UTC_TIME, VirtualClock, from_utctime, to_utctime
from harness.emulators.config import GSME_REGISTERS, DeviceConfig
from harness.emulators.debt import DebtRefused
from harness.emulators.meter import DebtMeter

GSME_DEBT_KEYS = {"TDR1": "DebtAmount1", "TDR2": "DebtAmount2", "PDR": "DebtAmount3"}
ALIASES = {"TDR1": "DebtAmount1", "TDR2": "DebtAmount2", "PDR": "DebtAmount3",
           "meter_balance": "CreditRemaining", "emergency_credit": "EmergencyCreditRemaining",
           "accumulated_debt": "AccumulatedDebt"}
FREQUENCY = {0x00: "hour", 0x01: "day"}


@dataclass
class Push:
    """What one GSME wake reports to the GPF: values and (maybe) ReadingSnapshotTime."""

    values: dict[str, int]
    snapshot_time: int | None  # ZCL UTCTime; None = attribute not reported
    at: _dt.datetime
    sequence: int


class Gsme(DebtMeter):
    role = "GSME"
    aliases = ALIASES

    def __init__(self, cfg: DeviceConfig, clock: VirtualClock, sink: Callable[[Push], None]) -> None:
        self._init_meter(cfg, clock, GSME_REGISTERS, GSME_DEBT_KEYS, "CreditRemaining")
        self.sink = sink
        self.clock_state = cfg.gsme_clock
        self.clock_offset = _dt.timedelta(seconds=cfg.clock_offset_s)
        self.han_outage = False
        self.pushes = 0  # wakes (delivered or lost)
        self._wake_handle = clock.call_later(_dt.timedelta(seconds=cfg.wake_interval_s), self._wake)
        self._start_recovery()

    # -- time -----------------------------------------------------------------------------------
    def own_time(self) -> _dt.datetime | None:
        """The GSME clock (None when invalid)."""
        if self.clock_state == "invalid":
            return None
        return self.clock.now() + self.clock_offset

    def _wake(self) -> None:
        if self.powered:
            self.ledger.periodic()
            self.push()
        self._wake_handle = self.clock.call_later(_dt.timedelta(seconds=self.cfg.wake_interval_s), self._wake)

    def stop(self) -> None:
        self.clock.cancel(self._wake_handle)
        self.clock.cancel(self._tick_handle)

    # -- pushes ---------------------------------------------------------------------------------
    def push(self) -> bool:
        """Wake now and push instantaneous values; False when the HAN is out (push lost) or the
        GSME has no supply (nothing pushed)."""
        if not self.powered:
            return False
        self.pushes += 1
        self.registers["CurrentSummationDelivered"] += self.cfg.consumption_per_wake
        snapshot: int | None = None
        if self.cfg.secmp0015:
            own = self.own_time()
            snapshot = INVALID_UTC_TIME if own is None else to_utctime(self.stamp(own))
            if "gsme_snapshot_intermittent" in self.cfg.faults and self.pushes % 2 == 0:
                snapshot = None
        if self.han_outage:
            self.log("push_lost", sequence=self.pushes)
            return False
        self.sink(Push(dict(self.registers), snapshot, self.clock.now(), self.pushes))
        return True

    # -- commands -------------------------------------------------------------------------------
    def change_debt(self, commands: list[Mapping[str, Any]]) -> list[int]:
        """GCS04: incremental Change Debt per component (the ``debts`` entries of
        :func:`harness.gbcs.usecases.parse_command`). Returns a ZCL status per component (0x00
        success, 0x01 FAILURE refused, 0x85 INVALID_FIELD bad amount type, then 0xFF after a
        failure = not executed)."""
        statuses: list[int] = []
        failed = False
        for cd in commands:
            if failed:
                statuses.append(0xFF)
                continue
            status = self._one_change(cd)
            statuses.append(status)
            failed = status != 0
        if not failed:
            self.push_after_change()
        return statuses

    def _one_change(self, cd: Mapping[str, Any]) -> int:
        if not self.accepts_debt_update():
            self.log("change_debt_refused", reason=f"{self.payment_mode} mode")
            return 0x01
        register = cd["register"]
        if cd["absolute"] or register is None:
            self.log("change_debt_refused", reason=f"debt amount type {cd['debt_amount_type']}")
            return 0x85
        amount = self.applied_amount(cd["amount"])
        try:
            self.ledger.adjust(register, amount)
        except DebtRefused as exc:
            self.log("change_debt_refused", reason=exc.reason)
            return 0x87
        if cd["debt_recovery_method"] == 0 and cd["debt_recovery_frequency"] in FREQUENCY:
            self.ledger.set_rate(register, cd["debt_recovery_amount"], FREQUENCY[cd["debt_recovery_frequency"]])
        self.log("change_debt", register=register, amount=amount)
        return 0x00

    def reset_debt(self, cd: Mapping[str, Any]) -> int:
        """GCS04r: absolute Change Debt with amount 0 on one register (a ``debts`` entry of
        :func:`harness.gbcs.usecases.parse_command`); atomic. ZCL status."""
        register = cd["register"]
        if not cd["absolute"] or register is None or cd["amount"] != 0:
            self.log("reset_refused", reason="not an absolute zero amount")
            return 0x85
        if self.payment_mode not in self.cfg.debt_update_modes:
            self.log("reset_refused", reason=f"{self.payment_mode} mode")
            return 0x01
        try:
            self.ledger.reset(register)
        except DebtRefused as exc:
            self.log("reset_failed", register=register, reason=exc.reason)
            self.push_after_change()
            return 0xC0
        self.log("reset", register=register)
        self.push_after_change()
        return 0x00

    def set_payment_mode(self, mode: str, implementation_time: int = 0) -> int:
        """GCS02/GCS03: the payment mode at once (implementation time 0 or not later than the
        GSME's clock) or at that time; the GSME then pushes. ZCL status."""
        when = from_utctime(implementation_time) if implementation_time else None
        own = self.own_time()
        if when is not None and own is not None and when > own:
            self.clock.call_at(self.clock.now() + (when - own), lambda: self._apply_mode(mode))
        else:
            self._apply_mode(mode)
        self.push_after_change()
        return 0x00

    def push_after_change(self) -> None:
        self.push()

    # -- state ----------------------------------------------------------------------------------
    def set_state(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            if key in ("clock", "gsme_clock"):
                self.clock_state = str(value)
            elif key == "clock_offset_s":
                self.clock_offset = _dt.timedelta(seconds=int(value))
            else:
                self._set_common(key, value)

    def get_state(self) -> dict[str, Any]:
        return {
            "role": self.role, "registers": dict(self.registers), "payment_mode": self.payment_mode,
            "debt": {r: self.ledger.value(r) for r in GSME_DEBT_KEYS}, "clock": self.clock_state,
            "own_time": (t.isoformat() if (t := self.own_time()) else None), "han_outage": self.han_outage,
            "pushes": self.pushes, "debt_recovery": dict(self.ledger.rates),
            "events": [e.__dict__ for e in self.events],
        }

