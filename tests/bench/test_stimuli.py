"""Stimuli strategies on a bench without control: operator prompts (Enter, countdown, timeout),
the switch-driver hook, real waits bounded by ``timeouts.max_wait_s``, honest skips naming keys."""

from __future__ import annotations

import datetime as _dt
import io
import os
import time
from pathlib import Path

import pytest

from harness.bench import stimuli
from harness.bench.bench import Bench
from harness.emulators import EmulatorHost, HostConfig
from harness.errors import CapabilityMissing
from harness.plugin.realbench import prompt
from harness.profiles import default_bench_path, load_bench
from harness.transport import InProcessTransport

DEVICES = Path(default_bench_path()).parent.parent / "devices"


def bench_with(tmp_path: Path, gsme_stimuli: str, max_wait_s: int = 900) -> Bench:
    """A bench without control (devices served in-process, but reached as real hardware)."""
    p = tmp_path / "b.yaml"
    p.write_text(f"""kind: bench
name: lab
connection: {{type: serial, path: /dev/null}}
timeouts: {{max_wait_s: {max_wait_s}, operator_s: 7}}
devices:
  - profile: {DEVICES}/gpf-sbch-new.yaml
  - profile: {DEVICES}/gsme-new.yaml
    stimuli: {{{gsme_stimuli}}}
  - profile: {DEVICES}/ihd.yaml
""")
    profile = load_bench(p)
    host = EmulatorHost(HostConfig.from_profile(profile))
    return Bench(profile, InProcessTransport(host, name="lab"), path=str(p), emulated=False)


class FakeOperator:
    def __init__(self, answer: bool) -> None:
        self.answer, self.asked = answer, []  # type: ignore[var-annotated]

    def ask(self, instruction: str, timeout_s: float) -> bool:
        self.asked.append((instruction, timeout_s))
        return self.answer


def test_operator_stimulus_prompts_and_a_missing_operator_skips(tmp_path: Path) -> None:
    bench = bench_with(tmp_path, "han_outage: operator")
    gsme = bench.handle("GSME")
    with pytest.raises(CapabilityMissing, match="needs an operator.*--operator"):
        gsme.set_han_outage(True)
    bench.operator = FakeOperator(True)
    gsme.set_han_outage(True)
    instruction, timeout = bench.operator.asked[0]
    assert "RF-shield box" in instruction and timeout == 7
    bench.operator = FakeOperator(False)
    with pytest.raises(CapabilityMissing, match="did not confirm"):
        gsme.set_han_outage(False)


def test_switch_stimulus_calls_the_registered_driver(tmp_path: Path) -> None:
    calls: list[tuple[str, bool]] = []
    stimuli.register_switch("test-relay", lambda dev, event, active: calls.append((event, active)))
    gsme = bench_with(tmp_path, "han_outage: switch, switch: test-relay").handle("GSME")
    gsme.set_han_outage(True)
    gsme.set_han_outage(False)
    assert calls == [("han_outage", True), ("han_outage", False)]
    missing = bench_with(tmp_path, "han_outage: switch, switch: no-such-relay").handle("GSME")
    with pytest.raises(CapabilityMissing, match=r"no switch driver 'no-such-relay'.*stimuli\.switch"):
        missing.set_han_outage(True)


def test_none_skips_naming_the_profile_key(tmp_path: Path) -> None:
    gsme = bench_with(tmp_path, "han_outage: none").handle("GSME")
    with pytest.raises(CapabilityMissing, match=r"devices\[GSME\]\.stimuli\.han_outage: operator \| switch"):
        gsme.set_han_outage(True)
    with pytest.raises(CapabilityMissing, match=r"stimuli\.state"):
        gsme.set_state(CurrentSummationDelivered=1)


def test_wall_clock_waits_for_real_and_refuses_more_than_max_wait(tmp_path: Path) -> None:
    bench = bench_with(tmp_path, "push: wait", max_wait_s=5)
    lines: list[str] = []
    bench.progress = lines.append
    t0 = time.monotonic()
    bench.clock.advance(_dt.timedelta(seconds=0.3))
    assert time.monotonic() - t0 >= 0.3
    with pytest.raises(CapabilityMissing, match=r"timeouts\.max_wait_s"):
        bench.clock.advance(_dt.timedelta(hours=3))


def test_operator_prompt_enter_timeout_and_no_terminal() -> None:
    r, w = os.pipe()
    with os.fdopen(r) as stdin:
        out = io.StringIO()
        os.write(w, b"\n")
        assert prompt("press the GSME's button", 5, stdin, out) is True
        assert "press Enter" in out.getvalue()
        out = io.StringIO()
        t0 = time.monotonic()
        assert prompt("press the GSME's button", 1.2, stdin, out) is False
        assert time.monotonic() - t0 >= 1.2 and "no answer within" in out.getvalue()
        os.close(w)
        assert prompt("press the GSME's button", 5, stdin, io.StringIO()) is False  # EOF: nobody there




def test_a_push_wait_longer_than_max_wait_skips(tmp_path: Path) -> None:
    bench = bench_with(tmp_path, "push: wait", max_wait_s=60)  # gsme-new declares a 1800 s wake
    with pytest.raises(CapabilityMissing, match=r"timeouts\.max_wait_s"):
        bench.handle("GSME").await_push(bench.handle("GPF"), observable=True)
