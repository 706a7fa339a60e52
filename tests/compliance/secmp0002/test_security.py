"""SECMP0002: the reset is a critical command. Unsigned, wrongly signed, sent by a remote party
whose role may not run it (Network Operator) or replayed with an old originator counter, it is
rejected and nothing changes. An accepted reset's response echoes the command's originator
counter and carries a valid signature; every MACed response's MAC verifies."""

from __future__ import annotations

from typing import Any

import pytest

from harness.checks_debt import failure_text, security_problems

from ._support import (
    DEBT_REGISTERS,
    R_ACCESS,
    R_RESPONSE,
    RESET_TEST_MARKS,
    DebtMeter,
    assert_executed,
    assert_rejected,
    assert_reset_done,
)

pytestmark = RESET_TEST_MARKS
REGISTER = "PDR"
ATTACKS: dict[str, dict[str, Any]] = {
    "unsigned": {"tamper": "unsigned"},
    "bad_signature": {"tamper": "bad_signature"},
    "network_operator": {"originator": "network_operator"},
}


@pytest.mark.requirement(R_ACCESS)
@pytest.mark.severity("S1")
@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_unauthorised_reset_is_rejected(meter: DebtMeter, attack: str) -> None:
    before = meter.prepare(R_ACCESS)
    exchange = meter.reset(REGISTER, **ATTACKS[attack])
    after = meter.read(R_ACCESS)
    what = f"{meter.reset_use_case} reset {REGISTER} {attack.replace('_', ' ')}"
    assert_rejected(R_ACCESS, what, before, after, exchange)


@pytest.mark.requirement(R_ACCESS)
@pytest.mark.severity("S1")
def test_replayed_reset_is_rejected(meter: DebtMeter) -> None:
    """A reset accepted once, the register raised again, then a reset with the first reset's
    (now old) originator counter: rejected, the register keeps its new value."""
    meter.prepare(R_ACCESS)
    first = meter.reset(REGISTER)
    assert_executed(R_ACCESS, first, meter.read(R_ACCESS))
    before = meter.prepare(R_ACCESS)
    old = first.command.originator_counter
    replay = meter.reset(REGISTER, counter=old)
    after = meter.read(R_ACCESS)
    what = f"{meter.reset_use_case} reset {REGISTER} replayed with old originator counter {old}"
    assert_rejected(R_ACCESS, what, before, after, first, replay)


@pytest.mark.requirement(R_RESPONSE, R_ACCESS)
@pytest.mark.severity("S2")
@pytest.mark.parametrize("register", DEBT_REGISTERS)
def test_reset_response_echoes_counter_and_verifies(meter: DebtMeter, register: str) -> None:
    before = meter.prepare(R_RESPONSE)
    exchange = meter.reset(register)
    problems = security_problems(exchange, critical=True)
    if problems:
        raise AssertionError(failure_text(R_RESPONSE, f"{meter.reset_use_case} reset {register} response",
                                          problems, before, None, None, (exchange,)))
    assert_reset_done(meter, R_RESPONSE, register, before, exchange)
