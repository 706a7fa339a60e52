"""Openers of the wired connection types: ``serial`` (a path, a pyserial URL, a USB id found
again with ``ports.find_port``, or a ``command`` whose device side prints its pty), ``tcp`` and
``emulated-process`` (``harness emulate`` spawned on a pty). Registered in
:mod:`harness.transport.registry`."""

from __future__ import annotations

from harness.errors import ProfileError
from harness.transport import transport_for
from harness.transport.base import Transport
from harness.transport.registry import ConnectionRequest, Opened, register
from harness.transport.spawn import spawn_emulator
from harness.vocabulary import ConnectionType

DEFAULT_BAUDRATE = 115200


def _spawned(request: ConnectionRequest, command: tuple[str, ...] | None, baudrate: int) -> Opened:
    """Start the device side (``command``, or ``harness emulate`` of the profile) and open the pty
    it prints; the process stops with the bench."""
    if request.path is None:
        raise ProfileError("a bench that starts its device side must come from a file", file="<inline>",
                           field="connection")
    process = spawn_emulator(request.path, command=command)
    try:
        return Opened(transport_for(process.pty_path, baudrate=baudrate), process=process)
    except Exception:
        process.stop()
        raise


def serial_line(request: ConnectionRequest) -> Transport:
    """The serial transport of a connection that names its line (url, path or usb)."""
    conn = request.connection
    url = conn.url or conn.path
    if not url and conn.usb is not None:
        from harness.transport.ports import find_port

        url = find_port(conn.usb.vid_pid, conn.usb.serial)
    if not url:
        raise ProfileError("a serial connection needs connection.url, connection.path, connection.usb or "
                           "connection.command", file=request.path or "<inline>", field="connection")
    return transport_for(str(url), baudrate=int(conn.baudrate or DEFAULT_BAUDRATE))


@register(ConnectionType.SERIAL)
def open_serial(request: ConnectionRequest) -> Opened:
    conn = request.connection
    if not (conn.url or conn.path) and conn.command:  # the bench starts its device side
        return _spawned(request, conn.command, int(conn.baudrate or DEFAULT_BAUDRATE))
    return Opened(serial_line(request))


@register(ConnectionType.TCP)
def open_tcp(request: ConnectionRequest) -> Opened:
    conn = request.connection
    return Opened(transport_for(f"tcp://{conn.host}:{conn.port}"))


@register(ConnectionType.EMULATED_PROCESS)
def open_emulated_process(request: ConnectionRequest) -> Opened:
    return _spawned(request, request.connection.command, DEFAULT_BAUDRATE)
