"""SECMP0002 resets on both fuels, atomicity, incremental debt, payment modes, recovery."""

import pytest

from harness.emulators.debt import UINT32_MAX, DebtLedger, DebtRefused

REGISTERS = ["TDR1", "TDR2", "PDR"]


def debt(client, fuel):
    return client.state(fuel)["debt"]


@pytest.mark.parametrize("register", REGISTERS)
def test_gsme_reset_zeroes_only_that_register_and_the_gpf_sees_it(client, register):
    client.control("set_state", device="gsme", values={"TDR1": 111, "TDR2": 222, "PDR": 333})
    before = client.state("gsme")["registers"]
    resp = client.send("GCS04r", "GSME", register=register).ok()
    assert resp.success and resp.signature.value == "valid"
    after = client.state("gsme")["registers"]
    expected = dict(before, **{ {"TDR1": "DebtAmount1", "TDR2": "DebtAmount2", "PDR": "DebtAmount3"}[register]: 0})
    assert {k: v for k, v in after.items() if k != "CurrentSummationDelivered"} == \
        {k: v for k, v in expected.items() if k != "CurrentSummationDelivered"}
    read = client.send("GCS14", "GPF").ok().debt
    assert read[register] == 0 and sum(read[r] for r in REGISTERS) == 666 - {"TDR1": 111, "TDR2": 222, "PDR": 333}[register]


@pytest.mark.parametrize("register", REGISTERS)
def test_esme_reset_zeroes_only_that_register(client, register):
    before = client.state("esme")["registers"]
    resp = client.send("ECS07r", "ESME", register=register).ok()
    assert resp.success
    assert client.state("esme")["registers"] == dict(before, **{register: 0})
    assert client.send("ECS19", "ESME").ok().debt[register] == 0


@pytest.mark.parametrize("fuel,uc,to", [("gsme", "GCS04r", "GSME"), ("esme", "ECS07r", "ESME")])
def test_power_loss_makes_the_next_reset_fail_and_change_nothing(client, fuel, uc, to):
    before = client.state(fuel)["registers"]
    client.control("inject", what="power_loss", device=fuel)
    resp = client.send(uc, to, register="TDR2").ok()
    assert not resp.success
    assert set(resp.statuses.values()) == {0xC0 if fuel == "gsme" else 0x01}
    after = client.state(fuel)["registers"]
    before.pop("CurrentSummationDelivered", None)
    after.pop("CurrentSummationDelivered", None)
    assert after == before
    assert client.send(uc, to, register="TDR2").ok().success  # only the next one fails
    assert debt(client, fuel)["TDR2"] == 0


def test_gcs04_incremental_change_and_refusal_in_credit_mode(make_client):
    client = make_client({"GSME": {"debt_update_modes": ["prepayment"]}})
    assert client.send("GCS04", "GSME", tdr1=1000, pdr=-500).ok().success
    assert debt(client, "gsme") == {"TDR1": 6000, "TDR2": 5000, "PDR": 4500}
    client.control("set_state", device="gsme", values={"payment_mode": "credit"})
    resp = client.send("GCS04", "GSME", tdr2=7).ok()
    assert not resp.success and debt(client, "gsme")["TDR2"] == 5000
    assert client.state("gsme")["events"][-1]["what"] == "change_debt_refused"


def test_ecs07_incremental_updates(client):
    assert client.send("ECS07", "ESME", tdr1=1000, tdr2=-3000, pdr=4).ok().success
    assert debt(client, "esme") == {"TDR1": 204_000, "TDR2": 240_000, "PDR": 46_004}


def test_debt_below_zero_is_refused(client):
    resp = client.send("ECS07", "ESME", pdr=-10**6).ok()
    assert not resp.success and debt(client, "esme")["PDR"] == 46_000


