"""SECMP0002: each debt register alone is reset to zero by one command, nothing else changes;
resetting a register already at zero succeeds and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from harness.suites.secmp0002 import (
    DEBT_REGISTERS,
    R_INDEPENDENT,
    R_RESET,
    R_ZERO,
    assert_executed,
    assert_reset_effect,
    assert_zero_reset_changed_nothing,
)

from ._support import RESET_TEST_MARKS, DebtMeter

pytestmark = RESET_TEST_MARKS


@pytest.mark.requirement(R_RESET, R_INDEPENDENT)
@pytest.mark.severity("S1")
@pytest.mark.parametrize("register", DEBT_REGISTERS)
def test_reset_one_register(meter: DebtMeter, register: str, measure: Any) -> None:
    """Set TDR1, TDR2, PDR to distinct non-zero values, reset one: it reads zero, the other two,
    the meter balance, emergency credit and accumulated debt are unchanged."""
    before = meter.prepare(R_RESET)
    exchange = meter.reset(register)
    assert_executed(R_RESET, exchange, before)
    after = meter.read(R_RESET)
    measure(f"{register}_before_reset", before[register])
    measure(f"{register}_after_reset", after[register], expected=0)
    assert_reset_effect(register, meter.reset_use_case, before, after, exchange)


@pytest.mark.requirement(R_ZERO, R_INDEPENDENT)
@pytest.mark.severity("S3")
@pytest.mark.parametrize("register", DEBT_REGISTERS)
def test_reset_of_zero_register_is_idempotent(meter: DebtMeter, register: str) -> None:
    """Resetting a register that is already zero succeeds and changes nothing."""
    meter.prepare(R_ZERO)
    meter.reset(register)
    zeroed = meter.read(R_ZERO)
    if zeroed[register] != 0:
        pytest.fail(f"{R_RESET} {meter.reset_use_case} reset {register}: set-up reset left {register} at "
                    f"{zeroed[register]}, cannot test the zero case", pytrace=False)
    again = meter.reset(register)
    assert_executed(R_ZERO, again, zeroed)
    after = meter.read(R_ZERO)
    assert_zero_reset_changed_nothing(meter.reset_use_case, register, zeroed, after, again)
