"""`harness emulate --no-control`: a hardware-like device side behind a real pty. CONTROL frames
are refused with a clear error, device clocks run on wall time, the GSME wakes and pushes on its
own; a hand-written `type: serial` profile reaches it as a lab reaches /dev/ttyUSB0 and sees the
pushes over the HAN."""

from __future__ import annotations

import datetime as _dt
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.bench.bench import Bench
from harness.errors import CapabilityMissing, DeviceError
from harness.gbcs.datetime import ClockSource
from harness.profiles import default_bench_path
from harness.transport import Frame, transport_for
from harness.transport.spawn import EmulatorProcess, spawn_emulator

DEVICES = Path(default_bench_path()).parent.parent / "devices"
WAKE_S = 1.0


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    proc = spawn_emulator("default", command=[sys.executable, "-m", "harness.cli", "emulate", "--profile", "default",
                                              "--serial", "pty", "--no-control", "--wake-interval", str(WAKE_S)])
    yield proc
    proc.stop()


def serial_profile(tmp_path: Path, pty: str) -> Path:
    p = tmp_path / "lab.yaml"
    p.write_text(f"""kind: bench
name: hand-written
connection:
  type: serial
  path: {pty}
devices:
  - profile: {DEVICES}/chf-sbch-new.yaml
  - profile: {DEVICES}/gpf-sbch-new.yaml
  - profile: {DEVICES}/gsme-new.yaml
    behaviours:
      wake_interval_s: {WAKE_S:g}
    stimuli:
      push: wait
  - profile: {DEVICES}/esme.yaml
  - profile: {DEVICES}/ihd.yaml
""")
    return p


def test_control_frames_are_refused_with_a_clear_error(emulator: EmulatorProcess) -> None:
    t = transport_for(emulator.pty_path, baudrate=115200)
    try:
        with pytest.raises(DeviceError, match="no control channel.*CONTROL frames are refused"):
            t.exchange(Frame.control({"op": "push"}), 5.0, skip_other_kinds=True)
    finally:
        t.close()


def test_gsme_pushes_on_its_own_and_clocks_run_on_wall_time(emulator: EmulatorProcess, tmp_path: Path) -> None:
    with Bench.from_profile(serial_profile(tmp_path, emulator.pty_path)) as bench:
        assert not bench.emulated
        with pytest.raises(CapabilityMissing, match="no control channel"):
            bench.control("push")
        gsme, gpf = bench.handle("GSME"), bench.handle("GPF")
        first = gsme.await_push(gpf, observable=True)
        second = gsme.await_push(gpf, observable=True)
        assert first.how == second.how == "han_snapshot"
        assert 0.5 * WAKE_S <= (second.at - first.at).total_seconds() <= 2 * WAKE_S + 1  # its own wake interval
        wall = _dt.datetime.now(_dt.timezone.utc)
        assert abs((second.at - wall).total_seconds()) < 3  # the GSME's clock is wall time
        response = gpf.send("GCS13a").require()
        assert response.clock_status.source is ClockSource.GSME
        assert abs((response.date_time.to_datetime() - wall).total_seconds()) < 3
