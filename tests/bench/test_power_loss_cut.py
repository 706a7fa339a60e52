"""``power_loss: switch`` (harness/bench/powerloss.py): the harness writes the command, cuts the
meter's supply as soon as the command is on the line, keeps it off ``off_s``, switches it on and
probes until the meter answers; a bench without the meter's switch skips (CapabilityMissing)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from harness.bench.api import SentCommand
from harness.bench.powerloss import cut_during
from harness.errors import CapabilityMissing, DeviceNotBack
from harness.lab.power import BenchPower

LOG: list[tuple[str, float]] = []


class Switch:
    role = "ESME"
    off_s = 0.2

    def __init__(self) -> None:
        self.driver = self

    def get(self) -> bool:
        LOG.append(("get", time.monotonic()))
        return True

    def off(self) -> None:
        LOG.append(("off", time.monotonic()))

    def on(self) -> None:
        LOG.append(("on", time.monotonic()))


class Power:
    def __init__(self) -> None:
        self.switches = {"ESME": Switch()}

    def switch(self, role: str) -> Switch:
        if role not in self.switches:
            raise CapabilityMissing(f"no power switch for {role}")
        return self.switches[role]


class Line:
    def wire_time(self, frame: Any) -> float:
        return 0.05


class Handle:
    transport = Line()

    def __init__(self, reply: Any = None) -> None:
        self.reply = reply
        self.timeouts: list[float | None] = []

    def submit(self, use_case: str, **params: Any) -> Any:
        LOG.append((f"submit {use_case} {params}", time.monotonic()))
        return SentCommand(use_case, None, b"\x00" * 10, None)  # type: ignore[arg-type]

    def collect(self, sent: Any, timeout: float | None = None) -> Any:
        LOG.append(("collect", time.monotonic()))
        self.timeouts.append(timeout)
        return self.reply


class Bench:
    name = "cut"
    timeouts_restart = 1.0
    progress = None

    def __init__(self) -> None:
        self.power = Power()


@pytest.fixture(autouse=True)
def _clear() -> None:
    LOG.clear()


def test_the_cut_follows_the_command_on_the_line_then_the_meter_is_probed() -> None:
    probes: list[float] = []

    def probe() -> str | None:
        probes.append(time.monotonic())
        return None if len(probes) >= 2 else "timeout"

    handle = Handle(reply="silence")
    cut = cut_during(Bench(), "ESME", handle, "ECS07r", probe, register="TDR1")
    steps = [s for s, _ in LOG]
    assert steps == ["get", "submit ECS07r {'register': 'TDR1'}", "off", "collect", "on"]
    at = dict(LOG)
    assert at["off"] - at["submit ECS07r {'register': 'TDR1'}"] >= 0.05  # its last byte on the line first
    assert at["on"] - at["off"] >= Switch.off_s
    assert handle.timeouts == [Switch.off_s]  # a reply that left before the cut is still taken
    assert cut.exchange == "silence" and len(probes) == 2 and probes[0] >= at["on"]
    assert "supply cut" in cut.how and "lab.power.ESME" in cut.how and "answering again" in cut.how
    assert 0.05 <= cut.cut_after_s < 1.0


def test_a_meter_that_never_answers_again_is_not_back() -> None:
    bench = Bench()
    bench.timeouts_restart = 0.3
    with pytest.raises(DeviceNotBack, match="did not answer after a supply cut"):
        cut_during(bench, "ESME", Handle(), "ECS07r", lambda: "timeout", register="PDR")
    assert [s for s, _ in LOG][-1] == "on"  # switched on again before probing


def test_without_the_meters_switch_nothing_is_sent() -> None:
    with pytest.raises(CapabilityMissing):
        cut_during(Bench(), "GSME", Handle(), "GCS04r", lambda: None, register="PDR")
    assert LOG == []
    with pytest.raises(CapabilityMissing, match="declares no power switch for GSME"):
        BenchPower("cut", {"ESME": {}}).switch("GSME")
