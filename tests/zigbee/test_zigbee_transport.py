"""ZigbeeTransport against the fake radio: GCS13a through the GB-HRGP tunnel, a Metering
ReadingSnapshotTime read, the Smart Energy profile workaround, typed failures."""

from __future__ import annotations

import errno
import struct
from typing import Any

import pytest

from harness.errors import DeviceError, PortBusy, PortVanished, TransportError, TransportTimeout
from harness.gbcs.frame import parse_message
from harness.transport import ExchangeLog, Frame, FrameKind, HanFrame
from harness.zigbee import zse

from .conftest import EPOCH_2000, REMOTE_EUI, SNAPSHOT, FakeHanDevice

pytest.importorskip("zigpy")

from harness.zigbee.fake import fake_factory  # noqa: E402
from harness.zigbee.transport import ZigbeeTransport  # noqa: E402


def read_snapshot(t: ZigbeeTransport, tsn: int = 5, timeout: float = 2.0) -> list[zse.AttributeRecord]:
    request = HanFrame(t.local_eui, REMOTE_EUI, zse.CLUSTER_METERING,
                       zse.read_attributes(tsn, [zse.ATTR_READING_SNAPSHOT_TIME]))
    reply = t.exchange(Frame.han(request), timeout)
    assert reply.kind == FrameKind.HAN
    han = HanFrame.from_bytes(reply.data)
    assert (han.src_eui, han.dst_eui, han.cluster) == (REMOTE_EUI, t.local_eui, zse.CLUSTER_METERING)
    hdr, payload = zse.parse_zcl(han.zcl)
    assert (hdr.command_id, hdr.tsn, hdr.server_to_client) == (zse.CMD_READ_ATTRIBUTES_RESPONSE, tsn, True)
    return zse.parse_read_attributes_response(payload)


def test_gcs13a_travels_in_the_gb_hrgp_tunnel(zigbee: ZigbeeTransport, gcs13a: tuple[bytes, bytes]) -> None:
    command, response = gcs13a
    reply = zigbee.exchange(Frame.gbcs(command), 2.0)
    assert reply == Frame.gbcs(response)
    assert parse_message(reply.data).message_code == 0x0074  # GCS13a
    sent = zigbee.fake_app.se_sent  # type: ignore[attr-defined]
    assert [(p.profile_id, p.cluster_id) for p in sent] == [(0x0109, 0x0704), (0x0109, 0x0704)]
    hdr, payload = zse.parse_zcl(bytes(sent[0].data.serialize()))
    assert (hdr.frame_control & 0x0B, hdr.command_id) == (0x01, zse.TUN_REQUEST_TUNNEL)
    assert payload[0] == zse.PROTOCOL_GB_HRGP
    hdr, payload = zse.parse_zcl(bytes(sent[1].data.serialize()))
    assert hdr.command_id == zse.TUN_TRANSFER_DATA_C2S
    assert payload == struct.pack("<H", 0x0042) + bytes((zse.HRGP_PUT,)) + command
    # the tunnel is requested once
    assert zigbee.exchange(Frame.gbcs(command), 2.0) == Frame.gbcs(response)
    assert len(zigbee.fake_app.se_sent) == 3  # type: ignore[attr-defined]


def test_reading_snapshot_time_read(zigbee: ZigbeeTransport) -> None:
    [record] = read_snapshot(zigbee)
    assert (record.attribute_id, record.status, record.data_type) == (0x0007, 0, 0xE2)
    assert EPOCH_2000.timestamp() + int(record.value) == SNAPSHOT.timestamp()  # type: ignore[arg-type]


@pytest.mark.parametrize("snapshot,status,value", [(zse.UTCTIME_INVALID, 0x00, 0xFFFFFFFF), (None, 0x86, None)])
def test_reading_snapshot_time_invalid_or_unsupported(zigbee: ZigbeeTransport, han_device: FakeHanDevice,
                                                      snapshot: int | None, status: int, value: int | None) -> None:
    han_device.snapshot = snapshot
    [record] = read_snapshot(zigbee, tsn=9)
    assert (record.status, record.value) == (status, value)


