"""S1SR device-specific behaviours the suites test (DCC's conclusion on the SMETS1 Supporting
Requirements for MOC Secure): requirement ids, the declarations they read from the profile, and
what a test draws from the legal space (instants around a UK clock change, debt amounts).

Each behaviour is a profile declaration (``harness.profiles.schema.BEHAVIOURS``, with its clause);
a test accepts the declared behaviour, fails it undeclared and fails a declaration the device does
not keep (docs/TRACEABILITY.md, section S1SR). The checks of each id are at the end."""

from __future__ import annotations

import datetime as _dt
import random
from dataclasses import dataclass
from typing import Any

from harness.errors import CapabilityMissing
from harness.localtime import StampReading, Transition, instant_problem, next_transition
from harness.suites import requirement
from harness.suites.secmp0002 import assert_rejected, assert_state, failure_text

#: Requirement ids (docs/TRACEABILITY.md, section S1SR).
R_LOCAL_TIME = "S1SR-LT"  # stamps are UTC, or UK local time where declared (no clause number)
R_DEBT_MODES = "S1SR-18.7(i)"  # update debt (SRV 2.3) in the payment modes declared
R_MILLIPENCE = "S1SR-18.7(j)"  # DUIS millipence; 1p = 1000; whole-pence devices where declared

MILLIPENCE_PER_PENNY = 1000  # S1SR 18.7(j): "1p = 1000 in SR 2.3, 20p = 20000"
#: How far a meter's clock may be from the bench's before the time base is in doubt: the tests
#: judge UTC against UK local time (an hour), not clock accuracy.
TIME_BASE_TOLERANCE = _dt.timedelta(minutes=10)
#: Readings are drawn this far either side of a clock change (inside the hour that moves).
WINDOW = (_dt.timedelta(minutes=5), _dt.timedelta(minutes=55))


def pence(millipence: int) -> str:
    """``12345`` -> ``"12.345p"`` (exact: integer arithmetic only)."""
    sign = "-" if millipence < 0 else ""
    whole, part = divmod(abs(int(millipence)), MILLIPENCE_PER_PENNY)
    return f"{sign}{whole}.{part:03d}p"


def to_millipence(whole_pence: int) -> int:
    """Whole pence as the millipence DUIS/GBCS carry (exact)."""
    return int(whole_pence) * MILLIPENCE_PER_PENNY


def declared(handle: Any, name: str, default: Any) -> Any:
    value = handle.behaviour(name, None)
    return default if value is None else value


def local_time(handle: Any) -> bool:
    return bool(declared(handle, "local_time_instead_of_utc", False))


def whole_pence(handle: Any) -> bool:
    return bool(declared(handle, "debt_amount_unit", "millipence") == "whole_pence")


def rng(measure: Any) -> random.Random:
    """A random source whose seed is kept in the result record (to replay a failure)."""
    seed = random.SystemRandom().randrange(2**32)
    measure("draw_seed", seed)
    return random.Random(seed)


def debt_amount(r: random.Random, *, whole: bool, sub_penny: bool = False) -> int:
    """A positive Change Debt amount in millipence: whole pence, or one with a sub-penny part."""
    p = r.randint(1, 99)
    if whole:
        return to_millipence(p)
    part = r.randint(1, MILLIPENCE_PER_PENNY - 1) if sub_penny else r.randint(0, MILLIPENCE_PER_PENNY - 1)
    return to_millipence(p) + part


@dataclass(frozen=True)
class ChangeReadings:
    """Instants to read at around one UK clock change: before and after it, each inside the hour
    the change moves (the autumn pair shows the same local wall-clock time twice)."""

    transition: Transition
    before: _dt.datetime
    after: _dt.datetime

    @property
    def start(self) -> _dt.datetime:
        return self.before

    def points(self) -> tuple[tuple[str, _dt.datetime], ...]:
        return (("before", self.before), ("after", self.after))


def draw_change_readings(name: str, after: _dt.datetime, r: random.Random, *, mirror: bool) -> ChangeReadings:
    """The next ``name`` (spring/autumn) change after ``after`` and one reading either side of it.
    ``mirror``: the after-reading is an hour after the before-reading: in autumn the same UK
    wall-clock time again (the repeated hour), in spring two hours later on the wall clock."""
    t = next_transition(after, name)
    lo, hi = (int(w.total_seconds()) for w in WINDOW)
    before = t.at - _dt.timedelta(seconds=r.randint(lo, hi))
    later = before + _dt.timedelta(hours=1) if mirror else t.at + _dt.timedelta(seconds=r.randint(lo, hi))
    return ChangeReadings(t, before, later)


def restart_at(bench: Any, when: _dt.datetime, why: str) -> None:
    """Bring an emulated bench's virtual clock to ``when`` (a fresh bench: control ``restart_at``);
    CapabilityMissing naming the missing stimulus on a bench whose clock is the wall clock."""
    try:
        bench.control("restart_at", time=when.isoformat())
    except CapabilityMissing as exc:
        raise CapabilityMissing(f"{why}: needs the bench stimulus 'restart_at' (set the bench clock to "
                                f"{when:%Y-%m-%d %H:%M} UTC); this bench's clock is the wall clock ({exc})") from None


