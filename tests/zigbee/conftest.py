"""Fixtures for the ZigBee transport tests: a fake GPF/GSME answering over a fake zigpy radio."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.zigbee import zse

RTDS = Path(__file__).resolve().parents[1] / "data" / "rtds" / "RTDS-4.5.0" / "4.1.1_GCS13a"
REMOTE_EUI = bytes.fromhex("00DB123456780003")  # a HAN device (RTDS identities use 00DB1234567800xx)
SNAPSHOT = dt.datetime(2024, 6, 1, 12, 30, tzinfo=dt.timezone.utc)
EPOCH_2000 = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def rtds_hex(name: str) -> bytes:
    return bytes.fromhex((RTDS / name).read_text().strip())


@pytest.fixture(scope="session")
def gcs13a() -> tuple[bytes, bytes]:
    """(command, response) GBCS bytes of RTDS GCS13a SUCCESS_RELIABLE_GSME."""
    return (rtds_hex("GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_COMMAND_GBCS.HEX"),
            rtds_hex("GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_RESPONSE_GBCS.HEX"))


class FakeHanDevice:
    """The remote: grants a GB-HRGP tunnel, answers known GBCS commands, serves Metering reads."""

    def __init__(self, answers: dict[bytes, bytes], snapshot: int | None) -> None:
        self.answers = answers
        self.snapshot = snapshot  # ReadingSnapshotTime value; None = attribute unsupported
        self.tunnel_id = 0x0042
        self.seen: list[tuple[int, bytes]] = []
        self.on_send: Any = None  # hook: called with (cluster, zcl) before answering

    def __call__(self, cluster: int, zcl: bytes) -> list[tuple[Any, ...]]:
        self.seen.append((cluster, zcl))
        if self.on_send is not None:
            self.on_send(cluster, zcl)
        hdr, payload = zse.parse_zcl(zcl)
        if cluster == zse.CLUSTER_TUNNELING and not hdr.server_to_client:
            if hdr.command_id == zse.TUN_REQUEST_TUNNEL:
                req = zse.parse_request_tunnel(payload)
                status = 0 if req.protocol_id == zse.PROTOCOL_GB_HRGP else 3
                return [(cluster, zse.request_tunnel_response(hdr.tsn, self.tunnel_id, status))]
            if hdr.command_id == zse.TUN_TRANSFER_DATA_C2S:
                return self._transfer(cluster, payload, from_server=True)
        if cluster == zse.CLUSTER_TUNNELING and hdr.command_id == zse.TUN_TRANSFER_DATA_S2C:
            return self._transfer(cluster, payload, from_server=False)
        if cluster == zse.CLUSTER_METERING and hdr.command_id == zse.CMD_READ_ATTRIBUTES:
            ids = [int.from_bytes(payload[i:i + 2], "little") for i in range(0, len(payload), 2)]
            return [(cluster, zse.encode_read_attributes_response(hdr.tsn, [self._record(a) for a in ids]))]
        return []

    def _transfer(self, cluster: int, payload: bytes, *, from_server: bool) -> list[tuple[Any, ...]]:
        tid, data = zse.parse_tunnel_id(payload, "transfer_data")
        command, message = zse.hrgp_unwrap(data)
        if tid != self.tunnel_id or command != zse.HRGP_PUT or message not in self.answers:
            return [(cluster, zse.transfer_data_error(0, tid, 0, from_server=from_server))]
        reply = zse.hrgp_wrap(self.answers[message], zse.HRGP_PUT)
        return [(cluster, zse.transfer_data(0x10, tid, reply, from_server=from_server))]

    def _record(self, attr: int) -> zse.AttributeRecord:
        if attr == zse.ATTR_READING_SNAPSHOT_TIME and self.snapshot is not None:
            return zse.AttributeRecord(attr, zse.STATUS_SUCCESS, zse.TYPE_UTCTIME, self.snapshot)
        return zse.AttributeRecord(attr, zse.STATUS_UNSUPPORTED_ATTRIBUTE)


@pytest.fixture
def han_device(gcs13a: tuple[bytes, bytes]) -> FakeHanDevice:
    command, response = gcs13a
    return FakeHanDevice({command: response}, int((SNAPSHOT - EPOCH_2000).total_seconds()))


@pytest.fixture
def zigbee(han_device: FakeHanDevice) -> Iterator[Any]:
    """A ZigbeeTransport on the fake radio; ``.fake_app`` is the fake ControllerApplication."""
    pytest.importorskip("zigpy")
    from harness.zigbee.fake import fake_factory
    from harness.zigbee.transport import ZigbeeTransport

    apps: list[Any] = []
    t = ZigbeeTransport("ezsp", "/dev/ttyFAKE0", REMOTE_EUI, app_factory=fake_factory(han_device, REMOTE_EUI,
                        apps=apps), send_timeout=2.0)
    t.fake_app = apps[0]  # type: ignore[attr-defined]
    yield t
    t.close()
