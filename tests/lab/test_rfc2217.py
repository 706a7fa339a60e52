"""Serial ports a labgrid exporter shares over RFC 2217 are reached through the harness's own
serial transport (``rfc2217://HOST:PORT``, pyserial's client): here an RFC 2217 server (pyserial's
PortManager, as ser2net/labgrid exporters speak it) on 127.0.0.1 in front of a device on a pty."""

from __future__ import annotations

import select
import socket
import threading
from collections.abc import Iterator

import pytest
import serial
import serial.rfc2217

from harness.transport import SerialTransport
from harness.transport.framing import Frame, FrameKind


class _PtySerial(serial.Serial):
    """A pty has no modem lines to ask (ioctl TIOCMGET fails): report them as a cable would."""

    @property
    def cts(self) -> bool:
        return True

    @property
    def dsr(self) -> bool:
        return True

    @property
    def ri(self) -> bool:
        return False

    @property
    def cd(self) -> bool:
        return True

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass

    def _update_break_state(self) -> None:
        pass


class _Conn:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)


@pytest.fixture
def rfc2217_port(pty_server) -> Iterator[str]:  # type: ignore[no-untyped-def]
    path, _echo, _stop = pty_server
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                sock, _ = listener.accept()
            except OSError:
                continue
            with sock, _PtySerial(path, timeout=0) as ser:
                manager = serial.rfc2217.PortManager(ser, _Conn(sock))
                while not stop.is_set():
                    ready, _, _ = select.select([sock, ser], [], [], 0.1)
                    if sock in ready:
                        data = sock.recv(4096)
                        if not data:
                            break
                        ser.write(b"".join(manager.filter(data)))
                    if ser in ready:
                        sock.sendall(b"".join(manager.escape(ser.read(4096))))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"rfc2217://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(5)
    listener.close()


def test_exchange_over_rfc2217(rfc2217_port: str) -> None:
    with SerialTransport(rfc2217_port) as t:
        reply = t.exchange(Frame.gbcs(bytes.fromhex("dd0000007e7dff") * 40), timeout=5)
        assert reply == Frame.gbcs((bytes.fromhex("dd0000007e7dff") * 40)[::-1])
        assert t.exchange(Frame.control({"op": "ping"}), timeout=5).kind is FrameKind.CONTROL
