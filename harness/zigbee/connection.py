"""The ``zigbee`` connection type: a ZigBee dongle through zigpy (registered in
:mod:`harness.transport.registry`). The radio and dongle come from the connection (``path``, or
``usb`` VID:PID + serial found again with ``ports.find_port``); the remote is the first device
at the far end (its EUI from the profile). zigpy is imported only when one is opened."""

from __future__ import annotations

import harness.zigbee as zigbee
from harness.errors import CapabilityMissing, ProfileError
from harness.transport.registry import ConnectionRequest, Opened, register
from harness.vocabulary import ConnectionType


def _eui_bytes(value: object) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return bytes.fromhex("".join(ch for ch in str(value) if ch.isalnum()))


@register(ConnectionType.ZIGBEE)
def open_zigbee(request: ConnectionRequest) -> Opened:
    if not zigbee.zigpy_available():  # looked up on use: tests switch zigpy off
        raise CapabilityMissing(f"bench '{request.name}' has a zigbee connection: it needs zigpy and a radio "
                                "library: pip install harness[zigbee]")
    conn = request.connection
    where = request.path or "<inline>"
    if not conn.radio:
        raise ProfileError("a zigbee connection needs 'radio' (ezsp | znp | deconz)", file=where,
                           field="connection.radio")
    device = conn.path
    if not device and conn.usb is not None:
        from harness.transport.ports import find_port

        device = find_port(conn.usb.vid_pid, conn.usb.serial)
    if not device:
        raise ProfileError("a zigbee connection needs 'path' or 'usb'", file=where, field="connection")
    remote = next(iter(request.devices), None)
    if remote is None or getattr(remote, "eui", None) is None:
        raise ProfileError("a zigbee bench needs a device with an EUI (the remote HAN device)", file=where,
                           field="devices")
    from harness.zigbee.transport import ZigbeeTransport

    return Opened(ZigbeeTransport(conn.radio, str(device), _eui_bytes(remote.eui),
                                  baudrate=int(conn.baudrate) if conn.baudrate else None,
                                  app_factory=request.app_factory))
