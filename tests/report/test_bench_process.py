"""harness run's bench processes forked from a warm forkserver answer like subprocess.Popen."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from harness.commands import bench_process

pytestmark = pytest.mark.skipif(not bench_process.forked(), reason="no forkserver on this platform")

SUITE = '''
import os, time

def test_env_is_the_benchs():
    assert os.environ["BENCH_MARK"] == "seen"
    assert "LEFT_OUT" not in os.environ

def test_fails():
    assert 1 == 2

def test_slow():
    if os.environ.get("SLOW"):
        time.sleep(60)
'''


def _start(tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[Any, Path]:
    suite = tmp_path / "test_suite.py"
    suite.write_text(SUITE)
    log = tmp_path / "bench.log"
    child_env = {k: v for k, v in os.environ.items() if k != "LEFT_OUT"}
    child_env.update(BENCH_MARK="seen", **(env or {}))
    with open(log, "wb") as fh:
        proc = bench_process.start([sys.executable, "-m", "pytest", str(suite), "-p", "no:cacheprovider",
                                    "-q", "-p", "no:randomly", *extra], fh, child_env)
    return proc, log


def test_a_forked_bench_reports_pytests_exit_status_and_logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEFT_OUT", "parent only")
    try:
        proc, log = _start(tmp_path)
        assert isinstance(proc, bench_process.ForkedPytest)
        assert proc.wait(timeout=120) == 1  # pytest: some tests failed
        assert proc.poll() == 1 and proc.returncode == 1
        text = log.read_text()
        assert "1 failed, 2 passed" in text and "test_fails" in text
        proc, log = _start(tmp_path, "-k", "env")
        assert proc.wait(timeout=120) == 0
    finally:
        bench_process.shutdown()


def test_a_forked_bench_can_be_terminated(tmp_path: Path) -> None:
    try:
        proc, _ = _start(tmp_path, "-k", "slow", env={"SLOW": "1"})
        time.sleep(1.0)
        assert proc.poll() is None
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=0.1)
        proc.terminate()
        assert proc.wait(timeout=30) == -signal.SIGTERM
    finally:
        bench_process.shutdown()


def test_subprocess_mode_on_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(bench_process.SUBPROCESS_ENV, "1")
    proc, log = _start(tmp_path, "-k", "env")
    assert isinstance(proc, subprocess.Popen)
    assert proc.wait(timeout=120) == 0
