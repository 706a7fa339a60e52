"""Spawn ``harness emulate --profile P --serial pty`` as a separate process and learn its pty."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from harness.errors import TransportError, TransportTimeout

PTY_PREFIX = "PTY "


class EmulatorProcess:
    """A running emulator process and the pty path it printed."""

    def __init__(self, proc: subprocess.Popen[bytes], pty_path: str, lines: list[str] | None = None) -> None:
        self.proc = proc
        self.pty_path = pty_path
        self.lines = lines or []  # what it printed up to its PTY line (e.g. "TCP host:port")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, grace_s: float = 3.0) -> None:
        """Terminate, then kill if it does not go within ``grace_s``."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(grace_s)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def emulate_command(profile_path: str | Path) -> list[str]:
    return [sys.executable, "-m", "harness.cli", "emulate", "--profile", str(profile_path), "--serial", "pty"]


def spawn_emulator(profile_path: str | Path, *, command: Sequence[str] | None = None,
                   startup_s: float = 60.0) -> EmulatorProcess:
    """Start the emulator (or a profile's ``connection.command``: run in the profile's folder,
    ``python``/``python3`` meaning this interpreter) and wait (bounded) for its ``PTY <path>`` line."""
    cmd = list(command) if command else emulate_command(profile_path)
    if cmd and cmd[0] in ("python", "python3"):
        cmd[0] = sys.executable
    folder = Path(profile_path).resolve().parent if command and Path(profile_path).exists() else None
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd=folder)
    assert proc.stdout is not None
    deadline = time.monotonic() + startup_s
    buf = b""
    fd = proc.stdout.fileno()
    while True:
        lines = [line.decode("utf-8", "replace").strip() for line in buf.split(b"\n")[:-1]]
        for text in lines:
            if text.startswith(PTY_PREFIX):
                return EmulatorProcess(proc, text[len(PTY_PREFIX):].strip(), lines)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            EmulatorProcess(proc, "").stop()
            raise TransportTimeout(f"emulator gave no '{PTY_PREFIX}<path>' line within {startup_s:g} s",
                                   port=" ".join(cmd[-5:]))
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            proc.wait(5)
            err = proc.stderr.read().decode("utf-8", "replace").strip() if proc.stderr else ""
            raise TransportError(f"emulator exited with status {proc.returncode} before printing its pty"
                                 + (f": {err.splitlines()[-1]}" if err else ""), port=str(profile_path))
        buf += chunk
