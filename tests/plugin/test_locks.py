"""Bench locks: one flock per bench (and port); a dead holder frees it; waiting is bounded."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.plugin import locks


def test_second_taker_is_refused_until_release(tmp_path: Path) -> None:
    first = locks.try_lock(["bench-a", "port:/dev/ttyUSB0"], tmp_path)
    assert first is not None
    assert locks.try_lock(["bench-a"], tmp_path) is None
    # a different bench on the SAME port is refused too: two workers never share a port
    assert locks.try_lock(["bench-b", "port:/dev/ttyUSB0"], tmp_path) is None
    assert locks.try_lock(["bench-b"], tmp_path) is not None
    first.release()
    again = locks.try_lock(["bench-a"], tmp_path)
    assert again is not None
    again.release()


def test_acquire_any_takes_the_first_free_bench(tmp_path: Path) -> None:
    held = locks.try_lock(["bench-a"], tmp_path)
    index, got = locks.acquire_any([["bench-a"], ["bench-b"]], wait_s=0, directory=tmp_path)
    assert index == 1 and got.key == "bench-b"
    got.release()
    assert held is not None
    held.release()


def test_waiting_is_bounded_and_the_error_names_the_benches(tmp_path: Path) -> None:
    held = locks.try_lock(["bench-a"], tmp_path)
    now = [0.0]
    pauses: list[float] = []

    def pause(s: float) -> None:
        pauses.append(s)
        now[0] += s

    with pytest.raises(locks.BenchUnavailable, match=r"no free bench after waiting 1 s.*bench-a"):
        locks.acquire_any([["bench-a"]], wait_s=1.0, directory=tmp_path, clock=lambda: now[0], pause=pause)
    assert len(pauses) == int(1.0 / locks.POLL_S)
    assert held is not None
    held.release()


def test_a_killed_holder_never_leaves_the_bench_held(tmp_path: Path) -> None:
    code = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from harness.plugin import locks
        held = locks.try_lock(["bench-a"], Path({str(tmp_path)!r}))
        print("locked" if held else "refused", flush=True)
        sys.stdin.read()
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "locked"
        assert locks.try_lock(["bench-a"], tmp_path) is None
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    freed = locks.try_lock(["bench-a"], tmp_path)
    assert freed is not None
    freed.release()
