"""DP093 on the emulated CHF: the device logs (CCS07 read, CCS02 removal into the historic log,
CCS01 restore with the historic key) and the Set Clock alert 0x81C6 at a HAN device's time sync;
one test per DP093 fault variant (its observable change)."""

import pytest

from harness.gbcs.devicelog import SET_CLOCK_ALERT, SET_CLOCK_ALERT_MESSAGE_CODE, read_dlms_alert
from harness.gbcs.frame import Cra, parse_message
from harness.gbcs.security import verify_mac
from harness.transport.framing import Frame, FrameKind

IHD = bytes.fromhex("00DB12345678E0A5")
GSME = bytes.fromhex("00DB12345678E0A1")


def _logs(client):
    return client.send("CCS07", "CHF", originator="acb").ok().values


def _entry(values, eui, which="device_log"):
    return next((e for e in values[which] if e["eui"] == eui.hex().upper()), None)


def _push(client):
    return client.host.handle(Frame.control({"op": "push"}))


def test_device_log_read_remove_restore(client):
    before = _logs(client)
    assert {e["eui"] for e in before["device_log"]} == {"00DB12345678E0A3", "00DB12345678E0A1", "00DB12345678E0A0",
                                                         "00DB12345678E0A5"}
    assert _entry(before, bytes.fromhex("00DB12345678E0A3"))["hashed_tc_link_key"] == ""  # the GPF
    key = _entry(before, IHD)["hashed_tc_link_key"]
    assert len(bytes.fromhex(key)) == 16 and before["historic_device_log"] == []
    assert client.send("CCS02", "CHF", originator="acb", eui=IHD).ok().success
    removed = _logs(client)
    assert _entry(removed, IHD) is None and _entry(removed, IHD, "historic_device_log")["hashed_tc_link_key"] == key
    assert client.send("CCS01", "CHF", originator="acb", eui=IHD, install_code=bytes(range(16, 32))).ok().success
    assert _entry(_logs(client), IHD)["hashed_tc_link_key"] == key
    events = [e["what"] for e in client.state("chf")["events"]]
    assert events == ["device_removed", "device_restored"]


def test_unknown_device_is_added_without_a_key_and_removal_of_an_absent_one_fails(client):
    stranger = bytes.fromhex("00DB12345678E0FF")
    assert client.send("CCS01", "CHF", originator="acb", eui=stranger).ok().success
    assert _entry(_logs(client), stranger)["hashed_tc_link_key"] == ""
    assert not client.send("CCS02", "CHF", originator="acb", eui=bytes(8)).ok().success


def test_device_log_use_cases_are_for_the_acb_only(client):
    reply = client.send("CCS07", "CHF")  # as the Supplier
    assert reply.is_alert and reply.response is None


def test_set_clock_alert_on_a_han_clock_outside_tolerance(client):
    assert [f.kind for f in _push(client)] == [FrameKind.CONTROL]  # in step: no alert
    client.control("set_state", device="gsme", values={"clock_offset_s": 11})
    frames = _push(client)
    assert [f.kind for f in frames] == [FrameKind.CONTROL, FrameKind.GBCS]
    msg = parse_message(frames[1].data)
    assert msg.cra is Cra.ALERT and msg.message_code == SET_CLOCK_ALERT_MESSAGE_CODE
    assert msg.originator == bytes.fromhex("00DB12345678E0A2") and verify_mac(msg, client.keystore) == "valid"
    body = read_dlms_alert(msg.content)
    assert body.code == SET_CLOCK_ALERT and body.device == GSME
    assert client.state("chf")["events"][-1]["what"] == "set_clock_not_adjusted"


def test_tolerance_is_a_chf_setting(make_client):
    client = make_client({"CHF": {"han_clock_tolerance_s": 60}})
    client.control("set_state", device="gsme", values={"clock_offset_s": 30})
    assert len(_push(client)) == 1


def test_set_clock_alert_missing(make_client):
    client = make_client({"CHF": {"faults": ["set_clock_alert_missing"]}})
    client.control("set_state", device="gsme", values={"clock_offset_s": 7200})
    assert len(_push(client)) == 1


def test_set_clock_alert_in_tolerance(make_client):
    client = make_client({"CHF": {"faults": ["set_clock_alert_in_tolerance"]}})
    assert len(_push(client)) == 2


def test_device_log_missing_keys(make_client):
    client = make_client({"CHF": {"faults": ["device_log_missing_keys"]}})
    assert {e["hashed_tc_link_key"] for e in _logs(client)["device_log"]} == {""}


def test_device_log_removal_not_historic(make_client):
    client = make_client({"CHF": {"faults": ["device_log_removal_not_historic"]}})
    client.send("CCS02", "CHF", originator="acb", eui=IHD).ok()
    assert _logs(client)["historic_device_log"] == []


def test_device_log_restore_new_key(make_client):
    client = make_client({"CHF": {"faults": ["device_log_restore_new_key"]}})
    key = _entry(_logs(client), IHD)["hashed_tc_link_key"]
    client.send("CCS02", "CHF", originator="acb", eui=IHD).ok()
    client.send("CCS01", "CHF", originator="acb", eui=IHD, install_code=bytes(range(1, 17))).ok()
    assert _entry(_logs(client), IHD)["hashed_tc_link_key"] != key


@pytest.mark.parametrize("uc", ["CCS01", "CCS02", "CCS07"])
def test_device_log_commands_round_trip_through_the_codec(uc):
    from harness.gbcs import usecases

    content = usecases.build_command_content(uc, counter=5, eui=IHD, install_code=bytes(16))
    request = usecases.parse_command(uc, content)
    assert request["invoke_id"] & 0xFFFFFF == 5
    if uc != "CCS07":
        assert request["eui"] == IHD
