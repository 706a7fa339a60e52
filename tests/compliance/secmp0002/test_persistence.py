"""SECMP0002: a reset persists. After the meter's next wake (a GSME's next push after its declared
wake interval, a mains meter's next hour) and after a restart (power cycle: the bench's ``restart`` stimulus, e.g. the meter's
labgrid power switch) the reset register still reads zero, for every register (the Payment Debt
Register too); the others may move by time-based recovery meanwhile. A meter that keeps the reset
only in volatile memory shows the old value again."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pytest

from harness.bench.observe import wake_margin
from harness.suites.secmp0002 import (
    DEBT_REGISTERS,
    R_PERSIST,
    assert_reset_done,
    assert_reset_persisted,
)

from ._support import RESET_TEST_MARKS, DebtMeter

pytestmark = RESET_TEST_MARKS
EVENTS = ("next_wake", "restart")


def _next_wake(meter: DebtMeter, clock: Any) -> str:
    """Let the meter's next periodic event pass: a GSME's next wake (its declared wake interval,
    default 30 min, the seed's, plus the push margin), a mains meter's next full hour (its tick)."""
    if meter.fuel == "GSME":
        wake = float(meter.handle.behaviour("wake_interval_s", None) or 1800)
        wait = _dt.timedelta(seconds=wake + wake_margin(wake))
    else:
        wait = _dt.timedelta(hours=1, minutes=1)
    clock.advance(wait)
    return f"{wait} later (past the next wake)"


def _restart(meter: DebtMeter, clock: Any) -> str:
    """Restart the meter as the bench's ``restart`` stimulus says (control, its power switch, the
    operator: the meter is probed until it answers again), then let it run a few seconds."""
    how = meter.restart()
    clock.advance(_dt.timedelta(seconds=5))
    return how


@pytest.mark.requirement(R_PERSIST)
@pytest.mark.severity("S1")
@pytest.mark.parametrize("event", EVENTS)
@pytest.mark.parametrize("register", DEBT_REGISTERS)
def test_reset_persists(meter: DebtMeter, clock: Any, register: str, event: str) -> None:
    before = meter.prepare(R_PERSIST)
    exchange = meter.reset(register)
    after = assert_reset_done(meter, R_PERSIST, register, before, exchange)
    when = (_next_wake if event == "next_wake" else _restart)(meter, clock)
    later = meter.read(R_PERSIST)
    # only the reset register is judged: time-based recovery may lower the others meanwhile
    assert_reset_persisted(f"{meter.reset_use_case} reset {register}, read {when}", register, after, later, exchange)
