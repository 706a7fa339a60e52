"""Fixtures for the transport tests: handlers and device-side servers in threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from harness.transport.framing import Frame, FrameKind
from harness.transport.server import serve_pty, serve_tcp


class EchoHandler:
    """Answers each frame with a frame of the same kind whose data is reversed.

    Data b"boom" raises (to test ERROR frames); b"die" sets ``die`` (the device goes away);
    b"push" answers with a HAN frame first, then the reply (an unsolicited frame).
    """

    def __init__(self) -> None:
        self.seen: list[Frame] = []
        self.die: threading.Event | None = None

    def handle(self, frame: Frame) -> list[Frame]:
        self.seen.append(frame)
        if frame.data == b"boom":
            raise RuntimeError("handler exploded")
        if frame.data == b"die" and self.die is not None:
            self.die.set()
            return []
        reply = Frame(frame.kind, frame.data[::-1])
        if frame.data == b"push":
            return [Frame(FrameKind.HAN, b"unsolicited"), reply]
        return [reply]


@pytest.fixture
def echo() -> EchoHandler:
    return EchoHandler()


@pytest.fixture
def pty_server(echo: EchoHandler) -> Iterator[tuple[str, EchoHandler, threading.Event]]:
    """An echo device on a new pty: yields (slave path, handler, stop event)."""
    stop = threading.Event()
    echo.die = stop
    ready: list[str] = []
    got = threading.Event()

    def on_ready(path: str) -> None:
        ready.append(path)
        got.set()

    t = threading.Thread(target=serve_pty, args=(echo, stop, on_ready), daemon=True)
    t.start()
    assert got.wait(5), "pty server did not start"
    yield ready[0], echo, stop
    stop.set()
    t.join(5)
    assert not t.is_alive()


@pytest.fixture
def tcp_server(echo: EchoHandler) -> Iterator[tuple[tuple[str, int], EchoHandler, threading.Event]]:
    """An echo device on a TCP port: yields ((host, port), handler, stop event)."""
    stop = threading.Event()
    echo.die = stop
    ready: list[tuple[str, int]] = []
    got = threading.Event()

    def on_ready(addr: tuple[str, int]) -> None:
        ready.append(addr)
        got.set()

    t = threading.Thread(target=serve_tcp, args=(echo, "127.0.0.1", 0, stop, on_ready), daemon=True)
    t.start()
    assert got.wait(5), "tcp server did not start"
    yield ready[0], echo, stop
    stop.set()
    t.join(5)
    assert not t.is_alive()
