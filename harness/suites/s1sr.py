"""S1SR device-specific behaviours the suites test (DCC's conclusion on the SMETS1 Supporting
Requirements for MOC Secure): requirement ids, the declarations they read from the profile, and
what a test draws from the legal space (instants around a UK clock change, debt amounts).

Each behaviour is a profile declaration (``harness.profiles.schema.BEHAVIOURS``, with its clause);
a test accepts the declared behaviour, fails it undeclared and fails a declaration the device does
not keep (docs/TRACEABILITY.md, section S1SR)."""

from __future__ import annotations

import datetime as _dt
import random
from dataclasses import dataclass
from typing import Any

from harness.errors import CapabilityMissing
from harness.localtime import Transition, next_transition

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
