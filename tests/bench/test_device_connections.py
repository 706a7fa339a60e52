"""Per-device connections: a bench whose CH, ESME and IHD sit on three lines (two ptys from two
`harness emulate --no-control` processes and the in-process fake ZigBee radio). Each handle talks
over its own connection; each frame travels on its device's line, each line with its own log."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.bench.bench import Bench
from harness.gbcs.frame import parse_message
from harness.profiles import default_bench_path
from harness.transport import Frame, HanFrame, transport_for
from harness.transport.spawn import EmulatorProcess, spawn_emulator

DEVICES = Path(default_bench_path()).parent.parent / "devices"
GPF_EUI = bytes.fromhex("00DB12345678E0A3")


def _emulate(*extra: str) -> EmulatorProcess:
    return spawn_emulator("default", command=[sys.executable, "-m", "harness.cli", "emulate", "--profile", "default",
                                              "--serial", "pty", "--no-control", "--wake-interval", "1", *extra])


@pytest.fixture(scope="module")
def emulators() -> Iterator[tuple[EmulatorProcess, EmulatorProcess, str]]:
    """CH side (pty, and TCP for the ZigBee relay's HAN side) and ESME side (pty)."""
    ch = _emulate("--tcp", "127.0.0.1:0")
    esme = _emulate()
    try:
        tcp = next(line.split()[1] for line in ch.lines if line.startswith("TCP "))
        yield ch, esme, tcp
    finally:
        ch.stop()
        esme.stop()


class HanRelay:
    """The fake radio's remote: the GPF of the CH process, reached over the HAN (relayed to its TCP
    side), as an IHD dongle reaches a real GPF over the air."""

    def __init__(self, tcp: str) -> None:
        self.line = transport_for(f"tcp://{tcp}")
        self.seen: list[int] = []

    def __call__(self, cluster: int, zcl: bytes) -> list[tuple[Any, ...]]:
        self.seen.append(cluster)
        han = HanFrame(bytes.fromhex("00DB12345678E0A5"), GPF_EUI, cluster, zcl)
        reply = self.line.exchange(Frame.han(han), 10.0, skip_other_kinds=True)
        return [(cluster, HanFrame.from_bytes(reply.data).zcl)]


def test_each_device_talks_over_its_own_line(emulators: tuple[EmulatorProcess, EmulatorProcess, str],
                                             tmp_path: Path) -> None:
    pytest.importorskip("zigpy")
    from harness.zigbee.fake import fake_factory

    ch, esme_side, tcp = emulators
    profile = tmp_path / "three-lines.yaml"
    profile.write_text(f"""kind: bench
name: three-lines
connection: {{type: serial, path: {ch.pty_path}}}
devices:
  - profile: {DEVICES}/chf-sbch-new.yaml
  - profile: {DEVICES}/gpf-sbch-new.yaml
  - profile: {DEVICES}/gsme-new.yaml
    behaviours: {{wake_interval_s: 1}}
  - profile: {DEVICES}/esme.yaml
    connection: {{type: serial, path: {esme_side.pty_path}}}
  - profile: {DEVICES}/ihd.yaml
    connection: {{type: zigbee, radio: ezsp, path: /dev/ttyFAKE-IHD}}
""")
    relay = HanRelay(tcp)
    try:
        with Bench.from_profile(profile, app_factory=fake_factory(relay, GPF_EUI)) as bench:
            gpf, gsme, esme, ihd = (bench.handle(r) for r in ("GPF", "GSME", "ESME", "IHD"))
            assert gpf.transport is gsme.transport is bench.transport  # the CH's test port, shared
            assert esme.transport is not bench.transport and ihd.transport not in (bench.transport, esme.transport)
            assert len(bench.transports) == len(bench.exchange_logs) == 3
            seen = gsme.await_push(gpf, observable=True)  # ReadingSnapshotTime over the HAN, via the dongle
            assert seen.how == "han_snapshot"
            assert gpf.send("GCS13a").require().clock_status.IsFromGSME
            assert esme.send("ECS19").require().success
            by_line = {t.name: {(e.kind, e.direction) for e in t.log.events if e.direction in ("tx", "rx")}
                       for t in bench.transports}
            ch_line, esme_line, ihd_line = (by_line[t.name] for t in bench.transports)
            assert ("GBCS", "tx") in ch_line and ("HAN", "tx") not in ch_line  # HAN reads go by the dongle
            assert ("GBCS", "tx") in esme_line and ("HAN", "tx") not in esme_line
            assert ("HAN", "tx") in ihd_line and ("GBCS", "tx") not in ihd_line
            for line, role in ((bench.transport_of("ESME"), esme), (bench.transport, gpf)):
                sent = [parse_message(bytes(e.data)) for e in line.log.events if e.kind == "GBCS" and e.direction == "tx"]
                assert sent and {m.recipient for m in sent} == {role.eui}, line.name  # only its device's commands
            assert 0x0702 in relay.seen
    finally:
        relay.line.close()
