"""One test per fault variant: the observable change against the compliant behaviour."""


import pytest

from harness.emulators.access import ALERT_REPLAY
from harness.emulators.clock import INVALID_UTC_TIME, to_utctime
from harness.faults import FAULTS, check_faults
from harness.gbcs.security import verify_mac

from .test_gpf_time import T0, han_read


def faulty(make_client, role, fault, **extra):
    return make_client({role: {"faults": [fault], **extra}})


# Faults whose observable change is the ClockStatus byte of one GPF response: fault -> (extra
# device settings, push a GSME snapshot first, use case, ClockStatus the fault gives). The
# compliant emulator gives the byte in the comment.
CLOCK_STATUS_FAULTS = {
    "gpf_own_time_despite_snapshot": ({}, True, "GCS13a", 0x02),  # 0x04 from GSME reliable
    "bit2_never_set": ({}, True, "GCS14", 0x00),  # 0x04 from GSME reliable
    "bit2_set_on_gpf_time": ({}, False, "GCS13b", 0x06),  # 0x02 from GPF unreliable
    "reliability_bit_wrong": ({}, True, "GCS13c", 0x06),  # 0x04 from GSME reliable
    "invalid_clock_reported_reliable": ({"ch_clock": "invalid"}, False, "GCS60a", 0x00),  # 0x01 invalid
}


@pytest.mark.parametrize("fault", list(CLOCK_STATUS_FAULTS))
def test_clock_status_fault(make_client, fault):
    extra, push, use_case, status = CLOCK_STATUS_FAULTS[fault]
    client = faulty(make_client, "GPF", fault, **extra)
    if push:
        client.control("push")
    assert client.send(use_case, "GPF").ok().clock_status.raw == status


def test_snapshot_not_updated(make_client):
    client = faulty(make_client, "GPF", "snapshot_not_updated")
    client.control("push")
    client.control("advance", seconds=1800)
    assert client.send("GCS13a", "GPF").ok().date_time.to_datetime() == T0


def test_snapshot_zero_default(make_client):
    client = faulty(make_client, "GPF", "snapshot_zero_default")
    assert han_read(client)[0x0007].value == 0
    resp = client.send("GCS13a", "GPF").ok()
    assert resp.clock_status.raw == 0x04 and resp.date_time.year == 2000


def test_old_gpf_returns_value(make_client):
    client = faulty(make_client, "GPF", "old_gpf_returns_value", secmp0015=False)
    rec = han_read(client)[0x0007]
    assert rec.status == 0x00 and rec.value == INVALID_UTC_TIME


def test_gcs60a_without_date_time(make_client):
    client = faulty(make_client, "GPF", "gcs60a_without_date_time")
    assert client.send("GCS60a", "GPF").ok().date_time is None


def test_gsme_snapshot_intermittent(make_client):
    client = faulty(make_client, "GSME", "gsme_snapshot_intermittent")
    client.control("push")  # push 1 reports the time
    client.control("advance", seconds=1800)  # push 2 does not: values newer than the stamp
    recs = han_read(client, (0x0000, 0x0007))
    assert recs[0x0007].value == to_utctime(T0)
    assert recs[0x0000].value == client.state("gsme")["registers"]["CurrentSummationDelivered"]


@pytest.mark.parametrize("role,uc,fuel", [("GSME", "GCS04r", "gsme"), ("ESME", "ECS07r", "esme")])
def test_reset_clears_all(make_client, role, uc, fuel):
    client = faulty(make_client, role, "reset_clears_all")
    client.send(uc, role, register="PDR").ok()
    assert client.state(fuel)["debt"] == {"TDR1": 0, "TDR2": 0, "PDR": 0}


@pytest.mark.parametrize("role,uc,fuel", [("GSME", "GCS04r", "gsme"), ("ESME", "ECS07r", "esme")])
def test_reset_clears_wrong_register(make_client, role, uc, fuel):
    client = faulty(make_client, role, "reset_clears_wrong_register")
    before = client.state(fuel)["debt"]
    client.send(uc, role, register="TDR1").ok()
    after = client.state(fuel)["debt"]
    assert after["TDR1"] == before["TDR1"] and after["TDR2"] == 0


@pytest.mark.parametrize("role,uc,fuel", [("GSME", "GCS04r", "gsme"), ("ESME", "ECS07r", "esme")])
def test_reset_half_applied_on_error(make_client, role, uc, fuel):
    client = faulty(make_client, role, "reset_half_applied_on_error")
    before = client.state(fuel)["debt"]["PDR"]
    client.control("inject", what="power_loss", device=fuel)
    assert not client.send(uc, role, register="PDR").ok().success
    assert client.state(fuel)["debt"]["PDR"] == before // 2


