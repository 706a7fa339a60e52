"""SECMP0002 and payment mode: a meter resets in the payment modes its profile declares in
``debt_update_modes`` and refuses (changing nothing) in the others. Some meters accept debt
updates only in prepayment mode (S1SR clause 18.7(i)): a declared behaviour, not a failure."""

from __future__ import annotations

from typing import Any

import pytest

from harness.suites.secmp0002 import (
    R_INDEPENDENT,
    R_MODE,
    R_RESET,
    assert_reset_done,
    assert_reset_refused_in_mode,
)

from ._support import PAYMENT_MODES, RESET_TEST_MARKS, DebtMeter

pytestmark = RESET_TEST_MARKS
REGISTER = "TDR2"


@pytest.mark.requirement(R_MODE, R_RESET, R_INDEPENDENT)
@pytest.mark.severity("S2")
@pytest.mark.parametrize("mode", PAYMENT_MODES)
def test_reset_in_payment_mode(meter: DebtMeter, mode: str, measure: Any) -> None:
    before = meter.prepare(R_MODE)
    meter.use_mode(mode)
    accepts = mode in meter.update_modes
    measure("declared_debt_update_modes", ",".join(meter.update_modes))
    exchange = meter.reset(REGISTER)
    what = f"{meter.reset_use_case} reset {REGISTER} in {mode} mode"
    if accepts:
        assert_reset_done(meter, R_MODE, REGISTER, before, exchange)
        return
    after = meter.read(R_MODE)
    assert_reset_refused_in_mode(f"{what} (profile declares debt updates only in {', '.join(meter.update_modes)})",
                                 before, after, exchange)
