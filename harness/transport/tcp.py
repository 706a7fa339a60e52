"""TCP transport: frames over a TCP connection (an emulator process's serve_tcp, a
serial-to-Ethernet bridge)."""

from __future__ import annotations

import socket

from harness.errors import PortVanished, TransportError, TransportTimeout
from harness.transport.base import Transport
from harness.transport.log import ExchangeLog

_CHUNK = 65536


class TcpTransport(Transport):
    """Frames over ``tcp://host:port``. Refused or closed connections raise PortVanished."""

    def __init__(self, host: str, port: int, connect_timeout: float = 2.0, *, write_timeout: float = 2.0,
                 log: ExchangeLog | None = None) -> None:
        super().__init__(f"tcp://{host}:{port}", log)
        self.host = host
        self.port = port
        self.write_timeout = write_timeout
        try:
            self.sock = socket.create_connection((host, port), timeout=connect_timeout)
        except ConnectionRefusedError as e:
            raise self.error(PortVanished, f"connection refused by {host}:{port}") from e
        except TimeoutError as e:
            raise self.error(TransportTimeout, f"no connection to {host}:{port} within {connect_timeout:g} s") from e
        except OSError as e:
            raise self.error(TransportError, f"cannot connect to {host}:{port} ({e})") from e
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.log.note(self.name, "connected")

    def _read(self, timeout: float) -> bytes:
        try:
            self.sock.settimeout(timeout)
            data = self.sock.recv(_CHUNK)
        except (TimeoutError, BlockingIOError):
            return b""
        except OSError as e:
            raise self.error(PortVanished, f"connection lost while reading ({e})") from e
        if not data:
            raise self.error(PortVanished, f"peer {self.host}:{self.port} closed the connection")
        return data

    def _write(self, data: bytes) -> None:
        try:
            self.sock.settimeout(self.write_timeout)
            self.sock.sendall(data)
        except TimeoutError as e:
            raise self.error(TransportTimeout, f"send did not complete within {self.write_timeout:g} s") from e
        except OSError as e:
            raise self.error(PortVanished, f"connection lost while writing ({e})") from e

    def _close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
