"""Port discovery: the serial ports and USB devices of this machine, known ZigBee dongles marked,
and ``find_port(vid_pid, serial)``, which finds an adapter again after it re-enumerates (how a
profile's ``usb: {vid_pid, serial}`` connection is resolved). ``harness devices`` prints these.

Several dongles share a USB-serial bridge id (CP210x 10C4:EA60, CH340 1A86:7523, FT231X
0403:6015): the description / product string tells them apart where it can, otherwise the
match is marked ambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.errors import PortVanished, TransportError

LIBUSB_HINT = "install libusb: apt-get install libusb-1.0-0 (Debian/Ubuntu), then run again"


@dataclass(frozen=True)
class KnownDongle:
    vid: int
    pid: int
    text: str  # lower-case substring of description/product/manufacturer; "" = any
    name: str
    radio: str | None  # ezsp | znp | deconz, or None when it cannot be told
    ambiguous: bool = False  # a shared USB-serial bridge id: other devices carry it too


KNOWN_DONGLES: tuple[KnownDongle, ...] = (
    KnownDongle(0x10C4, 0xEA60, "sonoff zigbee 3.0 usb dongle plus", "Sonoff ZBDongle-P (TI CC2652P)", "znp"),
    KnownDongle(0x10C4, 0xEA60, "skyconnect", "Home Assistant SkyConnect (Silabs EFR32)", "ezsp"),
    KnownDongle(0x10C4, 0xEA60, "zbt-1", "Home Assistant Connect ZBT-1 (Silabs EFR32)", "ezsp"),
    KnownDongle(0x10C4, 0xEA60, "slae.sh", "slae.sh CC2652RB stick", "znp"),
    KnownDongle(0x10C4, 0xEA60, "", "CP210x bridge: Silabs EZSP stick or another dongle", "ezsp", ambiguous=True),
    KnownDongle(0x10C4, 0x8A2A, "", "Nortek HUSBZB-1 (Silabs EZSP)", "ezsp"),
    KnownDongle(0x1CF1, 0x0030, "", "dresden elektronik ConBee II", "deconz"),
    KnownDongle(0x0451, 0x16A8, "", "TI CC2531 (Z-Stack ZNP)", "znp"),
    KnownDongle(0x1A86, 0x55D4, "v2", "Sonoff ZBDongle-E (Silabs EFR32MG21)", "ezsp"),
    KnownDongle(0x1A86, 0x55D4, "", "CH9102 bridge: Sonoff ZBDongle-E or a CC2652 stick", None, ambiguous=True),
    KnownDongle(0x1A86, 0x7523, "", "CH340 bridge: a TI ZNP stick or another serial device", "znp", ambiguous=True),
    KnownDongle(0x0403, 0x6015, "conbee", "dresden elektronik ConBee", "deconz"),
    KnownDongle(0x0403, 0x6015, "", "FTDI FT231X: ConBee or another FTDI device", "deconz", ambiguous=True),
)


def identify(vid: int | None, pid: int | None, *texts: str | None) -> dict[str, Any] | None:
    """The ZigBee dongle a VID:PID + strings look like: name, radio, ambiguous; or None."""
    if vid is None or pid is None:
        return None
    text = " ".join(t for t in texts if t).lower()
    for d in KNOWN_DONGLES:
        if d.vid == vid and d.pid == pid and (not d.text or d.text in text):
            return {"name": d.name, "radio": d.radio, "ambiguous": d.ambiguous}
    return None


def vid_pid(vid: int | None, pid: int | None) -> str:
    return f"{vid:04X}:{pid:04X}" if vid is not None and pid is not None else ""


def list_serial_ports() -> list[dict[str, Any]]:
    """Serial ports (pyserial's list_ports): path, VID:PID, serial number, description."""
    from serial.tools import list_ports

    out = []
    for p in sorted(list_ports.comports(), key=lambda p: p.device):
        out.append({
            "path": p.device, "vid_pid": vid_pid(p.vid, p.pid), "serial_number": p.serial_number,
            "description": p.description, "manufacturer": p.manufacturer, "product": p.product,
            "zigbee": identify(p.vid, p.pid, p.description, p.product, p.manufacturer),
        })
    return out


def list_usb_devices() -> tuple[list[dict[str, Any]], str | None]:
    """USB devices via pyusb, and an error text when USB cannot be listed (libusb missing)."""
    try:
        import usb.core
        import usb.util
    except ImportError:
        return [], "pyusb is not installed: pip install pyusb"
    try:
        devices = list(usb.core.find(find_all=True) or [])
    except usb.core.NoBackendError:
        return [], f"no libusb backend for pyusb; {LIBUSB_HINT}"
    except (usb.core.USBError, OSError) as e:
        return [], f"cannot list USB devices ({e})"
    out = []
    for dev in devices:
        strings: dict[str, str | None] = {}
        for key, index in (("manufacturer", "iManufacturer"), ("product", "iProduct"),
                           ("serial_number", "iSerialNumber")):
            try:
                idx = getattr(dev, index, 0)
                strings[key] = usb.util.get_string(dev, idx) if idx else None
            except (ValueError, usb.core.USBError, NotImplementedError, OSError):
                strings[key] = None  # no permission to open the device: ids only
        vid, pid = dev.idVendor, dev.idProduct
        out.append({"bus": getattr(dev, "bus", None), "address": getattr(dev, "address", None),
                    "vid_pid": vid_pid(vid, pid), **strings,
                    "zigbee": identify(vid, pid, strings.get("product"), strings.get("manufacturer"))})
    return out, None


def find_port(vid_pid_text: str, serial: str | None = None) -> str:
    """The serial port path of the device ``VID:PID`` (+ serial number): survives re-enumeration.

    Raises PortVanished naming the VID:PID/serial when no port matches, TransportError when
    several match and no serial number tells them apart.
    """
    want = _parse_vid_pid(vid_pid_text)
    who = f"{vid_pid_text.upper()}" + (f" serial {serial}" if serial else "")
    from serial.tools import list_ports

    matches = [p for p in list_ports.comports()
               if (p.vid, p.pid) == want
               and (serial is None or (p.serial_number or "").lower() == serial.lower())]
    if not matches:
        raise PortVanished("no serial port with this USB id is plugged in (unplugged, or re-enumerating?)",
                           port=who)
    if len(matches) > 1:
        paths = ", ".join(f"{p.device} (serial {p.serial_number})" for p in matches)
        raise TransportError(f"several ports match ({paths}); name the serial number", port=who)
    return str(matches[0].device)


def _parse_vid_pid(text: str) -> tuple[int, int]:
    try:
        vid, pid = text.strip().split(":")
        return int(vid, 16), int(pid, 16)
    except ValueError:
        raise TransportError("expected VID:PID in hex, e.g. 10C4:EA60", port=text) from None
