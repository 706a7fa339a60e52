"""Command acceptance as a real device applies it: the MAC (device KA x ACB KA), the remote
party's role for the use case, its signature on critical use cases and, for replay-protected
ones, an originator counter strictly above the last accepted from that party (persisted in a
JSON state file so it survives restarts). A rejection is a :class:`Rejected` naming the alert."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from harness.gbcs.catalogue import UseCase
from harness.gbcs.frame import GbcsMessage
from harness.gbcs.security import KeyPair, Keystore, verify_mac, verify_signature

# Provisional alert codes (not from GBCS text; see docs/EMULATORS.md).
ALERT_MAC_INVALID = 0x8F80
ALERT_SIGNATURE_INVALID = 0x8F81
ALERT_REPLAY = 0x8F82
ALERT_ROLE_NOT_AUTHORISED = 0x8F83
ALERT_UNSUPPORTED = 0x8F84
ALERT_NAMES = {ALERT_MAC_INVALID: "MAC invalid", ALERT_SIGNATURE_INVALID: "signature invalid or missing",
               ALERT_REPLAY: "originator counter not above the last accepted (replay)",
               ALERT_ROLE_NOT_AUTHORISED: "remote party role may not run this use case",
               ALERT_UNSUPPORTED: "use case not supported by this device or malformed command"}

SUPPLIER, NETWORK_OPERATOR = "Supplier", "Network Operator"
READS = ("GCS13a", "GCS13b", "GCS13c", "GCS14", "GCS60", "GCS60a", "ECS17b", "ECS19", "ECS82")
DEBT = ("GCS04", "GCS04r", "ECS07", "ECS07r")
ACB = "ACB"
DEVICE_LOG = ("CCS01", "CCS02", "CCS07")  # DP093: catalogue access permissions: Access Control Broker
DEFAULT_ROLES: dict[str, tuple[str, ...]] = {
    **{uc: (SUPPLIER, NETWORK_OPERATOR) for uc in READS},
    **{uc: (SUPPLIER,) for uc in DEBT},
    **{uc: (ACB,) for uc in DEVICE_LOG},
}
RESETS = ("GCS04r", "ECS07r")


class Rejected(Exception):
    """A command the device refuses; ``alert_code`` is what its alert carries."""

    def __init__(self, alert_code: int) -> None:
        self.alert_code = alert_code
        super().__init__(f"0x{alert_code:04X} {ALERT_NAMES.get(alert_code, '')}")


class CounterStore:
    """Highest accepted originator counter per (device, remote party); JSON file when a
    ``state_dir`` is given, else memory only."""

    def __init__(self, state_dir: str | Path | None) -> None:
        self.path = Path(state_dir) / "counters.json" if state_dir else None
        self._last: dict[str, dict[str, int]] = {}
        if self.path is not None and self.path.exists():
            self._last = {k: {p: int(c) for p, c in v.items()} for k, v in json.loads(self.path.read_text()).items()}

    def last(self, device: bytes, party: bytes) -> int:
        return self._last.get(device.hex().upper(), {}).get(party.hex().upper(), -1)

    def accept(self, device: bytes, party: bytes, counter: int) -> None:
        slot = self._last.setdefault(device.hex().upper(), {})
        key = party.hex().upper()
        slot[key] = max(counter, slot.get(key, -1))
        self._save()

    def _save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".counters")
        with os.fdopen(fd, "w") as fh:
            json.dump(self._last, fh, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def snapshot(self) -> dict[str, dict[str, int]]:
        return {k: dict(v) for k, v in self._last.items()}


class AccessControl:
    """Checks one command for one device; ``check`` raises :class:`Rejected` or records the
    counter of an accepted replay-protected command."""

    def __init__(self, keystore: Keystore, counters: CounterStore,
                 roles: dict[str, list[str]] | None = None) -> None:
        self.keystore = keystore
        self.counters = counters
        self.roles: dict[str, tuple[str, ...]] = dict(DEFAULT_ROLES)
        self.roles.update({k: tuple(v) for k, v in (roles or {}).items()})

    def check(self, msg: GbcsMessage, uc: UseCase, device_ka: ec.EllipticCurvePrivateKey,
              faults: tuple[str, ...] = ()) -> None:
        acb = self.keystore.acb
        acb_public = self.keystore.ka_public(acb) if acb else None
        if msg.mac is None or acb_public is None or verify_mac(msg, KeyPair(device_ka, acb_public)) != "valid":
            raise Rejected(ALERT_MAC_INVALID)
        role = self.keystore.role_of(msg.originator)
        if role not in self.roles.get(uc.id, ()):
            raise Rejected(ALERT_ROLE_NOT_AUTHORISED)
        if uc.critical and "bad_signature_accepted" not in faults:
            public = self.keystore.ds_public(msg.originator)
            if public is None or verify_signature(msg, public) != "valid":
                raise Rejected(ALERT_SIGNATURE_INVALID)
        if uc.replay_protected:
            replay_ok = uc.id in RESETS and "reset_replay_accepted" in faults
            if msg.originator_counter <= self.counters.last(msg.recipient, msg.originator) and not replay_ok:
                raise Rejected(ALERT_REPLAY)
            self.counters.accept(msg.recipient, msg.originator, msg.originator_counter)
