"""``harness devices`` and ``find_port`` with monkeypatched port and USB listings."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
import serial.tools.list_ports
import usb.core

from harness import cli
from harness.commands import devices
from harness.errors import PortVanished, TransportError


def port(path: str, vid: int | None, pid: int | None, serial_number: str | None = None,
         description: str = "n/a", product: str | None = None) -> Any:
    return SimpleNamespace(device=path, vid=vid, pid=pid, serial_number=serial_number, description=description,
                           manufacturer=None, product=product)


@pytest.fixture
def ports(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    listing: list[Any] = []
    monkeypatch.setattr(serial.tools.list_ports, "comports", lambda: list(listing))
    return listing


@pytest.fixture
def no_usb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(usb.core, "find", lambda **kw: iter(()))


def test_machine_without_usb_says_so(ports: list[Any], no_usb: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["devices"]) == 0
    out = capsys.readouterr().out
    assert "none found (no serial ports" in out
    assert "none found (no USB devices" in out
    assert "No ZigBee dongle found." in out


def test_missing_libusb_is_explained(ports: list[Any], monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    def no_backend(**kw: Any) -> Any:
        raise usb.core.NoBackendError("No backend available")

    monkeypatch.setattr(usb.core, "find", no_backend)
    assert cli.main(["devices"]) == 0
    assert "apt-get install libusb-1.0-0" in capsys.readouterr().out
    assert cli.main(["devices", "--json"]) == 0
    inv = json.loads(capsys.readouterr().out)
    assert inv["usb_devices"] == [] and "libusb" in inv["usb_error"]


def test_dongles_are_marked_and_disambiguated(ports: list[Any], no_usb: None,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    ports += [port("/dev/ttyUSB0", 0x10C4, 0xEA60, "a1", "Sonoff Zigbee 3.0 USB Dongle Plus"),
              port("/dev/ttyUSB1", 0x10C4, 0xEA60, "b2", "CP2102N USB to UART Bridge Controller"),
              port("/dev/ttyACM0", 0x1CF1, 0x0030, "DE1", "ConBee II"),
              port("/dev/ttyUSB2", 0x1A86, 0x55D4, "c3", "SONOFF Zigbee 3.0 USB Dongle Plus V2"),
              port("/dev/ttyS0", None, None)]
    assert cli.main(["devices", "--json"]) == 0
    inv = json.loads(capsys.readouterr().out)
    found = {d["where"]: (d["radio"], d["ambiguous"]) for d in inv["zigbee_dongles"]}
    assert found == {"/dev/ttyUSB0": ("znp", False), "/dev/ttyUSB1": ("ezsp", True),
                     "/dev/ttyACM0": ("deconz", False), "/dev/ttyUSB2": ("ezsp", False)}
    assert cli.main(["devices"]) == 0
    out = capsys.readouterr().out
    assert "/dev/ttyUSB0  10C4:EA60  serial a1" in out and "Sonoff ZBDongle-P" in out
    assert "(ambiguous id)" in out


def test_usb_devices_listed_with_strings(ports: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    dev = SimpleNamespace(idVendor=0x0451, idProduct=0x16A8, bus=1, address=4, iManufacturer=1, iProduct=2,
                          iSerialNumber=0)
    monkeypatch.setattr(usb.core, "find", lambda **kw: iter([dev]))
    monkeypatch.setattr("usb.util.get_string", lambda d, i: {1: "Texas Instruments", 2: "TI CC2531 USB CDC"}[i])
    listed, error = devices.list_usb_devices()
    assert error is None
    assert listed[0]["vid_pid"] == "0451:16A8" and listed[0]["product"] == "TI CC2531 USB CDC"
    assert listed[0]["zigbee"]["radio"] == "znp"


def test_find_port_follows_a_reenumerated_dongle(ports: list[Any]) -> None:
    ports += [port("/dev/ttyUSB0", 0x10C4, 0xEA60, "A1"), port("/dev/ttyUSB1", 0x10C4, 0xEA60, "B2")]
    assert devices.find_port("10c4:ea60", "b2") == "/dev/ttyUSB1"
    ports[:] = [port("/dev/ttyUSB3", 0x10C4, 0xEA60, "B2")]  # unplugged and back under a new path
    assert devices.find_port("10C4:EA60", "B2") == "/dev/ttyUSB3"
    assert devices.find_port("10C4:EA60") == "/dev/ttyUSB3"


def test_find_port_errors_name_the_device(ports: list[Any]) -> None:
    with pytest.raises(PortVanished, match="10C4:EA60 serial X9"):
        devices.find_port("10C4:EA60", "X9")
    ports += [port("/dev/ttyUSB0", 0x10C4, 0xEA60, "A1"), port("/dev/ttyUSB1", 0x10C4, 0xEA60, "B2")]
    with pytest.raises(TransportError, match="several ports match"):
        devices.find_port("10C4:EA60")
    with pytest.raises(TransportError, match="VID:PID"):
        devices.find_port("cp210x")