@pytest.mark.parametrize("fuel,uc,to", [("gsme", "GCS04r", "GSME"), ("esme", "ECS07r", "ESME")])
def test_time_based_recovery_and_a_reset_register_collects_nothing(client, fuel, uc, to):
    client.control("set_state", device=fuel, values={"TDR1": 1000, "TDR2": 1000, "debt_recovery": {
        "TDR1": {"amount": 10, "per": "hour"}, "TDR2": {"amount": 100, "per": "day"}}})
    assert client.send(uc, to, register="TDR1").ok().success
    client.control("advance", seconds=24 * 3600)
    assert debt(client, fuel)["TDR1"] == 0
    assert debt(client, fuel)["TDR2"] == 900  # one midnight collection


def test_gcs04_sets_the_recovery_rate_from_the_command(client):
    recovery = {"TDR1": {"debt_recovery_method": 0, "debt_recovery_frequency": 0, "debt_recovery_amount": 7}}
    assert client.send("GCS04", "GSME", tdr1=0, recovery=recovery).ok().success
    client.control("advance", seconds=3 * 3600)
    assert debt(client, "gsme")["TDR1"] == 5000 - 21


def test_the_suites_gcs04_set_up_stops_time_based_recovery(client):
    """The RTDS defaults recover from TDR2 every hour (a wall-clock bench crossing an hour between
    the suite's reads saw TDR2 move); the suite's set-up settings stop that."""
    from harness.suites.secmp0002 import SETUP_RECOVERY

    for recovery, drop in ((None, 2 * 50000), (SETUP_RECOVERY["GSME"], 0)):
        client.control("set_state", device="gsme", values={"TDR2": 500000})
        params = {"recovery": recovery} if recovery else {}
        assert client.send("GCS04", "GSME", tdr1=1, tdr2=1, **params).ok().success
        client.control("advance", seconds=2 * 3600)
        assert debt(client, "gsme")["TDR2"] == 500001 - drop


def test_the_suites_ecs07_set_up_stops_time_based_recovery(client):
    """An ESME recovering from TDR1/TDR2 every hour moves them across an hour boundary after a
    plain ECS07 (method-4 items only); the suite's ECS07 also sets and activates a unit charge of
    rate 0 on each, answered item by item (SET results for the SETs), and they hold still."""
    from harness.gbcs import dlms
    from harness.gbcs.usecases import parse_command
    from harness.suites.secmp0002 import SETUP_RECOVERY

    hourly = {"TDR1": {"amount": 10, "per": "hour"}, "TDR2": {"amount": 100, "per": "hour"}}
    for recovery, drop in ((None, {"TDR1": 20, "TDR2": 200}), (SETUP_RECOVERY["ESME"], {"TDR1": 0, "TDR2": 0})):
        client.control("set_state", device="esme", values={"TDR1": 5000, "TDR2": 5000, "debt_recovery": hourly})
        params = {"recovery": recovery} if recovery else {}
        reply = client.send("ECS07", "ESME", tdr1=1, tdr2=1, pdr=1, **params)
        assert reply.ok().success
        client.control("advance", seconds=2 * 3600)
        assert {r: debt(client, "esme")[r] for r in ("TDR1", "TDR2")} == \
            {r: 5001 - drop[r] for r in ("TDR1", "TDR2")}
    assert reply.message is not None
    apdu = dlms.parse_dlms(reply.message.content)
    assert isinstance(apdu, dlms.AccessResponse)
    kinds = [s["kind"] for s in parse_command("ECS07", reply.command.content)["specs"]]
    assert kinds == ["set", "set", "action", "action", "action", "action", "action"]
    assert apdu.results == [(dlms.SET if k == "set" else dlms.ACTION, 0) for k in kinds]
    assert client.state("esme")["debt_recovery"] == {"TDR1": {"amount": 0, "per": "hour"},
                                                     "TDR2": {"amount": 0, "per": "hour"}}


def test_commands_to_the_gsme_during_han_outage_get_no_answer(client):
    client.control("han_outage", active=True)
    reply = client.send("GCS04r", "GSME", register="PDR")
    assert reply.frames == [] and debt(client, "gsme")["PDR"] == 5000


