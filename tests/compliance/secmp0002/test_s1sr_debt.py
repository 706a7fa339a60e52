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
    R_DEBT_MODES,
    R_MILLIPENCE,
    check_change_debt_in_mode,
    check_change_exact,
    check_run_total,
    check_whole_pence_applied,
    debt_amount,
    pence,
    rng,
    whole_pence,
)
from harness.suites.secmp0002 import DEBT_REGISTERS, assert_state

from ._support import FUELS, PAYMENT_MODES, DebtMeter

pytestmark = [pytest.mark.parametrize("fuel", FUELS)]
#: Changes per run: enough for a per-change rounding error to add up.
RUN_LENGTH = 6


def _change(meter: DebtMeter, register: str, amount: int) -> Any:
    exchange = meter.send_change(**{register.lower(): amount})
    meter.exchanges.append(exchange)
    return exchange


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
    check_change_debt_in_mode(what, register, amount, before, after, exchange, accepts=accepts)


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
        what = f"{meter.change_use_case} {register} {amount:+d} millipence ({pence(amount)})"
        check_change_exact(what, register, amount, current, after, exchange,
                           note=f" on a meter declaring {'whole pence' if whole else 'millipence'}")
        current = after
    measure("run_total_millipence", sum(amounts))
    check_run_total(register, amounts, start, current)


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
        check_change_exact(what, register, amount, before, after, exchange, note=" (profile declares millipence)")
        return
    assert_state(R_MILLIPENCE, what, before, after, before, exchange, names=others)
    moved = after[register] - before[register]
    measure("applied_millipence", moved)
    check_whole_pence_applied(what, register, amount, before, after, exchange)
