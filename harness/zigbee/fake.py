# zigpy coerces plain ints into its own types; its stubs do not say so.
# mypy: disable-error-code="arg-type"
"""An in-process fake radio: a zigpy ControllerApplication whose radio methods are stubs.

zigpy ships no fake radio. This one keeps zigpy's real packet path (``packet_received`` ->
device lookup -> ``Device.packet_received``) and replaces only the dongle: ``send_packet``
records the packet and hands its ZCL frame to a ``Responder`` (the fake remote device), whose
answers come back through ``packet_received`` on the next loop turn, as a radio callback would.

Failure modes for robustness tests: ``start_error`` (opening the dongle fails), ``silent``
(the remote never answers), ``unplug()`` (the radio reports connection lost; later sends
raise ConnectionError). Imports zigpy: use only with the ``zigbee`` extra installed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import zigpy.application
import zigpy.state
import zigpy.types as t
import zigpy.zdo.types

from harness.zigbee import zse
from harness.zigbee.radio import AppFactory

#: (cluster, zcl) -> frames the remote sends back, each (cluster, zcl) or (cluster, zcl, profile)
Responder = Callable[[int, bytes], list[tuple[Any, ...]]]

LOCAL_EUI = bytes.fromhex("00DB12345678E0FF")


class FakeControllerApplication(zigpy.application.ControllerApplication):
    """A ControllerApplication with a scripted remote instead of a dongle."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.responder: Responder = lambda cluster, zcl: []
        self.remote_ieee: Any = None
        self.remote_nwk = 0x1234
        self.remote_endpoint = 1
        self.sent: list[Any] = []
        self.silent = False
        self.unplugged = False

    # --- the radio methods zigpy leaves abstract ------------------------------------------
    async def connect(self) -> None:
        return None

    async def disconnect(self) -> None:
        return None

    async def start_network(self) -> None:
        return None

    async def force_remove(self, dev: Any) -> None:
        return None

    async def add_endpoint(self, descriptor: Any) -> None:
        return None

    async def permit_ncp(self, time_s: int = 60) -> None:
        return None

    async def permit_with_link_key(self, node: Any, link_key: Any, time_s: int = 60) -> None:
        return None

    async def write_network_info(self, *, network_info: Any, node_info: Any) -> None:
        return None

    async def load_network_info(self, *, load_devices: bool = False) -> None:
        return None

    async def reset_network_info(self) -> None:
        return None

    async def send_packet(self, packet: t.ZigbeePacket) -> None:
        if self.unplugged:
            raise ConnectionError("fake radio: serial port closed")
        self.sent.append(packet)
        if self.silent or packet.profile_id != zse.PROFILE_SE:
            return
        for reply in self.responder(int(packet.cluster_id), bytes(packet.data.serialize())):
            cluster, zcl = reply[0], reply[1]
            profile = reply[2] if len(reply) > 2 else zse.PROFILE_SE
            asyncio.get_running_loop().call_soon(self.packet_received, self.remote_packet(cluster, zcl, profile))

    # --- helpers for tests ----------------------------------------------------------------
    @property
    def se_sent(self) -> list[Any]:
        """Packets sent with the Smart Energy profile (zigpy's own ZDO traffic left out)."""
        return [p for p in self.sent if p.profile_id == zse.PROFILE_SE]

    def remote_packet(self, cluster: int, zcl: bytes, profile: int = zse.PROFILE_SE) -> t.ZigbeePacket:
        """A packet from the remote device to us, as the radio would deliver it."""
        return t.ZigbeePacket(
            src=t.AddrModeAddress(addr_mode=t.AddrMode.NWK, address=t.NWK(self.remote_nwk)),
            src_ep=self.remote_endpoint,
            dst=t.AddrModeAddress(addr_mode=t.AddrMode.NWK, address=t.NWK(0x0000)),
            dst_ep=1, tsn=zcl[1] if len(zcl) > 1 else 0, profile_id=profile, cluster_id=cluster,
            data=t.SerializableBytes(bytes(zcl)), lqi=255, rssi=-40)

    def unplug(self) -> None:
        """The dongle disappears: zigpy's connection_lost, then sends fail."""
        self.unplugged = True
        self.connection_lost(ConnectionError("fake radio: device disconnected"))


def fake_factory(responder: Responder, remote_eui: bytes, *, remote_nwk: int = 0x1234,
                 start_error: BaseException | None = None, hang: bool = False,
                 apps: list[FakeControllerApplication] | None = None) -> AppFactory:
    """An ``app_factory`` for ZigbeeTransport building a FakeControllerApplication.

    ``start_error`` is raised instead of starting (busy or missing port); ``hang`` never
    finishes starting (a dongle that does not answer); ``apps`` collects the built apps.
    """

    async def start(config: dict[str, Any]) -> FakeControllerApplication:
        if start_error is not None:
            raise start_error
        if hang:
            await asyncio.Event().wait()
        app = FakeControllerApplication(config)
        app.state.node_info = zigpy.state.NodeInfo(nwk=t.NWK(0x0000), ieee=t.EUI64(LOCAL_EUI[::-1]),
                                                    logical_type=zigpy.zdo.types.LogicalType.Coordinator)
        app.responder = responder
        app.remote_nwk = remote_nwk
        app.remote_ieee = t.EUI64(remote_eui[::-1])
        app.add_device(app.remote_ieee, t.NWK(remote_nwk))
        await app.connect()
        if apps is not None:
            apps.append(app)
        return app

    return start