@pytest.mark.parametrize("role,uc,fuel", [("GSME", "GCS04r", "gsme"), ("ESME", "ECS07r", "esme")])
def test_reset_replay_accepted(make_client, role, uc, fuel):
    client = faulty(make_client, role, "reset_replay_accepted")
    client.send(uc, role, register="TDR1", counter=100).ok()
    client.control("set_state", device=fuel, values={"TDR1": 5})
    reply = client.send(uc, role, register="TDR1", counter=100)
    assert reply.response is not None and reply.response.success
    assert client.state(fuel)["debt"]["TDR1"] == 0
    assert not reply.is_alert or reply.alert_code != ALERT_REPLAY


def test_bad_signature_accepted(make_client):
    client = faulty(make_client, "ESME", "bad_signature_accepted")
    assert client.send("ECS07r", "ESME", register="TDR2", tamper="bad_signature").ok().success
    assert client.state("esme")["debt"]["TDR2"] == 0


def test_response_counter_not_echoed(make_client):
    client = faulty(make_client, "GPF", "response_counter_not_echoed")
    assert client.send("GCS13a", "GPF", counter=500).ok().originator_counter == 501


def test_wrong_mac(make_client):
    client = faulty(make_client, "ESME", "wrong_mac")
    resp = client.send("ECS82", "ESME").ok()
    assert resp.mac.value == "invalid"
    assert verify_mac(resp.message, client.keystore) == "invalid"


@pytest.mark.parametrize("role,uc,fuel,balance", [("GSME", "GCS04r", "gsme", "CreditRemaining"),
                                                  ("ESME", "ECS07r", "esme", "meter_balance")])
def test_reset_changes_balance(make_client, role, uc, fuel, balance):
    client = faulty(make_client, role, "reset_changes_balance")
    before = client.state(fuel)["registers"][balance]
    client.send(uc, role, register="PDR").ok()
    assert client.state(fuel)["registers"][balance] != before


def test_old_gpf_answers_gcs60a(make_client):
    compliant = make_client({"GPF": {"secmp0015": False}})
    refused = compliant.send("GCS60a", "GPF")
    assert refused.response is None and refused.is_alert
    client = faulty(make_client, "GPF", "old_gpf_answers_gcs60a", secmp0015=False)
    assert client.send("GCS60a", "GPF").ok().date_time is not None


def test_snapshot_stamped_at_receipt(make_client):
    client = make_client({"GPF": {"faults": ["snapshot_stamped_at_receipt"]}, "GSME": {"clock_offset_s": -90}})
    client.control("push")
    resp = client.send("GCS13a", "GPF").ok()
    assert resp.clock_status.raw == 0x04 and resp.date_time.to_datetime() == T0  # the CH time, not T0 - 90 s


def test_invalid_gsme_time_used(make_client):
    client = make_client({"GPF": {"faults": ["invalid_gsme_time_used"]}, "GSME": {"gsme_clock": "invalid"}})
    client.control("push")
    resp = client.send("GCS14", "GPF").ok()
    assert resp.clock_status.raw == 0x04 and resp.date_time.year == 2136


def test_own_time_marked_reliable(make_client):
    client = faulty(make_client, "GPF", "own_time_marked_reliable")
    assert client.send("GCS13a", "GPF").ok().clock_status.raw == 0x00  # compliant: 0x02


def test_gsme_eui_status_unspecified(make_client):
    client = faulty(make_client, "GPF", "gsme_eui_status_unspecified")
    client.control("push")
    assert client.send("GCS13a", "GPF").ok().clock_status.raw == 0x04
    assert client.send("GCS13a", "GSME").ok().clock_status.raw == 0xFF


@pytest.mark.parametrize("role,uc,fuel", [("GSME", "GCS04r", "gsme"), ("ESME", "ECS07r", "esme")])
def test_replay_equal_counter_accepted(make_client, role, uc, fuel):
    client = faulty(make_client, role, "replay_equal_counter_accepted")
    client.send(uc, role, register="TDR1", counter=100).ok()
    assert client.send(uc, role, register="TDR1", counter=100).ok().success
    assert client.send(uc, role, register="TDR1", counter=99).is_alert


@pytest.mark.parametrize("role,uc,change,fuel", [("GSME", "GCS04r", "GCS04", "gsme"),
                                                 ("ESME", "ECS07r", "ECS07", "esme")])
