"""SECMP0002: the reset is a critical command. Every way it can be illegitimate is refused and
changes nothing: unsigned, a corrupted signature, a corrupted MAC, no MAC at all (the signed
message without its General-Ciphering wrapper), a valid signature made with
another remote party's key (the Network Operator's on a Supplier command), a remote party whose
role may not run it (Network Operator, ACB), a supplier that is not the device's, and a replayed
originator counter (equal to the last accepted, below it, or between the last reset's and the
last accepted command's: the counter is kept per remote party, not per use case). Where the
device answers with an alert and GBCS names the code, the code and its alert class are checked
(0x8F3D Trusted Source Authentication Failure, 0x8F30 Source Does not have Authority for
Command; both critical: Generic Critical Alert 0x1000). An accepted reset's response echoes the
command's originator counter and carries a valid signature; every MACed response's MAC verifies.

Counters: gbcs-facts §6.2 reads GBCS as keeping, per remote party that may originate commands,
the highest accepted originator counter, and accepting only a strictly greater one; the RTDS
agrees (a command's grouping counter belongs to its remote party, one sequence across use cases).
So a device that keeps one counter per use case fails ``between``."""

from __future__ import annotations

from typing import Any

import pytest

from harness.gbcs.alerts import AUTHENTICATION_FAILURE, SOURCE_NOT_AUTHORISED
from harness.suites.secmp0002 import (
    CHANGE_USE_CASE,
    DEBT_REGISTERS,
    R_ACCESS,
    R_RESPONSE,
    assert_executed,
    assert_reset_done,
    assert_response_protected,
    assert_unauthorised_reset_refused,
)

from ._support import RESET_TEST_MARKS, DebtMeter

pytestmark = RESET_TEST_MARKS
REGISTER = "PDR"
#: attack -> (send parameters, the alert code GBCS names for the refusal)
ATTACKS: dict[str, tuple[dict[str, Any], int]] = {
    "unsigned": ({"tamper": "unsigned"}, AUTHENTICATION_FAILURE),
    "bad_signature": ({"tamper": "bad_signature"}, AUTHENTICATION_FAILURE),
    "bad_mac": ({"tamper": "bad_mac"}, AUTHENTICATION_FAILURE),
    "no_mac": ({"tamper": "no_mac"}, AUTHENTICATION_FAILURE),
    "network_operator_key": ({"tamper": "foreign_signature"}, AUTHENTICATION_FAILURE),
    "network_operator": ({"originator": "network_operator"}, SOURCE_NOT_AUTHORISED),
    "acb": ({"originator": "acb"}, SOURCE_NOT_AUTHORISED),
    "second_supplier": ({"originator": "second_supplier"}, SOURCE_NOT_AUTHORISED),
}


@pytest.mark.requirement(R_ACCESS)
@pytest.mark.severity("S1")
@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_unauthorised_reset_is_rejected(meter: DebtMeter, attack: str) -> None:
    params, alert = ATTACKS[attack]
    before = meter.prepare(R_ACCESS)
    exchange = meter.reset(REGISTER, **params)
    after = meter.read(R_ACCESS)
    what = f"{meter.reset_use_case} reset {REGISTER} {attack.replace('_', ' ')}"
    assert_unauthorised_reset_refused(what, before, after, exchange, alert=alert)


def _last_accepted(meter: DebtMeter) -> int:
    """The highest originator counter of a replay-protected command (change or reset) the meter
    executed in this test: the bench's last accepted counter as Supplier."""
    protected = (CHANGE_USE_CASE[meter.fuel], meter.reset_use_case)
    counters = [e.command.originator_counter for e in meter.exchanges
                if e.use_case in protected and e.response is not None and e.response.success]
    assert counters, f"{R_ACCESS}: set-up executed no replay-protected command"
    return max(counters)


@pytest.mark.requirement(R_ACCESS)
@pytest.mark.severity("S1")
@pytest.mark.parametrize("replay", ["equal", "below", "between"])
def test_replayed_reset_is_rejected(meter: DebtMeter, replay: str) -> None:
    """A reset accepted once, the registers raised again (Change Debt, a later counter), then a
    reset whose counter is not above the last accepted: ``equal`` to it, ``below`` the first
    reset's, or ``between`` the first reset's and the last accepted (above the last *reset*, so
    only a per-remote-party counter refuses it). Refused; the registers keep their values."""
    meter.prepare(R_ACCESS)
    first = meter.reset(REGISTER)
    assert_executed(R_ACCESS, first, meter.read(R_ACCESS))
    before = meter.prepare(R_ACCESS)
    reset_counter = first.command.originator_counter
    last = _last_accepted(meter)
    if replay == "equal":
        counter = last
    elif replay == "below":
        counter = reset_counter - 1
    else:
        assert last - reset_counter >= 2, f"{R_ACCESS}: no counter between {reset_counter} and {last}"
        counter = last - 1
    exchange = meter.reset(REGISTER, counter=counter)
    after = meter.read(R_ACCESS)
    what = (f"{meter.reset_use_case} reset {REGISTER} with originator counter {counter} ({replay}: last "
            f"accepted from this Supplier {last}, last reset {reset_counter})")
    assert_unauthorised_reset_refused(what, before, after, first, exchange)


@pytest.mark.requirement(R_RESPONSE, R_ACCESS)
@pytest.mark.severity("S2")
@pytest.mark.parametrize("register", DEBT_REGISTERS)
def test_reset_response_echoes_counter_and_verifies(meter: DebtMeter, register: str) -> None:
    before = meter.prepare(R_RESPONSE)
    exchange = meter.reset(register)
    assert_response_protected(R_RESPONSE, f"{meter.reset_use_case} reset {register} response", exchange,
                              critical=True, before=before)
    assert_reset_done(meter, R_RESPONSE, register, before, exchange)
