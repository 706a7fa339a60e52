"""Lab fixtures: a real ``labgrid-coordinator`` on 127.0.0.1 (started and stopped by the tests)
and a small HTTP power switch (labgrid's ``simplerest`` protocol) that logs every switching."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.transport.conftest import echo, pty_server  # noqa: F401 - the RFC 2217 test sits on the pty device


def need_labgrid() -> None:
    """labgrid is the optional extra ``harness[lab]``: CI installs it, so there it must be present."""
    if importlib.util.find_spec("labgrid") is None:
        if os.environ.get("CI"):
            pytest.fail("labgrid is not installed in CI (scripts/setup installs harness[lab])")
        pytest.skip("labgrid not installed (pip install 'harness[lab]')")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout_s} s")


@pytest.fixture
def coordinator(tmp_path: Path) -> Iterator[str]:
    """A fresh labgrid coordinator (its places file in a temp dir); yields ``127.0.0.1:PORT``."""
    need_labgrid()
    port = free_port()
    log = open(tmp_path / "coordinator.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-c", "from labgrid.remote.coordinator import main; main()", "-l", f"127.0.0.1:{port}"],
        cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_port(port)
        yield f"127.0.0.1:{port}"
    finally:
        proc.send_signal(2)  # SIGINT: the coordinator's graceful shutdown
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


class PowerBackend:
    """``GET /relay/<index>/<0|1>`` switches, ``GET /relay/<index>`` reads (labgrid simplerest).
    ``listeners`` (``listener(index, value)``) see each switching before the request is answered,
    as the load behind a relay loses its supply before the relay reports."""

    def __init__(self) -> None:
        self.log: list[tuple[float, int, int]] = []  # (time.time(), index, value)
        self.state: dict[int, int] = {}
        self.listeners: list[Callable[[int, int], None]] = []
        self.errors: list[str] = []
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = [p for p in self.path.split("/") if p]
                if len(parts) == 3 and parts[0] == "relay":
                    index, value = int(parts[1]), int(parts[2])
                    backend.log.append((time.time(), index, value))
                    backend.state[index] = value
                    try:
                        for listener in backend.listeners:
                            listener(index, value)
                    except Exception as exc:  # noqa: BLE001 - the relay's client sees a 500, the test the log
                        backend.errors.append(f"{type(exc).__name__}: {exc}")
                        self.send_error(500, str(exc))
                        return
                    body = b"ok"
                elif len(parts) == 2 and parts[0] == "relay":
                    body = str(backend.state.get(int(parts[1]), 0)).encode()
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/relay/{{index}}/{{value}}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def power_backend() -> Iterator[PowerBackend]:
    backend = PowerBackend()
    try:
        yield backend
    finally:
        backend.close()
