"""Plays the Supplier / Network Operator / ACB against an in-process EmulatorHost, using the
project's codec and security (harness.bench.wire) with the RTDS remote-party keys and only the
PUBLIC keys of the emulated devices."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from harness.bench.api import Response
from harness.bench.wire import RemotePartyIds, build_command, check_response, use_case_entry
from harness.emulators import EmulatorHost, HostConfig
from harness.emulators.config import DEFAULT_EUIS
from harness.gbcs import dlms
from harness.gbcs.catalogue import Catalogue
from harness.gbcs.frame import Cra, GbcsMessage, OtherInformation, parse_message
from harness.gbcs.gbz import GbzAlert, parse_gbz
from harness.gbcs.security import Keystore, apply_mac, sign_message
from harness.transport.framing import Frame, FrameKind

KEYS = Path(__file__).resolve().parents[2] / "harness" / "data" / "emulator-keys"
SUPPLIER = bytes.fromhex("90B3D51F30010000")
NETWORK_OPERATOR = bytes.fromhex("90B3D51F30020000")
ACB = bytes.fromhex("90B3D51F30000002")


def client_keystore() -> Keystore:
    store = Keystore.packaged()
    for file in sorted(KEYS.glob("*.pem")):
        eui, usage = file.stem.split("-", 1)
        key = serialization.load_pem_public_key(file.read_bytes())
        assert isinstance(key, ec.EllipticCurvePublicKey)
        store.add_public(eui, usage, key, role="device")
    return store


_KEYSTORE = client_keystore()


@dataclass
class Reply:
    """What came back for one command."""

    frames: list[Frame]
    command: GbcsMessage
    message: GbcsMessage | None = None
    response: Response | None = None

    @property
    def is_alert(self) -> bool:
        return self.message is not None and self.message.cra is Cra.ALERT

    @property
    def alert_code(self) -> int:
        assert self.message is not None and self.is_alert
        content = self.message.content
        if content[:1] == bytes((dlms.TAG_DATA_NOTIFICATION,)):
            notification = dlms.parse_dlms(content)
            assert isinstance(notification, dlms.DataNotification)
            return int(notification.body.items[0].value)
        alert = parse_gbz(content, alert=True)
        assert isinstance(alert, GbzAlert)
        return alert.alert_code

    def ok(self) -> Response:
        assert self.response is not None, f"no response: {self.frames}"
        return self.response


class Client:
    def __init__(self, host: EmulatorHost) -> None:
        self.host = host
        self.keystore = _KEYSTORE
        self.parties = RemotePartyIds(_KEYSTORE, SUPPLIER, NETWORK_OPERATOR, ACB)
        self._counter = itertools.count(0x1000)
        self.catalogue: Catalogue | None = None  # None: the packaged catalogue

    def eui(self, role: str) -> bytes:
        return bytes.fromhex(DEFAULT_EUIS[role])

    def send(self, use_case: str, to: str, *, originator: str = "supplier", counter: int | None = None,
             tamper: str | None = None, **params: Any) -> Reply:
        n = next(self._counter) if counter is None else counter
        cmd = build_command(use_case, parties=self.parties, originator=originator, recipient=self.eui(to),
                            counter=n, tamper=tamper, params=params, catalogue=self.catalogue)
        return self._exchange(use_case, cmd)

    def send_content(self, use_case: str, to: str, content: bytes, *, originator: str = "supplier") -> Reply:
        """A command with hand-made payload ``content`` (signed when critical, MAC-wrapped)."""
        entry = use_case_entry(use_case, self.catalogue)
        cmd = GbcsMessage(Cra.COMMAND, next(self._counter), self.parties.eui(originator), self.eui(to),
                          OtherInformation(entry.message_code), content, None, b"")
        if entry.critical:
            cmd = sign_message(cmd, self.keystore)
        return self._exchange(use_case, apply_mac(cmd, self.keystore, ACB))

    def _exchange(self, use_case: str, cmd: GbcsMessage) -> Reply:
        frames = self.host.handle(Frame.gbcs(cmd.to_bytes()))
        reply = Reply(frames, cmd)
        if frames and frames[0].kind is FrameKind.GBCS:
            msg = parse_message(frames[0].data)
            reply.message = msg
            if msg.cra is Cra.RESPONSE:
                reply.response, _ = check_response(use_case, msg, frames[0].data, self.keystore, cmd)
        return reply

    def control(self, op: str, **kw: Any) -> dict[str, Any]:
        return self.host.control({"op": op, **kw})

    def state(self, device: str) -> dict[str, Any]:
        return self.control("get_state", device=device)["state"]


def make_host(devices: dict[str, dict[str, Any]] | None = None, **host: Any) -> EmulatorHost:
    """The default bench with per-role overrides, e.g. ``{"GPF": {"secmp0015": False}}``."""
    base = HostConfig.default().to_dict()
    for dev in base["devices"]:
        dev.update((devices or {}).get(dev["role"], {}))
    base.update(host)
    return EmulatorHost(HostConfig.from_dict(base))


@pytest.fixture
def client() -> Client:
    return Client(make_host())


@pytest.fixture
def make_client():
    def factory(devices: dict[str, dict[str, Any]] | None = None, **host: Any) -> Client:
        return Client(make_host(devices, **host))
    return factory
