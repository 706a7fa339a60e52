"""A bench without a control channel, as a lab engineer meets it: ``--operator`` prompts (shown in
the terminal with a countdown, answered by Enter, a timeout skips the test with the reason),
progress lines during real waits, and the planned duration printed before the run."""

from __future__ import annotations

import contextlib
import os
import select
import sys
import time
from typing import IO, Any

import pytest

from harness.bench import identity

PROMPT_TICK_S = 1.0


def prompt(instruction: str, timeout_s: float, stdin: IO[str], out: IO[str]) -> bool:
    """Show ``instruction`` with a countdown until Enter (True) or the timeout (False)."""
    end = time.monotonic() + timeout_s
    fd = stdin.fileno()
    while True:
        left = end - time.monotonic()
        if left <= 0:
            out.write(f"\r{instruction} -- no answer within {timeout_s:g} s\n")
            out.flush()
            return False
        out.write(f"\r{instruction} -- press Enter when done ({left:4.0f} s left) ")
        out.flush()
        ready, _, _ = select.select([fd], [], [], min(PROMPT_TICK_S, left))
        if ready:
            line = os.read(fd, 1024)
            out.write("\n")
            out.flush()
            return bool(line)  # EOF (no terminal) is no answer


def _uncaptured(config: pytest.Config) -> Any:
    capman = config.pluginmanager.getplugin("capturemanager")
    return capman.global_and_fixture_disabled() if capman is not None else contextlib.nullcontext()


class TerminalOperator:
    """The engineer at the terminal (``--operator``): pytest's capture is suspended while asking."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def ask(self, instruction: str, timeout_s: float) -> bool:
        with _uncaptured(self.config):
            return prompt(instruction, timeout_s, sys.stdin, sys.stderr)


def progress_writer(config: pytest.Config) -> Any:
    """``progress(text)``: one line in the terminal while a test waits for real."""

    def progress(text: str) -> None:
        with _uncaptured(config):
            sys.stderr.write(f"  ... {text}\n")
            sys.stderr.flush()

    return progress


def attach(bench: Any, config: pytest.Config, operator: bool) -> None:
    """Give a live bench its operator (with ``--operator``) and its progress line."""
    bench.operator = TerminalOperator(config) if operator else None
    bench.progress = progress_writer(config)


def planned_wait_s(items: list[pytest.Item], profile: Any) -> tuple[float, int]:
    """(seconds, tests): the real waiting the collected tests plan on this bench: a GSME wake for
    each test that uses the ``push`` fixture (two pushes on average) or reads gas debt."""
    gsme = identity.device_for(profile, "GSME")
    wake = identity.behaviours(gsme).get("wake_interval_s") if gsme is not None else None
    if not wake:
        return 0.0, 0
    total, waiting = 0.0, 0
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        gas = callspec is not None and callspec.params.get("fuel") == "GSME"
        if "push" in names or gas:
            waiting += 1
            total += float(wake) * (2 if "push" in names else 1)
    return total, waiting


def announce(config: pytest.Config, items: list[pytest.Item], profile: Any) -> None:
    """Before a run on a bench without control: the planned duration (sum of declared waits)."""
    if identity.connection_type(profile) in ("emulated", "emulated-process"):
        return
    seconds, waiting = planned_wait_s(items, profile)
    name = profile.name or "bench"
    tr = config.pluginmanager.get_plugin("terminalreporter")
    line = (f"harness: bench '{name}' has no control channel: about {seconds / 60:.1f} min of real waiting planned "
            f"({waiting} of {len(items)} tests wait for GSME wakes; each wait at most timeouts.max_wait_s)")
    if tr is not None:
        tr.write_line(line)
    else:
        sys.stderr.write(line + "\n")
