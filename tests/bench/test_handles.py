"""Device handles over the in-process transport: the api.py contract, verdicts, records."""

from __future__ import annotations

import datetime as _dt
import time

import pytest

from harness.bench.api import Verdict
from harness.bench.bench import Bench
from harness.bench.counter import OriginatorCounter
from harness.errors import CapabilityMissing, TransportTimeout
from harness.gbcs.datetime import ClockSource, Reliability
from harness.profiles import load_bench
from harness.transport import Frame, InProcessTransport
from tests.bench.conftest import BENCHES


def test_gcs13a_time_source_follows_the_gsme_snapshot(default_bench: Bench) -> None:
    gpf, gsme = default_bench.handle("GPF"), default_bench.handle("GSME")
    before = gpf.send("GCS13a").require()
    assert before.mac is Verdict.VALID and before.signature is Verdict.ABSENT
    assert before.clock_status.source is ClockSource.RESPONDER
    gsme.push()
    after = gpf.send("GCS13a").require()
    assert after.mac is Verdict.VALID
    assert after.clock_status.source is ClockSource.GSME
    assert after.clock_status.reliability is Reliability.RELIABLE
    assert after.values["Divisor"] == 1000


def test_gcs60a_carries_a_date_time_and_balance(default_bench: Bench) -> None:
    r = default_bench.handle("GPF").send("GCS60a").require()
    assert r.date_time is not None and r.success
    assert "meter_balance" in r.debt


def test_old_gsme_never_gives_the_gpf_a_snapshot_time() -> None:
    bench = Bench.from_profile(str(BENCHES / "pit-sbch-chnew-gsmeold.yaml"))
    try:
        bench.reset()
        bench.handle("GSME").push()
        r = bench.handle("GPF").send("GCS13a").require()
        assert r.clock_status.source is ClockSource.RESPONDER
    finally:
        bench.close()


@pytest.mark.parametrize("register", ["TDR1", "TDR2", "PDR"])
def test_reset_one_debt_register_on_both_fuels(default_bench: Bench, register: str) -> None:
    gsme, esme = default_bench.handle("GSME"), default_bench.handle("ESME")
    gas_before = gsme.send("GCS14").require().debt
    elec_before = esme.send("ECS19").require().debt
    for handle, uc in ((gsme, "GCS04r"), (esme, "ECS07r")):
        r = handle.send(uc, register=register).require()
        assert r.success
        assert r.signature is Verdict.VALID  # critical response, signed by the device
        assert r.mac is Verdict.ABSENT
    gas_after = gsme.send("GCS14").require().debt
    elec_after = esme.send("ECS19").require().debt
    for before, after in ((gas_before, gas_after), (elec_before, elec_after)):
        assert after[register] == 0
        for other in {"TDR1", "TDR2", "PDR"} - {register}:
            assert after[other] == before[other]


@pytest.mark.parametrize("tamper", ["unsigned", "bad_signature", "bad_mac", "no_mac"])
def test_tampered_critical_command_is_rejected_not_raised(default_bench: Bench, tamper: str) -> None:
    ex = default_bench.handle("GSME").send("GCS04r", register="TDR1", tamper=tamper)
    if tamper == "no_mac":  # the signed message alone: General-Signing, no General-Ciphering wrapper
        assert ex.command.mac is None and ex.command.signature and ex.command_raw[0] == 0xDF
    assert ex.response is None
    assert ex.error is not None and ex.error.startswith("rejected: alert")
    with pytest.raises(AssertionError, match="rejected"):
        ex.require()


def test_no_mac_needs_a_critical_command(default_bench: Bench) -> None:
    """Without a MAC a non-critical command would have no GBCS form at all: refused at build."""
    from harness.errors import EncodeError

    with pytest.raises(EncodeError, match="not critical"):
        default_bench.handle("GSME").send("GCS13a", tamper="no_mac")