def test_zigpy_drops_smart_energy_replies_without_the_workaround(zigbee: ZigbeeTransport) -> None:
    """Where zigpy drops them: Device._parse_packet_header knows only ZDO/ZHA/ZLL profiles."""
    app = zigbee.fake_app  # type: ignore[attr-defined]
    device = app.get_device(ieee=app.remote_ieee)
    zcl = zse.encode_read_attributes_response(1, [zse.AttributeRecord(7, 0, 0xE2, 1)])
    assert device._parse_packet_header(app.remote_packet(0x0702, zcl)) == (None, None)
    hdr, _ = device._parse_packet_header(app.remote_packet(0x0702, zcl, profile=0x0104))
    assert hdr.tsn == 1  # the same frame under the HA profile is parsed
    # remove the transport's hook: the reply never reaches the harness
    del app.packet_received
    with pytest.raises(TransportTimeout):
        read_snapshot(zigbee, timeout=0.1)
    # and with it back, the same read succeeds
    zigbee._install_hooks()
    assert read_snapshot(zigbee)[0].status == 0


def test_frames_from_other_profiles_or_devices_are_ignored(zigbee: ZigbeeTransport) -> None:
    app = zigbee.fake_app  # type: ignore[attr-defined]
    zcl = zse.encode_read_attributes_response(1, [zse.AttributeRecord(7, 0, 0xE2, 1)])
    zigbee._loop.call_soon_threadsafe(app.packet_received, app.remote_packet(0x0702, zcl, profile=0x0104))
    with pytest.raises(TransportTimeout):
        zigbee.receive(0.1)


def test_remote_opens_the_tunnel_when_we_are_server(han_device: FakeHanDevice, gcs13a: tuple[bytes, bytes]) -> None:
    command, response = gcs13a
    apps: list[Any] = []
    t = ZigbeeTransport("znp", "/dev/ttyFAKE1", REMOTE_EUI, tunnel_role="server", send_timeout=2.0,
                        app_factory=fake_factory(han_device, REMOTE_EUI, apps=apps))
    try:
        app = apps[0]
        t._loop.call_soon_threadsafe(app.packet_received, app.remote_packet(
            zse.CLUSTER_TUNNELING, zse.request_tunnel(3, manufacturer_code=0x1234)))
        han_device.tunnel_id = 1  # the id the transport grants first
        assert t.exchange(Frame.gbcs(command), 2.0) == Frame.gbcs(response)
        kinds = [zse.parse_zcl(bytes(p.data.serialize()))[0] for p in app.se_sent]
        assert [(h.server_to_client, h.command_id) for h in kinds] == [
            (True, zse.TUN_REQUEST_TUNNEL_RESPONSE), (True, zse.TUN_TRANSFER_DATA_S2C)]
    finally:
        t.close()


def test_transfer_data_error_becomes_device_error(zigbee: ZigbeeTransport) -> None:
    with pytest.raises(DeviceError, match="TransferDataError NO_SUCH_TUNNEL"):
        zigbee.exchange(Frame.gbcs(b"\xdd\x00unknown"), 2.0)


def test_bench_control_is_refused(zigbee: ZigbeeTransport) -> None:
    with pytest.raises(DeviceError, match="bench control"):
        zigbee.exchange(Frame.control({"op": "advance"}), 1.0)


def test_every_frame_is_logged(han_device: FakeHanDevice, gcs13a: tuple[bytes, bytes]) -> None:
    log = ExchangeLog()
    t = ZigbeeTransport("deconz", "/dev/ttyFAKE2", REMOTE_EUI, log=log,
                        app_factory=fake_factory(han_device, REMOTE_EUI))
    with t:
        t.exchange(Frame.gbcs(gcs13a[0]), 2.0)
    frames = [(e.direction, e.kind, e.data) for e in log.events if e.direction in ("tx", "rx")]
    assert frames == [("tx", "GBCS", gcs13a[0]), ("rx", "GBCS", gcs13a[1])]
    assert all(e.port == "zigbee:deconz:/dev/ttyFAKE2" for e in log.events)


# --- robustness -------------------------------------------------------------------------


@pytest.mark.parametrize("exc,error", [
    (OSError(errno.EBUSY, "Device or resource busy"), PortBusy),
    (OSError("Could not exclusively lock port /dev/ttyUSB0"), PortBusy),
    (FileNotFoundError(errno.ENOENT, "No such file or directory"), PortVanished),
    (RuntimeError("bad firmware"), TransportError),
])
def test_start_failures_are_typed_and_name_the_dongle(exc: BaseException, error: type[TransportError]) -> None:
    with pytest.raises(error, match="zigbee:ezsp:/dev/ttyUSB7") as info:
        ZigbeeTransport("ezsp", "/dev/ttyUSB7", REMOTE_EUI, app_factory=fake_factory(lambda c, z: [], REMOTE_EUI,
                                                                                      start_error=exc))
    assert type(info.value) is error