@pytest.mark.parametrize("fuel,uc,read,to", [("gsme", "GCS04r", "GCS14", "GSME"), ("esme", "ECS07r", "ECS19", "ESME")])
def test_a_meter_without_supply_answers_nothing_and_boots_when_switched_on(make_client, fuel, uc, read, to):
    for faults, kept in (([], True), (["reset_lost_on_restart"], False)):
        client = make_client({to: {"faults": faults}})
        before = debt(client, fuel)["PDR"]
        client.send(uc, to, register="PDR").ok()
        assert client.control("supply", device=fuel, on=False)["restarted"] is False
        assert client.send(uc, to, register="TDR1").frames == []  # silent, and the command is lost
        assert debt(client, fuel)["TDR1"] != 0
        if fuel == "gsme":
            assert client.send(read, to).ok().success  # the GPF answers from its mirror
            assert client.control("push")["delivered"] is False
        else:
            assert client.send(read, to).frames == []
        assert client.control("supply", device=fuel, on=True)["restarted"] is True
        assert client.control("supply", device=fuel, on=True)["restarted"] is False  # already on: no boot
        assert debt(client, fuel)["PDR"] == (0 if kept else before)
        assert client.send(read, to).ok().success
        assert [e["what"] for e in client.state(fuel)["events"]][-2:] == ["power_off", "restart"]
    with pytest.raises(ValueError, match="supply applies to meters"):
        client.control("supply", device="gpf", on=False)
    with pytest.raises(ValueError, match="on must be bool"):
        client.control("supply", device="esme", on="off")


def _ledger(**values: int) -> DebtLedger:
    regs = {"tdr1": 0, "tdr2": 0, "pdr": 0, "balance": 1_000_000, **values}
    return DebtLedger(regs, {"TDR1": "tdr1", "TDR2": "tdr2", "PDR": "pdr"}, "balance")


def test_a_change_may_reach_the_uint32_limit_and_not_pass_it() -> None:
    assert UINT32_MAX == 2**32 - 1  # the ZCL/A-XDR unsigned 32-bit limit, not the module's say-so
    ledger = _ledger(pdr=UINT32_MAX - 5)
    ledger.adjust("PDR", 5)
    assert ledger.value("PDR") == UINT32_MAX
    with pytest.raises(DebtRefused):
        ledger.adjust("PDR", 1)
    assert ledger.value("PDR") == UINT32_MAX
    ledger.adjust("PDR", -UINT32_MAX)  # down to exactly zero: accepted
    assert ledger.value("PDR") == 0
    with pytest.raises(DebtRefused):
        ledger.adjust("PDR", -1)
    assert ledger.value("PDR") == 0


def test_recovery_daily_rates_collect_at_midnight_and_a_register_without_rate_stops_no_other() -> None:
    import datetime as dt

    ledger = _ledger(tdr1=1_000, tdr2=1_000)
    ledger.set_rate("TDR2", 7, "hour")  # TDR1 has no rate: TDR2 still collects
    day = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    assert ledger.collect(day.replace(hour=5), prepayment=False) == 7
    assert (ledger.value("TDR1"), ledger.value("TDR2")) == (1_000, 993)
    ledger.set_rate("TDR1", 11, "day")
    assert ledger.collect(day.replace(hour=1), prepayment=False) == 7  # daily: not at 01:00
    assert ledger.collect(day.replace(hour=0), prepayment=True) == 18  # at midnight both
    assert ledger.registers["balance"] == 1_000_000 - 18
    ledger.set_rate("TDR2", 1, "hour")  # the smallest rate still collects
    assert ledger.collect(day.replace(hour=3), prepayment=False) == 1
    ledger.set_rate("TDR1", 5, "week")  # no such period: ignored (TDR1 stays daily)
    ledger.set_rate("PDR", 5, "hour")  # PDR has no time-based recovery
    assert ledger.collect(day.replace(hour=4), prepayment=False) == 1
    ledger.set_rate("TDR2", 3, "".join(["d", "ay"]))  # a period as a profile or command spells it
    assert ledger.collect(day.replace(hour=4), prepayment=False) == 0