def test_replayed_counter_is_rejected(default_bench: Bench) -> None:
    esme = default_bench.handle("ESME")
    first = esme.send("ECS07r", register="TDR1")
    assert first.response is not None
    again = esme.send("ECS07r", register="TDR1", counter=first.command.originator_counter)
    assert again.response is None and again.error and "rejected" in again.error
    assert esme.send("ECS07r", register="TDR2").response is not None  # counter moved past it


def test_counter_is_time_based_and_strictly_increasing() -> None:
    ticks = iter([1_000, 1_000, 999, 5_000, 5_001])
    counter = OriginatorCounter(now_us=lambda: next(ticks))
    values = [counter.next() for _ in range(4)]
    assert values == [1_000, 1_001, 1_002, 5_000]
    counter.observe(9_000)  # an explicit counter was used: never hand it out again
    assert counter.next() == 9_001


def test_default_counter_starts_from_wall_time() -> None:
    import time

    before = time.time_ns() // 1000
    assert OriginatorCounter().next() >= before


def test_exchanges_are_recorded_with_date_time_in_words(default_bench: Bench) -> None:
    default_bench.recorder.clear()
    default_bench.handle("GSME").push()
    default_bench.handle("GPF").send("GCS13a")
    entries = default_bench.recorder.take()
    assert [e.direction for e in entries] == ["tx", "rx"]
    rx = entries[1]
    assert rx.summary.startswith("GCS13a rx 2026-01-01 00:00:00 (from GSME, reliable)")
    assert bytes.fromhex(rx.hex)[0] == 0xDD
    assert rx.decoded["mac"] == "valid"
    assert default_bench.recorder.take() == []


def test_han_read_of_reading_snapshot_time(default_bench: Bench) -> None:
    gpf = default_bench.handle("GPF")
    never = gpf.read_attribute(0x0702, 0x0007)
    assert never.status == 0 and never.value == 0xFFFFFFFF  # never populated: invalid time
    default_bench.handle("GSME").push()
    after = gpf.read_attribute(0x0702, 0x0007)
    assert after.status == 0 and after.value != 0xFFFFFFFF


def test_clock_advances_on_emulated_bench_only(default_bench: Bench) -> None:
    start = default_bench.clock.now()
    default_bench.clock.advance(_dt.timedelta(minutes=30))
    assert default_bench.clock.now() - start == _dt.timedelta(minutes=30)
    real = Bench(load_bench(str(BENCHES / "emulated-default.yaml")), InProcessTransport(_Silent()), emulated=False)
    t0 = time.monotonic()
    real.clock.advance(_dt.timedelta(seconds=0.2))  # a real bench's time passes by really waiting
    assert time.monotonic() - t0 >= 0.2
    with pytest.raises(CapabilityMissing, match=r"timeouts\.max_wait_s"):
        real.clock.advance(_dt.timedelta(hours=3))  # longer than the bench allows: the test skips
    with pytest.raises(CapabilityMissing):
        real.control("push")


class _Silent:
    def handle(self, frame: Frame) -> list[Frame]:
        return []


class _Broken:
    def handle(self, frame: Frame) -> list[Frame]:
        return [Frame.error("firmware fault 42")]


def test_silent_device_gives_an_exchange_with_a_typed_cause() -> None:
    bench = Bench(load_bench(str(BENCHES / "emulated-default.yaml")), InProcessTransport(_Silent()), emulated=False)
    ex = bench.handle("GPF").send("GCS13a")
    assert ex.response is None and ex.error and ex.error.startswith("timeout:")
    assert isinstance(ex.cause, TransportTimeout)
    assert "inproc" in ex.error


def test_error_frame_gives_an_exchange_with_the_text() -> None:
    bench = Bench(load_bench(str(BENCHES / "emulated-default.yaml")), InProcessTransport(_Broken()), emulated=False)
    ex = bench.handle("ESME").send("ECS82")
    assert ex.response is None and ex.error == "device error: firmware fault 42"


def test_bench_without_a_role_has_no_handle(default_bench: Bench) -> None:
    assert default_bench.handle("PPMID") is None
    assert default_bench.handle("gsme") is default_bench.handle("GSME")
