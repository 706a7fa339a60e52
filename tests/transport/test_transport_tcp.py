"""TCP transport against serve_tcp: round trip, refused connection, peer gone, errors."""

from __future__ import annotations

import socket

import pytest

from harness.errors import DeviceError, PortVanished, TransportTimeout
from harness.transport import TcpTransport, transport_for
from harness.transport.framing import Frame, FrameKind


def test_tcp_round_trip(tcp_server) -> None:
    (host, port), echo, _ = tcp_server
    with transport_for(f"tcp://{host}:{port}", connect_timeout=1.0, baudrate=115200) as t:
        assert isinstance(t, TcpTransport)
        assert t.name == f"tcp://{host}:{port}"
        for i in range(20):
            data = bytes([i, 0x7E, 0x7D]) * (i + 1)
            assert t.exchange(Frame.gbcs(data), timeout=0.5) == Frame.gbcs(data[::-1])
        assert t.exchange(Frame.control({"op": "x"}), timeout=0.5).kind is FrameKind.CONTROL
        assert t.drain() == []  # a zero-timeout read of an idle connection is not an error
    assert len(echo.seen) == 21


def test_two_clients_at_once(tcp_server) -> None:
    (host, port), _, _ = tcp_server
    with TcpTransport(host, port) as a, TcpTransport(host, port) as b:
        assert a.exchange(Frame.gbcs(b"ab"), timeout=0.5).data == b"ba"
        assert b.exchange(Frame.gbcs(b"cd"), timeout=0.5).data == b"dc"


def test_garbage_and_handler_error_do_not_stop_the_server(tcp_server) -> None:
    (host, port), _, _ = tcp_server
    with TcpTransport(host, port) as t:
        t.sock.sendall(b"\xff" * 100 + b"\x7e\x01\x02\x03\x7e")
        with pytest.raises(DeviceError, match="RuntimeError: handler exploded"):
            t.exchange(Frame.gbcs(b"boom"), timeout=0.5)
        assert t.exchange(Frame.gbcs(b"xy"), timeout=0.5).data == b"yx"


def test_refused_connection_names_host_and_port() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connections are refused
        with pytest.raises(PortVanished) as e:
            TcpTransport("127.0.0.1", port, connect_timeout=0.5)
    assert f"127.0.0.1:{port}" in str(e.value)


def test_peer_closed_is_port_vanished(tcp_server) -> None:
    (host, port), _, _ = tcp_server
    with TcpTransport(host, port) as t:
        with pytest.raises(PortVanished, match="closed the connection"):
            t.exchange(Frame.gbcs(b"die"), timeout=0.5)


def test_silent_peer_times_out(tmp_path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        host, port = listener.getsockname()[:2]
        with TcpTransport(host, port) as t:
            conn, _ = listener.accept()
            with conn:
                conn.sendall(b"\x7e\x01\x02")
                with pytest.raises(TransportTimeout) as e:
                    t.exchange(Frame.gbcs(b"hello"), timeout=0.2)
    assert e.value.port == f"tcp://{host}:{port}"
    assert e.value.tail == b"\x01\x02"
