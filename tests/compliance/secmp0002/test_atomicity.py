"""SECMP0002: the reset is a single atomic command. A reset interrupted between receipt and
completion (power loss injected on the bench) leaves every register as it was and answers with
an error response: never a half-applied state."""

from __future__ import annotations

import pytest

from harness.suites.secmp0002 import DEBT_REGISTERS, R_ATOMIC, assert_state, failure_text

from ._support import RESET_TEST_MARKS, DebtMeter

pytestmark = RESET_TEST_MARKS


@pytest.mark.requirement(R_ATOMIC)
@pytest.mark.severity("S1")
@pytest.mark.parametrize("register", DEBT_REGISTERS)
def test_interrupted_reset_changes_nothing(meter: DebtMeter, register: str) -> None:
    before = meter.prepare(R_ATOMIC)
    meter.arm_power_loss()
    try:
        exchange = meter.reset(register)
    finally:
        meter.restore_power()
    after = meter.read(R_ATOMIC)
    what = f"{meter.reset_use_case} reset {register} interrupted by power loss"
    assert_state(R_ATOMIC, what, before, after, before, exchange)
    response = exchange.response
    if response is None or response.success:
        outcome = "no response" if response is None else "a success response"
        raise AssertionError(failure_text(R_ATOMIC, what, [f"expected an error response, got {outcome}"],
                                          before, after, before, (exchange,)))
