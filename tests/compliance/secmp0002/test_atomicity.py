"""SECMP0002: the reset is a single atomic command. A reset interrupted between receipt and
completion by a power loss never leaves a half-applied state.

How the power is lost is the bench's ``power_loss`` stimulus. Injected (``control``), the meter
survives to answer: every register is as it was and the answer is an error response. Cut through
the meter's supply switch right after the command is written (``switch``, a real bench), the cut
may land before the meter completed the reset or after: the meter answers nothing (or a failure,
then nothing changed), and the registers are either all as they were (the reset lost) or exactly
the reset applied (that register zero, everything else unchanged); a success response means the
reset is there."""

from __future__ import annotations

import pytest

from harness.suites.secmp0002 import (
    DEBT_REGISTERS,
    R_ATOMIC,
    assert_cut_reset_not_half_applied,
    assert_interrupted_reset_changed_nothing,
)

from ._support import RESET_TEST_MARKS, DebtMeter

pytestmark = RESET_TEST_MARKS


@pytest.mark.requirement(R_ATOMIC)
@pytest.mark.severity("S1")
@pytest.mark.parametrize("register", DEBT_REGISTERS)
def test_interrupted_reset_changes_nothing(meter: DebtMeter, register: str) -> None:
    before = meter.prepare(R_ATOMIC)
    interrupted = meter.interrupted_reset(register)
    exchange = interrupted.exchange
    after = meter.read(R_ATOMIC)
    what = f"{meter.reset_use_case} reset {register} interrupted by {interrupted.how}"
    if not interrupted.survived:
        assert_cut_reset_not_half_applied(what, register, before, after, exchange)
        return
    assert_interrupted_reset_changed_nothing(what, before, after, exchange)
