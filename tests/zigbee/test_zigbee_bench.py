"""A bench profile with a ``type: zigbee`` connection: ``Bench.from_profile`` builds a
ZigbeeTransport (fake radio here) and the handle API reaches the HAN device through it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.bench.bench import Bench
from harness.errors import CapabilityMissing
from harness.gbcs.frame import parse_message
from harness.zigbee import zse

from .conftest import rtds_hex

DATA = Path(__file__).resolve().parent / "data"
PROFILE = DATA / "zigbee-bench.yaml"
GPF_EUI = bytes.fromhex("00DB1234567890A3")  # the RTDS GPF: recipient of the GCS13a command


class TunnelRemote:
    """A HAN device that grants a GB-HRGP tunnel and answers every GBCS message with ``answer``."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.received: list[bytes] = []

    def __call__(self, cluster: int, zcl: bytes) -> list[tuple[Any, ...]]:
        hdr, payload = zse.parse_zcl(zcl)
        if cluster != zse.CLUSTER_TUNNELING:
            return []
        if hdr.command_id == zse.TUN_REQUEST_TUNNEL:
            return [(cluster, zse.request_tunnel_response(hdr.tsn, 0x0007, 0))]
        if hdr.command_id == zse.TUN_TRANSFER_DATA_C2S:
            tid, data = zse.parse_tunnel_id(payload, "transfer_data")
            self.received.append(zse.hrgp_unwrap(data)[1])
            reply = zse.hrgp_wrap(self.answer, zse.HRGP_PUT)
            return [(cluster, zse.transfer_data(0x20, tid, reply, from_server=True))]
        return []


@pytest.fixture
def gcs13a_pair() -> tuple[bytes, bytes]:
    return (rtds_hex("GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_COMMAND_GBCS.HEX"),
            rtds_hex("GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_RESPONSE_GBCS.HEX"))


def _bench(profile: Path, remote: TunnelRemote, apps: list[Any] | None = None) -> Bench:
    pytest.importorskip("zigpy")
    from harness.zigbee.fake import fake_factory

    return Bench.from_profile(profile, app_factory=fake_factory(remote, GPF_EUI, apps=apps))


def test_gcs13a_through_the_bench_handle_over_zigbee(gcs13a_pair: tuple[bytes, bytes]) -> None:
    command, response = gcs13a_pair
    remote = TunnelRemote(response)
    apps: list[Any] = []
    with _bench(PROFILE, remote, apps) as bench:
        assert type(bench.transport).__name__ == "ZigbeeTransport"
        assert bench.transport.name == "zigbee:ezsp:/dev/ttyFAKE-ZIGBEE"
        assert not bench.emulated
        device = apps[0].config["device"]
        assert (device["path"], device["baudrate"]) == ("/dev/ttyFAKE-ZIGBEE", 115200)
        gpf = bench.handle("GPF")
        assert gpf is not None
        ex = gpf.send("GCS13a", counter=parse_message(command).originator_counter)
        assert ex.error is None
        # the bench built the RTDS command byte for byte and sent it to the profile's device
        assert remote.received == [command]
        assert bench.transport.remote_eui == GPF_EUI  # type: ignore[attr-defined]
        r = ex.require()
        assert r.raw == response and r.mac.value == "valid"
        assert r.clock_status is not None and r.clock_status.IsFromGSME
        assert r.values["CurrentSummationDelivered"] == 12345
        # the bench transport's log saw both frames (what captures subscribe to)
        frames = [(e.direction, e.kind, e.data) for e in bench.exchange_log.events if e.direction != "note"]
        assert frames == [("tx", "GBCS", command), ("rx", "GBCS", response)]
        assert [e.direction for e in bench.recorder.entries] == ["tx", "rx"]


def test_bench_control_is_not_available_over_zigbee(gcs13a_pair: tuple[bytes, bytes]) -> None:
    with _bench(PROFILE, TunnelRemote(gcs13a_pair[1])) as bench:
        with pytest.raises(CapabilityMissing, match="real hardware"):
            bench.control("advance", seconds=1)


def test_usb_dongle_found_by_vid_pid_and_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                gcs13a_pair: tuple[bytes, bytes]) -> None:
    import harness.transport.ports as devices

    asked: list[tuple[str, str | None]] = []

    def find_port(vid_pid: str, serial: str | None = None) -> str:
        asked.append((vid_pid, serial))
        return "/dev/ttyACM7"

    monkeypatch.setattr(devices, "find_port", find_port)
    text = PROFILE.read_text().replace("  path: /dev/ttyFAKE-ZIGBEE\n",
                                       '  usb: {vid_pid: "10C4:EA60", serial: "ZB-0042"}\n')
    profile = tmp_path / "usb-bench.yaml"
    profile.write_text(text)
    with _bench(profile, TunnelRemote(gcs13a_pair[1])) as bench:
        assert bench.transport.name == "zigbee:ezsp:/dev/ttyACM7"
    assert asked == [("10c4:ea60", "ZB-0042")]


def test_without_zigpy_the_bench_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import harness.zigbee as zigbee

    monkeypatch.setattr(zigbee, "zigpy_available", lambda: False)
    with pytest.raises(CapabilityMissing, match=r"pip install harness\[zigbee\]"):
        Bench.from_profile(PROFILE)

