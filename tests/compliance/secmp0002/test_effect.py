"""SECMP0002 traceability of the effect: a meter that logs commands (profile ``logs_commands``)
records the reset in its log; time-based debt recovery after a reset collects nothing from the
reset register on the next recovery period (virtual clock)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pytest

from harness.errors import CapabilityMissing
from harness.suites.secmp0002 import (
    DEBT_REGISTERS,
    R_LOG,
    R_RECOVERY,
    TIME_DEBT_REGISTERS,
    assert_recovery_skipped_reset_register,
    assert_reset_done,
    assert_reset_logged,
)

from ._support import RESET_TEST_MARKS, DebtMeter

pytestmark = RESET_TEST_MARKS
#: Recovery rate the test configures (per hour) and how long it lets recovery run.
RATE_PER_HOUR = 1_000
RECOVERY_TIME = _dt.timedelta(hours=3, minutes=5)


@pytest.mark.requirement(R_LOG)
@pytest.mark.severity("S3")
@pytest.mark.parametrize("register", DEBT_REGISTERS)
def test_reset_is_logged(meter: DebtMeter, register: str) -> None:
    if not meter.handle.behaviour("logs_commands", False):
        pytest.skip(f"the {meter.fuel} profile does not declare logs_commands")
    why = "needs a bench that exposes the meter's event log"
    before = meter.prepare(R_LOG)
    mark = meter.log_mark(why)
    exchange = meter.reset(register)
    after = assert_reset_done(meter, R_LOG, register, before, exchange)
    new = meter.events_since(mark, why)
    assert_reset_logged(meter.reset_use_case, register, new, before, after, exchange,
                        codes_declared=bool(meter.handle.behaviour("log_codes", None)))


@pytest.mark.requirement(R_RECOVERY)
@pytest.mark.severity("S2")
@pytest.mark.parametrize("register", TIME_DEBT_REGISTERS)
def test_recovery_after_reset_collects_nothing_from_it(meter: DebtMeter, register: str, clock: Any,
                                                        measure: Any) -> None:
    """Both time-debt registers recovering at a known rate in prepayment mode; reset one; after
    the next recovery periods the reset register is still zero and the meter balance went down
    by exactly what the other register gave up."""
    if "prepayment" not in meter.update_modes:
        pytest.skip(f"the {meter.fuel} profile declares no debt updates in prepayment mode")
    why = "needs bench control to configure debt recovery"
    meter.set_state(why, payment_mode="prepayment")
    before = meter.prepare(R_RECOVERY)
    rates = {r: {"amount": RATE_PER_HOUR, "per": "hour"} for r in TIME_DEBT_REGISTERS}
    meter.set_state(why, debt_recovery=rates)
    exchange = meter.reset(register)
    reset = assert_reset_done(meter, R_RECOVERY, register, before, exchange)
    try:
        clock.advance(RECOVERY_TIME)
    except CapabilityMissing as exc:
        pytest.skip(f"needs a bench clock that can be advanced: {exc}")
    after = meter.read(R_RECOVERY)
    other = next(r for r in TIME_DEBT_REGISTERS if r != register)
    given_up = reset[other] - after[other]
    charged = reset["meter_balance"] - after["meter_balance"]
    measure(f"{other}_recovered", given_up)
    measure("meter_balance_charged", charged)
    assert_recovery_skipped_reset_register(f"{meter.reset_use_case} reset {register} then {RECOVERY_TIME} of recovery",
                                           register, reset, after, exchange, period=str(RECOVERY_TIME))