def reach_clock_change(bench: Any, clock: Any, name: str, measure: Any, what: str) -> ChangeReadings:
    """Draw readings around the next ``name`` clock change (seed in the record) and restart the
    bench at the first of them; CapabilityMissing (the test skips) on a wall-clock bench."""
    readings = draw_change_readings(name, clock.now(), rng(measure), mirror=True)
    restart_at(bench, readings.start, f"{what} around the {name} UK clock change")
    return readings


def advance_to(clock: Any, when: _dt.datetime) -> None:
    """Move the bench clock forward to ``when``."""
    delta = when - clock.now()
    if delta > _dt.timedelta(0):
        clock.advance(delta)


# -- checks ---------------------------------------------------------------------------------------

@requirement("S1SR-LT")
def check_time_base(where: str, stamp: Any, reading: StampReading | None, now: _dt.datetime) -> None:
    """S1SR-LT: a meter's own date-time read as its declared time base (UTC, or UK local time) is
    the bench time within :data:`TIME_BASE_TOLERANCE`. ``reading``: ``stamp`` read so (None when
    the response carries no usable date-time)."""
    __tracebackhide__ = True
    if reading is None:
        raise AssertionError(f"{where}: the response carries no usable date-time "
                             f"({stamp.to_bytes().hex().upper() if stamp else 'none'})")
    problem = instant_problem(reading, now, TIME_BASE_TOLERANCE)
    if problem:
        raise AssertionError(f"{where}: {problem}")


def _succeeded(exchange: Any) -> bool:
    return exchange.response is not None and bool(exchange.response.success)


@requirement("S1SR-18.7(i)")
def check_change_debt_in_mode(what: str, register: str, amount: int, before: dict[str, int],
                              after: dict[str, int], exchange: Any, *, accepts: bool) -> None:
    """S1SR-18.7(i): a Change Debt in a payment mode the profile declares for debt updates
    (``accepts``) is executed exactly; in another it is refused with nothing changed."""
    __tracebackhide__ = True
    if not accepts:
        assert_rejected(R_DEBT_MODES, what, before, after, exchange)
        return
    expected = {**before, register: before[register] + amount}
    if not _succeeded(exchange):
        raise AssertionError(failure_text(R_DEBT_MODES, what, ["the Change Debt was not executed"], before,
                                          after, expected, (exchange,)))
    assert_state(R_DEBT_MODES, what, before, after, expected, exchange)


@requirement("S1SR-18.7(j)")
def check_change_exact(what: str, register: str, amount: int, before: dict[str, int], after: dict[str, int],
                       exchange: Any, *, note: str = "") -> None:
    """S1SR-18.7(j): a Change Debt of ``amount`` millipence was executed and moved ``register`` by
    exactly that, nothing else (``note``, e.g. the declared unit, follows ``what`` there)."""
    __tracebackhide__ = True
    expected = {**before, register: before[register] + amount}
    if not _succeeded(exchange):
        raise AssertionError(failure_text(R_MILLIPENCE, what, ["the Change Debt was not executed"], before,
                                          after, expected, (exchange,)))
    assert_state(R_MILLIPENCE, what + note, before, after, expected, exchange)


@requirement("S1SR-18.7(j)")
def check_run_total(register: str, amounts: list[int], start: dict[str, int], end: dict[str, int]) -> None:
    """S1SR-18.7(j): a run of changes adds up exactly (integer millipence, no rounding drift)."""
    __tracebackhide__ = True
    total = sum(amounts)
    assert end[register] - start[register] == total, (
        f"{R_MILLIPENCE} {len(amounts)} changes of {register} totalling {pence(total)}: the register moved "
        f"{pence(end[register] - start[register])}")


@requirement("S1SR-18.7(j)")
def check_whole_pence_applied(what: str, register: str, amount: int, before: dict[str, int],
                              after: dict[str, int], exchange: Any) -> None:
    """S1SR-18.7(j) on a meter declaring whole pence: a sub-penny amount is refused with nothing
    changed, or applied as a whole number of pence within 1p of it. (The other values unchanged is
    checked first, by the caller.)"""
    __tracebackhide__ = True
    if not _succeeded(exchange):
        assert_rejected(R_MILLIPENCE, what + " (refused)", before, after, exchange)
        return
    moved = after[register] - before[register]
    if moved % MILLIPENCE_PER_PENNY or abs(moved - amount) >= MILLIPENCE_PER_PENNY:
        raise AssertionError(failure_text(
            R_MILLIPENCE, what + " on a meter declaring whole pence",
            [f"{register} moved {pence(moved)}: not a whole number of pence within 1p of {pence(amount)}"],
            before, after, None, (exchange,)))
