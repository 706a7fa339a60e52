"""``harness devices [--json]``: serial ports and USB devices on this machine, known ZigBee
dongles marked (the discovery itself, and ``find_port``, live in ``harness/transport/ports.py``).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from harness.commands.common import plain
from harness.transport.ports import (
    KNOWN_DONGLES,
    KnownDongle,
    find_port,
    identify,
    list_serial_ports,
    list_usb_devices,
)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("devices", help="list serial ports and USB devices; mark ZigBee dongles",
                              description=plain(__doc__), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def inventory() -> dict[str, Any]:
    ports = list_serial_ports()
    usb_devices, usb_error = list_usb_devices()
    dongles = [{"where": p["path"], "vid_pid": p["vid_pid"], "serial_number": p["serial_number"], **p["zigbee"]}
               for p in ports if p["zigbee"]]
    return {"serial_ports": ports, "usb_devices": usb_devices, "usb_error": usb_error, "zigbee_dongles": dongles}


def render(inv: dict[str, Any]) -> str:
    lines = ["Serial ports:"]
    if not inv["serial_ports"]:
        lines.append("  none found (no serial ports on this machine)")
    for p in inv["serial_ports"]:
        ids = p["vid_pid"] or "no USB id"
        line = f"  {p['path']}  {ids}"
        if p["serial_number"]:
            line += f"  serial {p['serial_number']}"
        line += f"  {p['description']}"
        lines.append(line + _dongle_text(p["zigbee"]))
    lines.append("USB devices:")
    if inv["usb_error"]:
        lines.append(f"  cannot list: {inv['usb_error']}")
    elif not inv["usb_devices"]:
        lines.append("  none found (no USB devices, or no USB bus on this machine)")
    for d in inv["usb_devices"]:
        text = " ".join(x for x in (d.get("manufacturer"), d.get("product")) if x)
        line = f"  bus {d['bus']} address {d['address']}  {d['vid_pid']}"
        if d.get("serial_number"):
            line += f"  serial {d['serial_number']}"
        lines.append(line + (f"  {text}" if text else "") + _dongle_text(d["zigbee"]))
    if not inv["zigbee_dongles"]:
        lines.append("No ZigBee dongle found.")
    return "\n".join(lines)


def _dongle_text(z: dict[str, Any] | None) -> str:
    if not z:
        return ""
    radio = f", radio {z['radio']}" if z["radio"] else ""
    return f"  <- ZigBee: {z['name']}{radio}{' (ambiguous id)' if z['ambiguous'] else ''}"


def run(args: argparse.Namespace) -> int:
    inv = inventory()
    if args.json:
        print(json.dumps(inv, indent=2, default=str))
    else:
        print(render(inv))
    return 0


__all__ = ["KNOWN_DONGLES", "KnownDongle", "find_port", "identify", "inventory", "list_serial_ports",
           "list_usb_devices", "render", "run"]