def test_replay_counter_per_use_case(make_client, role, uc, change, fuel):
    client = faulty(make_client, role, "replay_counter_per_use_case")
    client.send(change, role, tdr1=5, counter=500).ok()
    assert client.send(uc, role, register="TDR1", counter=400).ok().success  # per party: refused
    compliant = make_client()
    compliant.send(change, role, tdr1=5, counter=500).ok()
    assert compliant.send(uc, role, register="TDR1", counter=400).is_alert


def test_foreign_signature_accepted(make_client):
    compliant = make_client()
    assert compliant.send("ECS07r", "ESME", register="TDR2", tamper="foreign_signature").is_alert
    client = faulty(make_client, "ESME", "foreign_signature_accepted")
    assert client.send("ECS07r", "ESME", register="TDR2", tamper="foreign_signature").ok().success


@pytest.mark.parametrize("originator", ["network_operator", "acb"])
def test_role_not_checked(make_client, originator):
    compliant = make_client()
    assert compliant.send("GCS04r", "GSME", register="PDR", originator=originator).is_alert
    client = faulty(make_client, "GSME", "role_not_checked")
    assert client.send("GCS04r", "GSME", register="PDR", originator=originator).ok().success


def test_any_supplier_accepted(make_client):
    compliant = make_client()
    reply = compliant.send("ECS07r", "ESME", register="PDR", originator="second_supplier")
    assert reply.is_alert and reply.alert_code == 0x8F30
    client = faulty(make_client, "ESME", "any_supplier_accepted")
    assert client.send("ECS07r", "ESME", register="PDR", originator="second_supplier").ok().success


def test_command_mac_not_checked(make_client):
    assert make_client().send("GCS04r", "GSME", register="PDR", tamper="bad_mac").is_alert
    client = faulty(make_client, "GSME", "command_mac_not_checked")
    assert client.send("GCS04r", "GSME", register="PDR", tamper="bad_mac").ok().success


def test_refusal_alert_non_critical(make_client):
    client = faulty(make_client, "ESME", "refusal_alert_non_critical")
    reply = client.send("ECS07r", "ESME", register="PDR", tamper="unsigned")
    assert reply.alert_code == 0x8F3D and reply.message.message_code == 0x1001 and reply.message.mac


def test_refusal_alert_code_wrong(make_client):
    client = faulty(make_client, "ESME", "refusal_alert_code_wrong")
    assert client.send("ECS07r", "ESME", register="PDR", originator="network_operator").alert_code == 0x8F3D


@pytest.mark.parametrize("role,uc,fuel", [("GSME", "GCS04r", "gsme"), ("ESME", "ECS07r", "esme")])
def test_reset_reverts_on_wake(make_client, role, uc, fuel):
    for faults, expect_back in (([], False), (["reset_reverts_on_wake"], True)):
        client = make_client({role: {"faults": faults}})
        before = client.state(fuel)["debt"]["PDR"]
        client.send(uc, role, register="PDR").ok()
        client.control("restart", device=fuel)
        assert client.state(fuel)["debt"]["PDR"] == 0
        client.control("advance", seconds=3700)
        assert client.state(fuel)["debt"]["PDR"] == (before if expect_back else 0)


@pytest.mark.parametrize("role,uc,fuel", [("GSME", "GCS04r", "gsme"), ("ESME", "ECS07r", "esme")])
def test_reset_lost_on_restart(make_client, role, uc, fuel):
    for faults, expect_back in (([], False), (["reset_lost_on_restart"], True)):
        client = make_client({role: {"faults": faults}})
        before = client.state(fuel)["debt"]["TDR2"]
        client.send(uc, role, register="TDR2").ok()
        client.control("advance", seconds=3700)
        assert client.state(fuel)["debt"]["TDR2"] == 0
        client.control("restart", device=fuel)
        assert client.state(fuel)["debt"]["TDR2"] == (before if expect_back else 0)


def test_every_fault_has_a_test_and_a_valid_table_entry():
    from . import test_dp093_chf, test_s1sr_behaviours  # the S1SR and DP093 faults are tested there

    names = {name.removeprefix("test_") for name in [*globals(), *vars(test_s1sr_behaviours), *vars(test_dp093_chf)]
             if name.startswith("test_")}
    assert set(FAULTS) <= names | set(CLOCK_STATUS_FAULTS)
    for fault in FAULTS.values():
        assert fault.description and fault.breaks and fault.role in ("CHF", "GPF", "GSME", "ESME", "meter", "any")
    with pytest.raises(ValueError):
        check_faults(["reset_clears_all"], "GPF")
    with pytest.raises(ValueError):
        check_faults(["no_such_fault"], "GSME")


