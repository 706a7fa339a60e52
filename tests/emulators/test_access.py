"""Command acceptance: MAC, signature, role, replay; rejections are alerts and change nothing."""

import pytest

from harness.emulators.access import (
    ALERT_MAC_INVALID,
    ALERT_REPLAY,
    ALERT_ROLE_NOT_AUTHORISED,
    ALERT_SIGNATURE_INVALID,
)
from harness.gbcs.security import verify_signature

from .conftest import Client, make_host


def assert_rejected(client, reply, code, fuel="esme"):
    """Refused with a critical alert (0x8F..): a Generic Critical Alert 0x1000, signed by the
    device (the RTDS GCA 0x8F30 shape), whatever the payload family."""
    assert reply.response is None and reply.is_alert, reply.frames
    assert reply.alert_code == code
    assert reply.message.originator == reply.command.recipient
    assert reply.message.message_code == 0x1000 and reply.message.mac is None
    assert verify_signature(reply.message, client.keystore) == "valid"


@pytest.mark.parametrize("tamper,code", [("unsigned", ALERT_SIGNATURE_INVALID),
                                         ("bad_signature", ALERT_SIGNATURE_INVALID),
                                         ("bad_mac", ALERT_MAC_INVALID)])
@pytest.mark.parametrize("uc,to,fuel", [("ECS07r", "ESME", "esme"), ("GCS04r", "GSME", "gsme")])
def test_tampered_resets_are_rejected_with_an_alert(client, tamper, code, uc, to, fuel):
    before = client.state(fuel)["debt"]
    reply = client.send(uc, to, register="TDR1", tamper=tamper)
    assert_rejected(client, reply, code)
    assert client.state(fuel)["debt"] == before


def test_network_operator_may_read_but_not_reset(client):
    assert client.send("ECS82", "ESME", originator="network_operator").ok().values["meter_balance"] == 250_000
    reply = client.send("ECS07r", "ESME", originator="network_operator", register="PDR")
    assert_rejected(client, reply, ALERT_ROLE_NOT_AUTHORISED)
    assert client.state("esme")["debt"]["PDR"] == 46_000


def test_access_table_is_overridable(make_client):
    client = make_client(access={"ECS07r": ["Supplier", "Network Operator"]})
    assert client.send("ECS07r", "ESME", originator="network_operator", register="PDR").ok().success


@pytest.mark.parametrize("uc,to,fuel", [("ECS07r", "ESME", "esme"), ("GCS04r", "GSME", "gsme")])
def test_replayed_counter_is_rejected(client, uc, to, fuel):
    assert client.send(uc, to, register="TDR1", counter=5000).ok().success
    client.control("set_state", device=fuel, values={"TDR1": 42})
    for counter in (5000, 4999):
        assert_rejected(client, client.send(uc, to, register="TDR1", counter=counter), ALERT_REPLAY)
    assert client.state(fuel)["debt"]["TDR1"] == 42
    assert client.send(uc, to, register="TDR1", counter=5001).ok().success


def test_reads_are_not_replay_checked_and_echo_the_counter(client):
    for _ in range(2):
        reply = client.send("GCS13a", "GPF", counter=77)
        assert reply.ok().originator_counter == 77


def test_counters_survive_a_host_restart(tmp_path):
    first = Client(make_host(state_dir=str(tmp_path)))
    assert first.send("ECS07r", "ESME", register="TDR1", counter=9000).ok().success
    second = Client(make_host(state_dir=str(tmp_path)))
    assert_rejected(second, second.send("ECS07r", "ESME", register="TDR1", counter=9000), ALERT_REPLAY)
    assert second.state("esme")["debt"]["TDR1"] == 203_000
    assert (tmp_path / "counters.json").exists()


def test_control_reset_restores_state_but_keeps_counters(client):
    assert client.send("GCS04r", "GSME", register="PDR", counter=6000).ok().success
    client.control("reset")
    assert client.state("gsme")["debt"]["PDR"] == 5000
    assert_rejected(client, client.send("GCS04r", "GSME", register="PDR", counter=6000), ALERT_REPLAY)


def test_responses_are_macd_or_signed_by_the_device(client):
    read = client.send("GCS13a", "GPF").ok()
    assert read.mac.value == "valid" and read.message.mac is not None
    reset = client.send("ECS07r", "ESME", register="TDR2").ok()
    assert reset.signature.value == "valid" and reset.message.mac is None


def test_counter_store_takes_any_first_counter_and_then_only_greater_ones(tmp_path):
    """Per remote party: nothing accepted yet is below every legal counter (0 included); a
    store in a state folder that does not exist yet creates it, and a new store reads it back."""
    from harness.emulators.access import CounterStore

    device, party = bytes.fromhex("00DB1234567890A1"), bytes.fromhex("90B3D51F30010000")
    store = CounterStore(tmp_path / "state" / "bench")
    assert store.last(device, party) < 0
    store.accept(device, party, 0)
    assert store.last(device, party) == 0
    store.accept(device, party, 1)
    assert CounterStore(tmp_path / "state" / "bench").last(device, party) == 1
