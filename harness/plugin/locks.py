"""Bench locks for parallel runs: one ``fcntl.flock`` lock file per bench (and per port).

The OS releases a flock when the holding process dies, so a killed worker never leaves a bench
held. A worker that finds no free bench waits (bounded) and then fails with a clear error.
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import os
import socket
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from harness.errors import HarnessError

LOCK_DIR_ENV = "HARNESS_LOCK_DIR"
POLL_S = 0.05


class BenchUnavailable(HarnessError):
    """Every bench of a profile set stayed held by other workers for the whole wait."""


def lock_dir() -> Path:
    """Where lock files live: $HARNESS_LOCK_DIR or <tmp>/harness-locks."""
    path = Path(os.environ.get(LOCK_DIR_ENV) or Path(tempfile.gettempdir()) / "harness-locks")
    path.mkdir(parents=True, exist_ok=True)
    return path


def lock_path(key: str, directory: Path | None = None) -> Path:
    """The lock file for one key (a bench path or a port URL)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(key).name)[:40]
    return (directory or lock_dir()) / f"{safe}-{digest}.lock"


@dataclass
class HeldLock:
    """Locks held on one bench; ``release()`` frees them (dying releases them too)."""

    key: str
    files: list[IO[str]] = field(default_factory=list)

    def release(self) -> None:
        for fh in self.files:
            try:
                fcntl.flock(fh, fcntl.LOCK_UN)
            finally:
                fh.close()
        self.files.clear()


def whoami() -> str:
    """``user@host``: how a holder is named in lock files and lab reservations."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry for this uid
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


def holder(key: str, directory: Path | None = None) -> str | None:
    """Who holds the lock of ``key`` (``user@host pid N``), or None when it is free."""
    path = lock_path(key, directory)
    try:
        fh = open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError:
        return None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            parts = fh.readline().split()
            if len(parts) >= 3:
                return f"{parts[2]} pid {parts[0]}"
            return f"pid {parts[0]}" if parts else "another process"
        fcntl.flock(fh, fcntl.LOCK_UN)
        return None


def try_lock(keys: Sequence[str], directory: Path | None = None) -> HeldLock | None:
    """Take every lock of ``keys`` without waiting, or none of them."""
    held = HeldLock(keys[0])
    for key in keys:
        path = lock_path(key, directory)
        fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open while held
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            held.release()
            return None
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()} {key} {whoami()}\n")
        fh.flush()
        held.files.append(fh)
    return held


def acquire_any(
    candidates: Sequence[Sequence[str]],
    *,
    wait_s: float,
    directory: Path | None = None,
    clock: Callable[[], float] = time.monotonic,
    pause: Callable[[float], None] = time.sleep,
) -> tuple[int, HeldLock]:
    """Lock the first free candidate (each a list of keys: bench path, port...). Polls until
    ``wait_s`` has passed, then raises :class:`BenchUnavailable` naming every bench."""
    if not candidates:
        raise BenchUnavailable("the profile set names no bench")
    deadline = clock() + wait_s
    while True:
        for index, keys in enumerate(candidates):
            held = try_lock(keys, directory)
            if held is not None:
                return index, held
        if clock() >= deadline:
            names = ", ".join(keys[0] for keys in candidates)
            raise BenchUnavailable(
                f"no free bench after waiting {wait_s:g} s: all of [{names}] are held by other workers "
                f"(lock files in {directory or lock_dir()})"
            )
        pause(POLL_S)
