"""End to end over a real pty: ``harness emulate`` runs as a SEPARATE PROCESS, the bench client
talks to it with pyserial (SerialTransport) and checks every MAC and signature."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.bench.api import Verdict
from harness.bench.bench import Bench
from harness.errors import PortVanished, TransportError, TransportTimeout
from harness.gbcs.datetime import ClockSource, Reliability
from harness.profiles import load_bench
from harness.transport import SerialTransport
from tests.bench.conftest import BENCHES, bench_yaml

DEVICES_NEW = ["chf-sbch-new.yaml", "gpf-sbch-new.yaml", "gsme-new.yaml", "esme.yaml", "ihd.yaml"]
DEVICES_OLD_GSME = ["chf-sbch-new.yaml", "gpf-sbch-new.yaml", "gsme-old.yaml", "esme.yaml", "ihd.yaml"]


@pytest.fixture(scope="module", params=["gsme-secmp0015", "gsme-old"])
def pty_bench(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    devices = DEVICES_NEW if request.param == "gsme-secmp0015" else DEVICES_OLD_GSME
    path = bench_yaml(tmp_path_factory.mktemp("pty"), f"pty-{request.param}", devices, "emulated-process")
    bench = Bench.from_profile(str(path))
    yield bench
    bench.close()
    assert bench.process is not None and not bench.process.alive()


def test_emulator_is_a_separate_process_behind_pyserial(pty_bench: Bench) -> None:
    assert isinstance(pty_bench.transport, SerialTransport)
    assert pty_bench.process is not None and pty_bench.process.alive()
    assert pty_bench.process.pid != os.getpid()
    assert pty_bench.transport.name == pty_bench.process.pty_path


@pytest.mark.parametrize("use_case", ["GCS13a", "GCS60a"])
def test_gpf_read_with_and_without_snapshot_time(pty_bench: Bench, use_case: str) -> None:
    pty_bench.reset()
    gpf, gsme = pty_bench.handle("GPF"), pty_bench.handle("GSME")
    without = gpf.send(use_case).require()
    assert without.mac is Verdict.VALID
    assert without.date_time is not None
    assert without.clock_status.source is ClockSource.RESPONDER
    gsme.push()
    with_push = gpf.send(use_case).require()
    assert with_push.mac is Verdict.VALID
    secmp0015 = gsme.behaviour("secmp0015", False)
    if secmp0015:
        assert with_push.clock_status.source is ClockSource.GSME
        assert with_push.clock_status.reliability is Reliability.RELIABLE
    else:
        assert with_push.clock_status.source is ClockSource.RESPONDER
    assert with_push.originator_counter == with_push.message.originator_counter
    entries = pty_bench.recorder.take()
    assert any("from GSME, reliable" in e.summary for e in entries) == bool(secmp0015)


@pytest.mark.parametrize("register", ["TDR1", "TDR2", "PDR"])
def test_reset_each_debt_register_on_both_fuels(pty_bench: Bench, register: str) -> None:
    pty_bench.reset()
    for handle, reset_uc, read_uc in ((pty_bench.handle("GSME"), "GCS04r", "GCS14"),
                                      (pty_bench.handle("ESME"), "ECS07r", "ECS19")):
        before = handle.send(read_uc).require()
        assert before.mac is Verdict.VALID
        assert before.debt[register] != 0
        reset = handle.send(reset_uc, register=register).require()
        assert reset.signature is Verdict.VALID and reset.success
        after = handle.send(read_uc).require()
        assert after.mac is Verdict.VALID
        assert after.debt[register] == 0
        for other in {"TDR1", "TDR2", "PDR"} - {register}:
            assert after.debt[other] == before.debt[other]


def test_silent_device_times_out_naming_the_port() -> None:
    master, slave = os.openpty()
    try:
        port = os.ttyname(slave)
        bench = Bench(load_bench(str(BENCHES / "emulated-default.yaml")), SerialTransport(port), emulated=False)
        bench.timeouts_response = 0.3
        t0 = time.monotonic()
        ex = bench.handle("GPF").send("GCS13a")
        elapsed = time.monotonic() - t0
        assert isinstance(ex.cause, TransportTimeout)
        assert ex.error is not None and port in ex.error and "within 0.3 s" in ex.error
        assert elapsed < 2.0
        assert os.read(master, 4096)[:1] == b"\x7e"  # the command did go out on the line
        bench.close()
    finally:
        os.close(master)
        os.close(slave)


def test_vanished_port_is_a_typed_error(tmp_path: Path) -> None:
    path = bench_yaml(tmp_path, "pty-vanish", DEVICES_NEW, "emulated-process")
    bench = Bench.from_profile(str(path))
    try:
        assert bench.process is not None
        assert bench.handle("GPF").send("GCS13a").response is not None
        os.kill(bench.process.pid, signal.SIGKILL)
        bench.process.proc.wait(10)
        bench.timeouts_response = 2.0
        t0 = time.monotonic()
        with pytest.raises(TransportError) as info:
            bench.handle("GPF").send("GCS13a")
        assert time.monotonic() - t0 < 5.0
        assert isinstance(info.value, PortVanished)
        assert bench.process.pty_path in str(info.value)
    finally:
        bench.close()
