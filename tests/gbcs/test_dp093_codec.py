"""DP093 in the codec: CCS01/CCS02/CCS07 and the Set Clock alert 0x81C6 build, parse and read back,
and `harness decode` names them (use case, alert code and its name)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.cli import main
from harness.gbcs import devicelog
from harness.gbcs.catalogue import CATALOGUE
from harness.gbcs.datetime import ClockStatus, DateTime
from harness.gbcs.devicelog import DeviceLogs, LogEntry

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from emulators.conftest import Client, make_host  # noqa: E402

IHD = bytes.fromhex("00DB12345678E0A5")
WHEN = DateTime.from_datetime(__import__("datetime").datetime(2026, 3, 29, 1, 30), ClockStatus(0x00))


def test_catalogue_knows_the_device_log_use_cases() -> None:
    assert CATALOGUE.by_id("CCS07").message_code == 0x00FE and CATALOGUE.by_id("CCS07").provisional
    assert CATALOGUE.by_id("CCS01").message_code == 0x0001 and CATALOGUE.by_id("CCS02").message_code == 0x0002
    assert all(CATALOGUE.by_id(u).target == "CHF" for u in devicelog.DEVICE_LOG_USE_CASES)


def test_ccs07_response_round_trip() -> None:
    logs = DeviceLogs([LogEntry(IHD, bytes(range(16))), LogEntry(bytes(8))], [LogEntry(bytes.fromhex("00DB12345678E0A6"),
                                                                                     bytes(16))],
                      bytes.fromhex("0102030405060708"), WHEN)
    request = devicelog.parse_command("CCS07", devicelog.build_command("CCS07", 9))
    assert request["logs"] == [devicelog.DEVICE_LOG_OBJECT, devicelog.HISTORIC_DEVICE_LOG_OBJECT]
    back, results = devicelog.read_logs(devicelog.build_response("CCS07", request, logs=logs))
    assert results == [0, 0] and back.active == logs.active and back.historic == logs.historic
    assert back.han_id == logs.han_id and back.read_date_time == WHEN


def test_ccs01_carries_device_install_code_and_type() -> None:
    content = devicelog.build_command("CCS01", 3, eui=IHD, install_code=bytes(range(16)), device_type="IHD",
                                      join_timeout=600)
    request = devicelog.parse_command("CCS01", content)
    assert (request["eui"], request["install_code"], request["device_type"], request["join_timeout"]) == \
        (IHD, bytes(range(16)), 128, 600)
    with pytest.raises(Exception, match="16 octets"):
        devicelog.build_command("CCS01", 3, eui=IHD, install_code=b"short")


def test_set_clock_alert_body() -> None:
    body = devicelog.read_dlms_alert(devicelog.build_set_clock_alert(7, WHEN, IHD))
    assert (body.code, body.date_time, body.device) == (0x81C6, WHEN, IHD)


def _emulated_traffic() -> tuple[bytes, bytes]:
    client = Client(make_host())
    client.control("set_state", device="gsme", values={"clock_offset_s": 3600})
    from harness.transport.framing import Frame

    alert = client.host.handle(Frame.control({"op": "push"}))[1].data
    reply = client.send("CCS07", "CHF", originator="acb")
    return alert, reply.frames[0].data


def test_harness_decode_names_the_alert_and_the_device_log_read(capsys: pytest.CaptureFixture[str]) -> None:
    alert, ccs07 = _emulated_traffic()
    assert main(["decode", "--hex", alert.hex()]) == 0
    text = capsys.readouterr().out
    assert "alert_code: 0x81C6" in text and "Set Clock alert" in text
    assert main(["decode", "--hex", ccs07.hex()]) == 0
    text = capsys.readouterr().out
    assert "CCS07 Read CHF Device Logs" in text and "historic_device_log" in text and IHD.hex().upper() in text