def test_radio_that_never_starts_times_out() -> None:
    with pytest.raises(TransportTimeout, match="zigbee:znp:/dev/ttyACM0.*radio did not answer"):
        ZigbeeTransport("znp", "/dev/ttyACM0", REMOTE_EUI, connect_timeout=0.1,
                        app_factory=fake_factory(lambda c, z: [], REMOTE_EUI, hang=True))


def test_silent_remote_times_out_naming_it(zigbee: ZigbeeTransport, gcs13a: tuple[bytes, bytes]) -> None:
    zigbee.fake_app.silent = True  # type: ignore[attr-defined]
    zigbee.send_timeout = 0.1
    with pytest.raises(TransportTimeout, match="00DB123456780003"):
        zigbee.exchange(Frame.gbcs(gcs13a[0]), 0.1)
    with pytest.raises(TransportTimeout, match="zigbee:ezsp:/dev/ttyFAKE0"):
        read_snapshot(zigbee, timeout=0.1)


def test_dongle_unplugged_mid_test(zigbee: ZigbeeTransport, gcs13a: tuple[bytes, bytes]) -> None:
    assert read_snapshot(zigbee)[0].status == 0
    zigbee.fake_app.unplug()  # type: ignore[attr-defined]
    with pytest.raises(PortVanished, match="zigbee:ezsp:/dev/ttyFAKE0.*connection lost"):
        zigbee.exchange(Frame.gbcs(gcs13a[0]), 1.0)


def test_dongle_unplugged_while_waiting_for_the_reply(zigbee: ZigbeeTransport, han_device: FakeHanDevice) -> None:
    app = zigbee.fake_app  # type: ignore[attr-defined]
    app.silent = True
    han_device.on_send = None
    zigbee.send(Frame.han(HanFrame(zigbee.local_eui, REMOTE_EUI, 0x0702, zse.read_attributes(1, [7]))))
    zigbee._loop.call_soon_threadsafe(app.unplug)
    with pytest.raises(PortVanished, match="dongle unplugged"):
        zigbee.receive(5.0)


def test_send_failing_on_a_closed_port_is_port_vanished(zigbee: ZigbeeTransport) -> None:
    zigbee.fake_app.unplugged = True  # send_packet raises ConnectionError, no listener event  # type: ignore[attr-defined]
    with pytest.raises(PortVanished, match="ConnectionError"):
        read_snapshot(zigbee)


def test_unknown_radio_name() -> None:
    with pytest.raises(TransportError, match="unknown ZigBee radio 'xbee'"):
        ZigbeeTransport("xbee", "/dev/ttyUSB0", REMOTE_EUI)


def test_zigbee_exchanges_captured_to_pcapng_and_read_back(zigbee: ZigbeeTransport, gcs13a: tuple[bytes, bytes],
                                                           tmp_path: Any) -> None:
    pytest.importorskip("pcapng")
    from harness.capture import CaptureWriter, read_capture

    path = tmp_path / "zigbee.pcapng"
    with CaptureWriter(path, "test_gcs13a_over_zigbee") as writer:
        zigbee.log.add_listener(writer.on_event)
        gbcs_reply = zigbee.exchange(Frame.gbcs(gcs13a[0]), 2.0)
        request = Frame.han(HanFrame(zigbee.local_eui, REMOTE_EUI, 0x0702, zse.read_attributes(1, [7])))
        han_reply = zigbee.exchange(request, 2.0)
        zigbee.log.remove_listener(writer.on_event)
    frames = read_capture(path)
    assert [(f.direction, f.kind, f.data) for f in frames] == [
        ("tx", "GBCS", gcs13a[0]), ("rx", "GBCS", gbcs_reply.data), ("tx", "HAN", request.data),
        ("rx", "HAN", han_reply.data)]
    assert all(f.comment.startswith("test_gcs13a_over_zigbee | ") for f in frames)
    assert all("zigbee:ezsp:/dev/ttyFAKE0" in f.comment for f in frames)
