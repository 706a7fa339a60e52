"""S1SR device-specific behaviours of the emulated meters (local time, whole pence, debt updates
only in prepayment mode), the restart-at control op, and the fault variants that show a behaviour
undeclared or hide a declared one (each named test is the observable change of one fault)."""

import datetime as dt

import pytest

from harness.emulators.clock import from_utctime

from .test_gpf_time import han_read

SUMMER = "2026-07-01T12:00:00+00:00"  # BST: UK local time is 13:00
WINTER = "2026-01-15T12:00:00+00:00"  # GMT: local time = UTC
METERS = [("ESME", "esme"), ("GSME", "gsme")]
CHANGE = {"ESME": "ECS07", "GSME": "GCS04"}


def _esme_stamp(client):
    return client.send("ECS19", "ESME").ok().date_time.to_datetime()


def _gsme_stamp(client):
    client.control("push")
    return from_utctime(han_read(client)[0x0007].value)


def _stamp(client, role):
    return _esme_stamp(client) if role == "ESME" else _gsme_stamp(client)


def _client(make_client, role, fault=None, **cfg):
    settings = dict(cfg)
    if fault:
        settings["faults"] = [fault]
    return make_client({role: settings})


def test_restart_at_moves_the_virtual_clock_and_resets_state(client):
    client.control("set_state", device="esme", values={"TDR1": 7})
    reply = client.control("restart_at", time=SUMMER)
    assert reply["now"] == SUMMER
    assert client.control("now")["now"] == SUMMER
    assert client.state("esme")["debt"]["TDR1"] != 7
    with pytest.raises(ValueError):
        client.control("restart_at")


@pytest.mark.parametrize("role,fuel", METERS)
@pytest.mark.parametrize("when,local_hour", [(SUMMER, 13), (WINTER, 12)])
def test_local_time_meter_stamps_uk_wall_clock(make_client, role, fuel, when, local_hour):
    client = _client(make_client, role, local_time_instead_of_utc=True)
    client.control("restart_at", time=when)
    assert _stamp(client, role).hour == local_hour
    utc = _client(make_client, role)
    utc.control("restart_at", time=when)
    assert _stamp(utc, role).hour == 12


@pytest.mark.parametrize("role,fuel", METERS)
def test_meter_local_time_undeclared(make_client, role, fuel):
    client = _client(make_client, role, "meter_local_time_undeclared")
    client.control("restart_at", time=SUMMER)
    assert _stamp(client, role).hour == 13


@pytest.mark.parametrize("role,fuel", METERS)
def test_meter_utc_despite_local_time(make_client, role, fuel):
    client = _client(make_client, role, "meter_utc_despite_local_time", local_time_instead_of_utc=True)
    client.control("restart_at", time=SUMMER)
    assert _stamp(client, role).hour == 12


def _change_tdr1(client, role, fuel, amount):
    before = client.state(fuel)["debt"]["TDR1"]
    reply = client.send(CHANGE[role], role, tdr1=amount)
    return reply, client.state(fuel)["debt"]["TDR1"] - before


@pytest.mark.parametrize("role,fuel", METERS)
def test_whole_pence_meter_applies_whole_pence(make_client, role, fuel):
    client = _client(make_client, role, debt_amount_unit="whole_pence")
    assert _change_tdr1(client, role, fuel, 2_999)[1] == 2_000
    assert _change_tdr1(client, role, fuel, -1_500)[1] == -1_000
    assert _change_tdr1(client, role, fuel, 4_000)[1] == 4_000
    exact = _client(make_client, role)
    assert _change_tdr1(exact, role, fuel, 2_999)[1] == 2_999


@pytest.mark.parametrize("role,fuel", METERS)
def test_debt_amount_whole_pence_undeclared(make_client, role, fuel):
    client = _client(make_client, role, "debt_amount_whole_pence_undeclared")
    assert _change_tdr1(client, role, fuel, 1_234)[1] == 1_000


@pytest.mark.parametrize("role,fuel", METERS)
def test_debt_amount_millipence_despite_whole_pence(make_client, role, fuel):
    client = _client(make_client, role, "debt_amount_millipence_despite_whole_pence", debt_amount_unit="whole_pence")
    assert _change_tdr1(client, role, fuel, 1_234)[1] == 1_234


@pytest.mark.parametrize("role,fuel", METERS)
def test_prepayment_only_meter_refuses_change_debt_in_credit(make_client, role, fuel):
    client = _client(make_client, role, debt_update_modes=["prepayment"], payment_mode="credit")
    reply, delta = _change_tdr1(client, role, fuel, 1_000)
    assert not reply.ok().success and delta == 0
    client.control("set_state", device=fuel, values={"payment_mode": "prepayment"})
    reply, delta = _change_tdr1(client, role, fuel, 1_000)
    assert reply.ok().success and delta == 1_000


@pytest.mark.parametrize("role,fuel", METERS)
def test_debt_update_refused_in_credit(make_client, role, fuel):
    client = _client(make_client, role, "debt_update_refused_in_credit", payment_mode="credit")
    reply, delta = _change_tdr1(client, role, fuel, 1_000)
    assert not reply.ok().success and delta == 0
    # the reset (SECMP0002) is not what the fault changes
    assert client.send(CHANGE[role] + "r", role, register="TDR2").ok().success


@pytest.mark.parametrize("role,fuel", METERS)
def test_debt_update_accepted_in_credit(make_client, role, fuel):
    client = _client(make_client, role, "debt_update_accepted_in_credit", debt_update_modes=["prepayment"],
                     payment_mode="credit")
    reply, delta = _change_tdr1(client, role, fuel, 1_000)
    assert reply.ok().success and delta == 1_000


def test_stamps_are_utc_fields_of_the_wall_clock_across_the_autumn_change(make_client):
    """01:30 local happens twice on 2026-10-25: at 00:30 UTC (BST) and 01:30 UTC (GMT)."""
    client = _client(make_client, "ESME", local_time_instead_of_utc=True)
    client.control("restart_at", time="2026-10-25T00:30:00+00:00")
    first = _esme_stamp(client)
    client.control("advance", seconds=3600)
    second = _esme_stamp(client)
    assert first == second == dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.timezone.utc)
