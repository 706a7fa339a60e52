"""The device side, for an emulator in a separate process (or thread): serve frames on a pty
or a TCP port.

``serve_stream`` loops: read bytes, decode frames, ``handler.handle(frame)``, write the encoded
replies. Garbage from the client is dropped (never crashes the server); a handler exception
becomes an ERROR frame carrying its text, and serving goes on. All loops poll ``stop_event``
at least every ``poll`` seconds.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import threading
import tty
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from harness.transport.framing import Frame, FrameDecoder, encode_frame
from harness.transport.log import ExchangeLog

POLL = 0.05
WRITE_TIMEOUT = 2.0
_CHUNK = 65536


class _Handler(Protocol):
    def handle(self, frame: Frame) -> list[Frame]: ...


class ByteStream(Protocol):
    """What serve_stream reads and writes."""

    def recv_some(self, timeout: float) -> bytes:
        """Bytes that arrive within ``timeout`` (b"" if none); EOFError when the peer is gone."""
        ...

    def write(self, data: bytes) -> None:
        """Write all of ``data``; EOFError when the peer is gone, TimeoutError when stuck."""
        ...


def _recv_chunk(read: Callable[[], bytes | None], quiet: tuple[type[OSError], ...], failed: str,
                closed: str) -> bytes:
    """What ``read()`` returns: b"" when it returns None or raises one of ``quiet`` (nothing
    arrived); EOFError naming ``failed`` when it raises another OSError, ``closed`` when it
    returns no bytes (the peer is gone)."""
    try:
        data = read()
    except quiet:
        return b""
    except OSError as e:
        raise EOFError(f"{failed}: {e}") from e
    if data is None:
        return b""
    if not data:
        raise EOFError(closed)
    return data


class FdStream:
    """A file descriptor (pty master)."""

    def __init__(self, fd: int, write_timeout: float = WRITE_TIMEOUT) -> None:
        self.fd = fd
        self.write_timeout = write_timeout
        os.set_blocking(fd, False)

    def recv_some(self, timeout: float) -> bytes:
        def read() -> bytes | None:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            return os.read(self.fd, _CHUNK) if ready else None

        return _recv_chunk(read, (BlockingIOError,), "read failed", "end of stream")

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                _, ready, _ = select.select([], [self.fd], [], self.write_timeout)
                if not ready:
                    raise TimeoutError(f"peer not reading for {self.write_timeout} s")
                n = os.write(self.fd, view)
            except BlockingIOError:
                continue
            except OSError as e:
                raise EOFError(f"write failed: {e}") from e
            view = view[n:]


class SocketStream:
    """A connected socket."""

    def __init__(self, sock: socket.socket, write_timeout: float = WRITE_TIMEOUT) -> None:
        self.sock = sock
        self.write_timeout = write_timeout

    def recv_some(self, timeout: float) -> bytes:
        self.sock.settimeout(timeout)
        return _recv_chunk(lambda: self.sock.recv(_CHUNK), (TimeoutError, BlockingIOError), "recv failed",
                           "peer closed the connection")

    def write(self, data: bytes) -> None:
        self.sock.settimeout(self.write_timeout)
        try:
            self.sock.sendall(data)
        except TimeoutError:
            raise
        except OSError as e:
            raise EOFError(f"send failed: {e}") from e


class SerialStream:
    """A pyserial ``Serial`` object (device side on a real or virtual serial port)."""

    def __init__(self, ser: Any) -> None:
        self.ser = ser

    def recv_some(self, timeout: float) -> bytes:
        import serial

        try:
            self.ser.timeout = timeout
            data = bytes(self.ser.read(1))
            if data:
                waiting = self.ser.in_waiting
                if waiting:
                    data += bytes(self.ser.read(waiting))
            return data
        except (serial.SerialException, OSError) as e:
            raise EOFError(str(e)) from e

    def write(self, data: bytes) -> None:
        import serial

        try:
            self.ser.write(data)
        except serial.SerialTimeoutException as e:
            raise TimeoutError(str(e)) from e
        except (serial.SerialException, OSError) as e:
            raise EOFError(str(e)) from e


def as_stream(obj: Any) -> ByteStream:
    """Wrap an fd, a socket or a pyserial object; pass a ByteStream through."""
    if isinstance(obj, int):
        return FdStream(obj)
    if isinstance(obj, socket.socket):
        return SocketStream(obj)
    if hasattr(obj, "recv_some") and hasattr(obj, "write"):
        return obj  # type: ignore[no-any-return]
    if hasattr(obj, "in_waiting") and hasattr(obj, "read"):
        return SerialStream(obj)
    raise TypeError(f"cannot serve frames on {type(obj).__name__}")


def handle_safely(handler: _Handler, frame: Frame, lock: threading.Lock | None = None) -> list[Frame]:
    """``handler.handle(frame)``; an exception becomes one ERROR frame naming it."""
    try:
        if lock is not None:
            with lock:
                replies = handler.handle(frame)
        else:
            replies = handler.handle(frame)
        return list(replies or [])
    except Exception as e:  # noqa: BLE001 - the server must survive any handler failure
        return [Frame.error(f"{type(e).__name__}: {e}")]


@dataclass
class ServeStats:
    frames_in: int = 0
    frames_out: int = 0
    errors: int = 0  # handler exceptions turned into ERROR frames
    dropped: int = 0  # chunks the decoder dropped
    ended: str = ""  # why serving stopped


def serve_stream(handler: _Handler, stream: Any, stop_event: threading.Event, *, poll: float = POLL,
                 log: ExchangeLog | None = None, name: str = "server",
                 lock: threading.Lock | None = None) -> ServeStats:
    """Serve frames on ``stream`` until ``stop_event`` is set or the peer goes away."""
    io = as_stream(stream)
    stats = ServeStats()

    def on_drop(reason: str, chunk: bytes) -> None:
        if log is not None:
            log.record("drop", name, "", chunk, reason)

    decoder = FrameDecoder(on_drop=on_drop)
    while not stop_event.is_set():
        try:
            data = io.recv_some(poll)
        except EOFError as e:
            stats.ended = f"peer gone: {e}"
            break
        for frame in decoder.feed(data):
            stats.frames_in += 1
            if log is not None:
                log.record("rx", name, frame.kind.name, frame.data)
            replies = handle_safely(handler, frame, lock)
            for reply in replies:
                if reply.kind.name == "ERROR":
                    stats.errors += 1
                if log is not None:
                    log.record("tx", name, reply.kind.name, reply.data)
                try:
                    io.write(encode_frame(reply))
                except TimeoutError as e:
                    if log is not None:
                        log.note(name, f"reply not delivered: {e}")
                    continue
                except EOFError as e:
                    stats.ended = f"peer gone: {e}"
                    stats.dropped = decoder.dropped
                    return stats
                stats.frames_out += 1
    else:
        stats.ended = "stopped"
    stats.dropped = decoder.dropped
    return stats


def open_pty() -> tuple[int, str]:
    """A new pty in raw mode: (master fd, slave path such as /dev/pts/N)."""
    master, slave = os.openpty()
    try:
        tty.setraw(slave)
        path = os.ttyname(slave)
    finally:
        os.close(slave)
    return master, path


def serve_pty(handler: _Handler, stop_event: threading.Event,
              on_ready: Callable[[str], None] | None = None, *, poll: float = POLL,
              log: ExchangeLog | None = None) -> ServeStats:
    """Serve frames on a new pty; ``on_ready(slave_path)`` once clients may open it.

    The server keeps the slave open itself, so clients may close and reopen the port; stopping
    closes the master and a client still holding the slave sees the port vanish.
    """
    master, path = open_pty()
    keeper = os.open(path, os.O_RDWR | os.O_NOCTTY)
    try:
        if on_ready is not None:
            on_ready(path)
        return serve_stream(handler, FdStream(master), stop_event, poll=poll, log=log, name=path)
    finally:
        os.close(keeper)
        os.close(master)


def serve_tcp(handler: _Handler, host: str, port: int, stop_event: threading.Event,
              on_ready: Callable[[tuple[str, int]], None] | None = None, *, poll: float = POLL,
              log: ExchangeLog | None = None, threaded: bool = True) -> None:
    """Serve frames on a TCP port (0 = any free port; ``on_ready((host, port))`` names it).

    Clients are served one at a time, or each in its own thread (``threaded``); handler calls
    are serialised either way.
    """
    lock = threading.Lock()
    threads: list[threading.Thread] = []
    with socket.create_server((host, port)) as listener:
        listener.settimeout(poll)
        bound = listener.getsockname()
        if on_ready is not None:
            on_ready((str(bound[0]), int(bound[1])))
        while not stop_event.is_set():
            try:
                conn, addr = listener.accept()
            except TimeoutError:
                continue
            except OSError as e:
                if e.errno in (errno.EINTR, errno.ECONNABORTED):
                    continue
                raise
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            name = f"tcp://{addr[0]}:{addr[1]}"
            if threaded:
                t = threading.Thread(target=_serve_conn, args=(handler, conn, stop_event, poll, log, name, lock),
                                     name=f"serve {name}", daemon=True)
                t.start()
                threads.append(t)
                threads = [t for t in threads if t.is_alive()]
            else:
                _serve_conn(handler, conn, stop_event, poll, log, name, lock)
    for t in threads:
        t.join(timeout=5 * poll + WRITE_TIMEOUT)


def _serve_conn(handler: _Handler, conn: socket.socket, stop_event: threading.Event, poll: float,
                log: ExchangeLog | None, name: str, lock: threading.Lock) -> None:
    with conn:
        serve_stream(handler, SocketStream(conn), stop_event, poll=poll, log=log, name=name, lock=lock)
