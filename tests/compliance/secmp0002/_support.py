"""SECMP0002 suite plumbing: the fuel parametrisation and :class:`DebtMeter`, a thin wrapper
over a meter handle (ESME or GSME) that reads, sets and resets the debt registers through the use
cases of its fuel and turns every unusable response into a failure naming a requirement (the ids
and checks: :mod:`harness.suites.secmp0002`). Bench control (payment mode, power loss, event log)
and the restart stimulus are used where the bench offers them; without control the payment mode is set with the fuel's Set Payment
Mode command, the ESME's event log read with ECS35a and a power loss made by cutting the meter's
supply through its switch during the reset (``power_loss: switch``), as on a real bench; what
neither way can do skips the test with the reason. The set-up's Change Debt (GCS04 or ECS07) also
stops time-based recovery from TDR1/TDR2 (``SETUP_RECOVERY``: GCS04 recovery amounts 0, an ECS07
unit charge of rate 0 set and activated), so a meter's hourly or daily collection cannot move a
register between the reads a test compares."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

import pytest

from harness.bench.observe import PushNotObserved
from harness.bench.powerloss import cut_during
from harness.bench.restart import restart
from harness.bench.stimuli import Stimulus, missing
from harness.errors import CapabilityMissing, NotAsked
from harness.gbcs.meteruc import SET_PAYMENT_MODE
from harness.suites.secmp0002 import (
    ALL_VALUES,
    CHANGE_USE_CASE,
    DEBT_REGISTERS,
    R_LOG,
    R_MODE,
    READ_USE_CASE,
    RESET_USE_CASE,
    SETUP_RECOVERY,
    assert_response_protected,
    change_amounts,
    compare,
    describe_exchange,
    failure_text,
    security_problems,
)

FUELS = [pytest.param("ESME", marks=pytest.mark.device("ESME"), id="ESME"),
         pytest.param("GSME", marks=pytest.mark.device("GSME"), id="GSME")]
#: ``pytestmark`` of a reset test module: needs the reset capability, runs once per fuel.
RESET_TEST_MARKS = [pytest.mark.capability("debt_register_reset"), pytest.mark.parametrize("fuel", FUELS)]
#: Distinct non-zero values the suite sets before a reset (the fallback: tests draw their own,
#: :func:`draw_targets`).
TARGETS: dict[str, int] = {"TDR1": 11_000, "TDR2": 22_000, "PDR": 33_000}


def draw_targets(rng: Any, *, whole_pence: bool = False) -> dict[str, int]:
    """Three distinct, non-round, non-zero debt values (millipence) drawn from ``rng``; for a
    meter that declares whole pence (S1SR 18.7(j)), whole pence, so the set-up is exact there."""
    values: set[int] = set()
    while len(values) < 3:
        v = rng.randint(2, 199) * 1000 + (0 if whole_pence else rng.randint(1, 999))
        if whole_pence or v % 100:
            values.add(v)
    return dict(zip(DEBT_REGISTERS, rng.sample(sorted(values), 3)))
PAYMENT_MODES = ("credit", "prepayment")


@dataclass(frozen=True)
class Interruption:
    """A reset interrupted by a power loss: its exchange, how (for failure texts), and whether the
    meter was meant to survive to answer (``control``) or lost its supply (``switch``)."""

    exchange: Any
    how: str
    survived: bool


class DebtMeter:
    """A meter under test: ``fuel`` is ``ESME`` or ``GSME``."""

    def __init__(self, bench: Any, handle: Any, fuel: str, targets: dict[str, int] | None = None) -> None:
        self.bench = bench
        self.handle = handle
        self.fuel = fuel
        self.targets = dict(targets or TARGETS)
        self.read_use_case = READ_USE_CASE[fuel]
        self.change_use_case = CHANGE_USE_CASE[fuel]
        self.reset_use_case = RESET_USE_CASE[fuel]
        self.exchanges: list[Any] = []
        self._mark: Any = None  # GSME without control: the GPF's snapshot time before our last command
        self._restore_mode: str | None = None  # the payment mode to set back by command after the test

    # -- profile ----------------------------------------------------------------------------------
    @property
    def update_modes(self) -> tuple[str, ...]:
        """Payment modes in which the meter accepts debt updates (profile ``debt_update_modes``;
        undeclared = both, the SMETS2 behaviour)."""
        modes = self.handle.behaviour("debt_update_modes", None)
        return tuple(modes) if modes else PAYMENT_MODES

    # -- GBCS -------------------------------------------------------------------------------------
    def read(self, requirement: str) -> dict[str, int]:
        """Every debt register and balance, through the fuel's read use case (gas: the GSME
        pushes first, where the bench can make it). Failures name ``requirement`` or, for a bad
        response counter/MAC, the response-integrity requirement."""
        if self.fuel == "GSME":
            self._fresh_mirror(requirement)
        exchange = self.handle.send(self.read_use_case)
        self.exchanges.append(exchange)
        assert_response_protected(requirement, f"{self.read_use_case} read", exchange, critical=False)
        response = exchange.response
        debt = dict(response.debt)
        missing = [n for n in ALL_VALUES if n not in debt]
        if not response.success or missing:
            raise AssertionError(f"{requirement} {self.read_use_case}: the read failed or lacks {missing} "
                                 f"(statuses {dict(response.statuses)})\n{describe_exchange(exchange)}")
        return {n: int(debt[n]) for n in ALL_VALUES}

    def _fresh_mirror(self, requirement: str) -> None:
        """Gas reads come from the GPF's mirror of the GSME: make a push first (control), or, on a
        bench without control, make sure the GSME has pushed since our last command to it: seen
        as a new ReadingSnapshotTime over the HAN, else awaited (its own wake)."""
        gpf = self.bench.handle("GPF")
        if gpf is None or self.bench.stimulus("GSME", "push") is Stimulus.CONTROL:
            self.handle.push()
            return
        if self._mark is None:
            return  # nothing sent to the GSME since the mirror was last known fresh
        observable = self._observable(gpf)
        if observable and self._snapshot(gpf) != self._mark:
            self._mark = None  # it pushed after the command
            return
        try:
            self.handle.await_push(gpf, observable=observable)
        except PushNotObserved as exc:
            raise AssertionError(f"{requirement} {self.read_use_case}: the GPF's mirror of the GSME did not "
                                 f"update after the command: {exc}") from None
        self._mark = None

    def _observable(self, gpf: Any) -> bool:
        """The GPF keeps a GSME time the bench can read over the HAN."""
        declared = all(str(h.behaviour("secmp0015", "")).lower() in ("true", "yes") for h in (gpf, self.handle))
        return declared and self.bench.handle("IHD") is not None and \
            self.handle.behaviour("gsme_clock", "reliable") != "invalid"

    @staticmethod
    def _snapshot(gpf: Any) -> Any:
        return gpf.read_attribute(0x0702, 0x0007, via="IHD").value

    def _before_command(self) -> None:
        """Remember the GPF's copy of the GSME time before a command to a GSME (no control)."""
        if self.fuel != "GSME" or self.bench.stimulus("GSME", "push") is Stimulus.CONTROL:
            return
        gpf = self.bench.handle("GPF")
        self._mark = self._snapshot(gpf) if gpf is not None and self._observable(gpf) else "unknown"

    def change(self, targets: dict[str, int], requirement: str) -> dict[str, int]:
        """Bring the named registers to ``targets`` with one incremental Change Debt (current value
        read first, the difference sent); returns the state read back."""
        current = self.read(requirement)
        self._before_command()
        exchange = self.send_change(**change_amounts(current, targets))
        self.exchanges.append(exchange)
        after = self.read(requirement)
        expected = {**current, **targets}
        problems = [] if exchange.response is not None and exchange.response.success else \
            [f"set-up {self.change_use_case} was not executed"]
        problems += compare(current, after, expected)
        if problems:
            raise AssertionError(failure_text(requirement, f"set-up {self.change_use_case}", problems,
                                              current, after, expected, (exchange,)))
        return after

    def send_change(self, **amounts: int) -> Any:
        """One incremental Change Debt (``tdr1``/``tdr2``/``pdr``) that also stops time-based
        recovery from TDR1/TDR2 (:data:`SETUP_RECOVERY` of the meter: a GCS04's recovery amounts,
        an ECS07's unit charges), so the registers hold still between the suite's reads.
        The :class:`~harness.bench.api.Exchange` (not recorded)."""
        return self.handle.send(self.change_use_case, **amounts, recovery=SETUP_RECOVERY[self.fuel])

    def prepare(self, requirement: str, targets: dict[str, int] | None = None) -> dict[str, int]:
        """All three debt registers at distinct non-zero values; returns the state."""
        return self.change(dict(targets or self.targets), requirement)

    def reset(self, register: str, **kw: Any) -> Any:
        """Send the reset use case for ``register`` (``originator``, ``counter``, ``tamper`` pass
        through); the :class:`~harness.bench.api.Exchange`."""
        self._before_command()
        exchange = self.handle.send(self.reset_use_case, register=register, **kw)
        self.exchanges.append(exchange)
        return exchange

    # -- bench control ----------------------------------------------------------------------------
    def control(self, op: str, why: str, **kw: Any) -> dict[str, Any]:
        """One bench-control op; skips the test (with ``why``) on a bench without control."""
        try:
            return dict(self.bench.control(op, **kw))
        except CapabilityMissing as exc:
            pytest.skip(f"{why}: {exc}")

    def set_state(self, why: str, **values: Any) -> None:
        """Set meter state (e.g. ``payment_mode``) on an emulated bench; skip elsewhere."""
        try:
            if hasattr(self.handle, "set_state"):
                self.handle.set_state(**values)
            else:
                self.bench.control("set_state", device=self.fuel, values=values)
        except CapabilityMissing as exc:
            pytest.skip(f"{why}: {exc}")

    def use_mode(self, mode: str, requirement: str = R_MODE) -> None:
        """Put the meter in payment ``mode``: directly where the bench can (control), else as a
        real bench does, with the fuel's Set Payment Mode command (ECS02/ECS03, GCS02/GCS03; the
        supplier's critical command); the mode the profile declares (``payment_mode``, else
        prepayment) is put back after the test (:meth:`finish`). A meter refusing that set-up
        command raises :class:`~harness.errors.NotAsked`: ``requirement`` was not asked."""
        try:
            if hasattr(self.handle, "set_state"):
                self.handle.set_state(payment_mode=mode)
            else:
                self.bench.control("set_state", device=self.fuel, values={"payment_mode": mode})
            return
        except CapabilityMissing:
            pass
        exchange = self.send_payment_mode(mode)
        self.exchanges.append(exchange)
        problems = security_problems(exchange, critical=True)
        if problems or exchange.response is None or not exchange.response.success:
            why = problems[0] if problems else "no response" if exchange.response is None else \
                f"failure statuses {dict(exchange.response.statuses)}"
            raise NotAsked(f"{requirement} not asked: the set-up {exchange.use_case} (payment mode {mode}) was "
                           f"not executed: {why}\n{describe_exchange(exchange)}")
        self._restore_mode = str(self.handle.behaviour("payment_mode", None) or "prepayment")

    def send_payment_mode(self, mode: str) -> Any:
        """The fuel's Set Payment Mode command for ``mode`` (the :class:`Exchange`, not recorded)."""
        self._before_command()
        return self.handle.send(SET_PAYMENT_MODE[(self.fuel, mode)])

    def finish(self) -> None:
        """After the test: a payment mode changed by command is set back to the declared one."""
        mode, self._restore_mode = self._restore_mode, None
        if mode is not None:
            self.send_payment_mode(mode)

    def use_update_mode(self) -> None:
        """Where the bench can set it, put the meter in a payment mode where it accepts debt
        updates (prepayment preferred); a meter on a bench that cannot is used in the mode it is in."""
        modes = self.update_modes
        try:
            self.bench.control("set_state", device=self.fuel,
                               values={"payment_mode": "prepayment" if "prepayment" in modes else modes[0]})
        except CapabilityMissing:
            return

    def interrupted_reset(self, register: str) -> Interruption:
        """Reset ``register`` while the meter loses power, as the bench's ``power_loss`` stimulus
        allows: ``control`` injects a power loss the meter survives to answer; ``switch``: the
        harness cuts the meter's supply (``lab.power``) right after the command is written, keeps it
        off ``off_s``, switches it on and probes until the meter answers; else the test is skipped."""
        strategy = self.bench.stimulus(self.fuel, "power_loss")
        if strategy is Stimulus.CONTROL:
            self.control("inject", "needs a bench that can inject a power loss into a reset", what="power_loss",
                         device=self.fuel)
            return Interruption(self.reset(register), "an injected power loss", survived=True)
        if strategy is not Stimulus.SWITCH:
            raise missing(self.bench, self.fuel, "power_loss", "cut the meter's power during a command "
                          "(an operator cannot time a cut into one command)", strategy)
        self._before_command()
        cut = cut_during(self.bench, self.fuel, self.handle, self.reset_use_case, self._probe, register=register)
        self.exchanges.append(cut.exchange)
        return Interruption(cut.exchange, cut.how, survived=False)

    def restart(self) -> str:
        """Restart (power-cycle) the meter as the bench's ``restart`` stimulus allows: ``control``
        (the emulator's restart), ``switch`` (its supply cycled through the bench's labgrid power
        switch, ``lab.power``), ``operator`` (prompted); else the test is skipped naming the key.
        After a power cycle the meter is probed until it answers. Returns how, for failure texts."""
        return restart(self.bench, self.fuel, self._probe)

    def _probe(self) -> str | None:
        """None when the meter answers its read use case, else why not. (A GSME's reads are the
        GPF's, from its mirror: the gas read after a restart then waits for the GSME's push.)"""
        exchange = self.handle.send(self.read_use_case)
        if exchange.response is not None or exchange.alert_message_code is not None:
            return None
        return exchange.error or "no response"

    def log_mark(self, why: str) -> Any:
        """Where the meter's event log stands now; :meth:`events_since` gives what came after."""
        return self._log(why, None)

    def events_since(self, mark: Any, why: str) -> list[dict[str, Any]]:
        """The entries of the meter's event log added since ``mark`` (:meth:`log_mark`)."""
        kind, seen = mark
        if kind == "state":
            return list(self._log(why, None)[1][len(seen):])
        since = max((e["at"] for e in seen), default=None)
        _kind, now = self._log(why, since)
        left = [e for e in seen if since is not None and e["at"] >= since]
        new = []
        for entry in now:
            if entry in left:
                left.remove(entry)  # was there at the mark
            else:
                new.append(entry)
        return new

    def _log(self, why: str, since: str | None) -> tuple[str, list[dict[str, Any]]]:
        """The meter's event log as the bench can read it: its state on an emulated bench
        (``get_state``), else through GBCS: Read ESME Event Log (ECS35a, from ``since``; a read the
        meter refuses raises :class:`~harness.errors.NotAsked`). A GSME's log (CS10a) has no
        builder: skipped."""
        try:
            reply = dict(self.bench.control("get_state", device=self.fuel))
        except CapabilityMissing as exc:
            if self.fuel != "ESME":
                pytest.skip(f"{why}: {exc}; a GSME's event log (CS10a) has no builder")
            return "gbcs", self._read_log(since)
        state = reply.get("state", reply)
        events = state.get("events") if isinstance(state, dict) else None
        if not isinstance(events, list):
            pytest.skip(f"{why}: the bench's state of the {self.fuel} has no event log")
        return "state", [e for e in events if isinstance(e, dict)]

    def _read_log(self, since: str | None) -> list[dict[str, Any]]:
        params = {"from_time": _dt.datetime.fromisoformat(since)} if since else {}
        exchange = self.handle.send("ECS35a", **params)
        self.exchanges.append(exchange)
        problems = security_problems(exchange, critical=False)
        response = exchange.response
        if problems or response is None or not response.success:
            why = problems[0] if problems else "no response" if response is None else \
                f"failure statuses {dict(response.statuses)}"
            raise NotAsked(f"{R_LOG} not asked: the ECS35a read of the event log failed: {why}\n"
                           f"{describe_exchange(exchange)}")
        declared = {code: name for name, code in dict(self.handle.behaviour("log_codes", None) or {}).items()}
        events = [e for e in response.values.get("events", []) if isinstance(e, dict)]
        # the meter's own codes (profile log_codes) win over the provisional names
        return [{**e, "what": declared[e["code"]]} if e.get("code") in declared else e for e in events]


__all__ = ["DEBT_REGISTERS", "DebtMeter", "FUELS", "Interruption", "RESET_TEST_MARKS", "draw_targets"]
