"""S1SR debt behaviours of a meter (Change Debt, the "update debt" SRV 2.3), as the profile declares:

* 18.7(i): some meters update debt only in prepayment mode (``debt_update_modes``); in a mode
  the profile does not declare, the Change Debt is refused and nothing changes; in a declared
  mode it is executed exactly.
* 18.7(j): amounts are millipence ("1p = 1000 in SR 2.3"); a meter that works in whole pence
  (``debt_amount_unit: whole_pence``) applies whole pence. Every expected value is integer
  millipence: a run of changes adds up exactly, with no rounding drift.

Amounts are drawn from the legal space of the declaration (sub-penny parts only where the
profile declares millipence); the seed is in the result record."""

from __future__ import annotations

from typing import Any

import pytest

from harness.suites.s1sr import (
    MILLIPENCE_PER_PENNY,
    R_DEBT_MODES,
    R_MILLIPENCE,
    debt_amount,
    pence,
    rng,
    whole_pence,
)
from harness.suites.secmp0002 import DEBT_REGISTERS, assert_rejected, assert_state, failure_text

from ._support import FUELS, PAYMENT_MODES, DebtMeter

pytestmark = [pytest.mark.parametrize("fuel", FUELS)]
#: Changes per run: enough for a per-change rounding error to add up.
RUN_LENGTH = 6


def _change(meter: DebtMeter, register: str, amount: int) -> Any:
    exchange = meter.send_change(**{register.lower(): amount})
    meter.exchanges.append(exchange)
    return exchange


def _succeeded(exchange: Any) -> bool:
    return exchange.response is not None and bool(exchange.response.success)


@pytest.mark.requirement(R_DEBT_MODES)
@pytest.mark.severity("S2")
@pytest.mark.parametrize("mode", PAYMENT_MODES)
def test_change_debt_in_payment_mode(meter: DebtMeter, mode: str, measure: Any) -> None:
    r = rng(measure)
    register = r.choice(DEBT_REGISTERS)
    whole = whole_pence(meter.handle)
    amount = debt_amount(r, whole=whole, sub_penny=not whole)
    meter.use_mode(mode)
    accepts = mode in meter.update_modes
    measure("declared_debt_update_modes", ",".join(meter.update_modes))
    before = meter.read(R_DEBT_MODES)
    exchange = _change(meter, register, amount)
    after = meter.read(R_DEBT_MODES)
    what = (f"{meter.change_use_case} {register} {amount:+d} ({pence(amount)}) in {mode} mode "
            f"(profile declares debt updates in {', '.join(meter.update_modes)})")
    if not accepts:
        assert_rejected(R_DEBT_MODES, what, before, after, exchange)
        return
    expected = {**before, register: before[register] + amount}
    if not _succeeded(exchange):
        raise AssertionError(failure_text(R_DEBT_MODES, what, ["the Change Debt was not executed"], before,
                                          after, expected, (exchange,)))
    assert_state(R_DEBT_MODES, what, before, after, expected, exchange)


@pytest.mark.requirement(R_MILLIPENCE)
@pytest.mark.severity("S2")
def test_debt_amounts_convert_exactly(meter: DebtMeter, measure: Any) -> None:
    """A run of Change Debt amounts on one register: each moves it by exactly the amount (whole
    pence on a whole-pence meter) and the run adds up exactly."""
    r = rng(measure)
    whole = whole_pence(meter.handle)
    measure("declared_debt_amount_unit", "whole_pence" if whole else "millipence")
    register = r.choice(DEBT_REGISTERS)
    amounts = [debt_amount(r, whole=whole, sub_penny=not whole and i == 0) for i in range(RUN_LENGTH)]
    start = meter.read(R_MILLIPENCE)
    current = dict(start)
    for amount in amounts:
        exchange = _change(meter, register, amount)
        after = meter.read(R_MILLIPENCE)
        expected = {**current, register: current[register] + amount}
        what = f"{meter.change_use_case} {register} {amount:+d} millipence ({pence(amount)})"
        if not _succeeded(exchange):
            raise AssertionError(failure_text(R_MILLIPENCE, what, ["the Change Debt was not executed"], current,
                                              after, expected, (exchange,)))
        assert_state(R_MILLIPENCE, what + f" on a meter declaring {'whole pence' if whole else 'millipence'}",
                     current, after, expected, exchange)
        current = after
    total = sum(amounts)
    measure("run_total_millipence", total)
    assert current[register] - start[register] == total, (
        f"{R_MILLIPENCE} {len(amounts)} changes of {register} totalling {pence(total)}: the register moved "
        f"{pence(current[register] - start[register])}")


@pytest.mark.requirement(R_MILLIPENCE)
@pytest.mark.severity("S3")
def test_sub_penny_amount(meter: DebtMeter, measure: Any) -> None:
    """An amount with a sub-penny part: a millipence meter applies it exactly; a meter declaring
    whole pence applies a whole number of pence within a penny of it, or refuses it unchanged."""
    r = rng(measure)
    whole = whole_pence(meter.handle)
    register = r.choice(DEBT_REGISTERS)
    amount = debt_amount(r, whole=False, sub_penny=True)
    before = meter.read(R_MILLIPENCE)
    exchange = _change(meter, register, amount)
    after = meter.read(R_MILLIPENCE)
    what = f"{meter.change_use_case} {register} {amount:+d} millipence ({pence(amount)})"
    others = tuple(n for n in before if n != register)
    if not whole:
        expected = {**before, register: before[register] + amount}
        if not _succeeded(exchange):
            raise AssertionError(failure_text(R_MILLIPENCE, what, ["the Change Debt was not executed"], before,
                                              after, expected, (exchange,)))
        assert_state(R_MILLIPENCE, what + " (profile declares millipence)", before, after, expected, exchange)
        return
    assert_state(R_MILLIPENCE, what, before, after, before, exchange, names=others)
    moved = after[register] - before[register]
    measure("applied_millipence", moved)
    if not _succeeded(exchange):
        assert_rejected(R_MILLIPENCE, what + " (refused)", before, after, exchange)
        return
    if moved % MILLIPENCE_PER_PENNY or abs(moved - amount) >= MILLIPENCE_PER_PENNY:
        raise AssertionError(failure_text(
            R_MILLIPENCE, what + " on a meter declaring whole pence",
            [f"{register} moved {pence(moved)}: not a whole number of pence within 1p of {pence(amount)}"],
            before, after, None, (exchange,)))
