"""Command acceptance as a real device applies it: the MAC (device KA x ACB KA), the remote
party's role for the use case, its signature on critical use cases and, for replay-protected
ones, an originator counter strictly above the last accepted from that remote party, whatever
the use case (persisted in a JSON state file so it survives restarts). A rejection is a
:class:`Rejected` naming the alert (real GBCS codes, see :mod:`harness.gbcs.alerts`)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from harness.gbcs import alerts
from harness.gbcs.alerts import AUTHENTICATION_FAILURE, SOURCE_NOT_AUTHORISED, UNSUPPORTED_COMMAND
from harness.gbcs.catalogue import UseCase
from harness.gbcs.frame import GbcsMessage
from harness.gbcs.security import KeyPair, Keystore, verify_mac, verify_signature

# Refusal alert codes (harness.gbcs.alerts): real GBCS codes where our sources name one.
ALERT_MAC_INVALID = AUTHENTICATION_FAILURE
ALERT_SIGNATURE_INVALID = AUTHENTICATION_FAILURE
ALERT_REPLAY = AUTHENTICATION_FAILURE  # no code in our sources: the freshness check failed
ALERT_ROLE_NOT_AUTHORISED = SOURCE_NOT_AUTHORISED
ALERT_UNSUPPORTED = UNSUPPORTED_COMMAND  # provisional
ALERT_NAMES = alerts.ALERT_NAMES

SUPPLIER, NETWORK_OPERATOR = "Supplier", "Network Operator"
READS = ("GCS13a", "GCS13b", "GCS13c", "GCS14", "GCS60", "GCS60a", "ECS17b", "ECS19", "ECS82")
DEBT = ("GCS04", "GCS04r", "ECS07", "ECS07r")
PAYMENT_MODE = ("ECS02", "ECS03", "GCS02", "GCS03")  # catalogue: Supplier
EVENT_LOG = ("ECS35a",)  # catalogue: Supplier, Network Operator, Access Control Broker
ACB = "ACB"
DEVICE_LOG = ("CCS01", "CCS02", "CCS07")  # DP093: catalogue access permissions: Access Control Broker
DEFAULT_ROLES: dict[str, tuple[str, ...]] = {
    **{uc: (SUPPLIER, NETWORK_OPERATOR) for uc in READS},
    **{uc: (SUPPLIER,) for uc in (*DEBT, *PAYMENT_MODE)},
    **{uc: (SUPPLIER, NETWORK_OPERATOR, ACB) for uc in EVENT_LOG},
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

    def last(self, device: bytes, party: bytes, use_case: str | None = None) -> int:
        """The highest counter accepted from ``party``; with ``use_case``, the one kept under
        that use case (only a faulty device keeps counters per use case)."""
        key = party.hex().upper() + (f"/{use_case}" if use_case else "")
        return self._last.get(device.hex().upper(), {}).get(key, -1)

    def accept(self, device: bytes, party: bytes, counter: int, use_case: str | None = None) -> None:
        slot = self._last.setdefault(device.hex().upper(), {})
        key = party.hex().upper() + (f"/{use_case}" if use_case else "")
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
                 roles: dict[str, list[str]] | None = None, supplier: bytes | None = None) -> None:
        self.keystore = keystore
        self.counters = counters
        self.supplier = supplier  # the device's own (registered) supplier; None: any Supplier
        self.roles: dict[str, tuple[str, ...]] = dict(DEFAULT_ROLES)
        self.roles.update({k: tuple(v) for k, v in (roles or {}).items()})

    def check(self, msg: GbcsMessage, uc: UseCase, device_ka: ec.EllipticCurvePrivateKey,
              faults: tuple[str, ...] = ()) -> None:
        acb = self.keystore.acb
        acb_public = self.keystore.ka_public(acb) if acb else None
        skip_mac = uc.critical and "command_mac_not_checked" in faults
        if not skip_mac and (msg.mac is None or acb_public is None
                             or verify_mac(msg, KeyPair(device_ka, acb_public)) != "valid"):
            raise Rejected(ALERT_MAC_INVALID)
        no_authority = ALERT_MAC_INVALID if "refusal_alert_code_wrong" in faults else ALERT_ROLE_NOT_AUTHORISED
        role = self.keystore.role_of(msg.originator)
        if role not in self.roles.get(uc.id, ()) and not (role and "role_not_checked" in faults):
            raise Rejected(no_authority)
        if (role == SUPPLIER and self.supplier is not None and msg.originator != self.supplier
                and "any_supplier_accepted" not in faults):
            raise Rejected(no_authority)  # another supplier: not this device's
        if uc.critical and "bad_signature_accepted" not in faults:
            if not self._signed_by_originator(msg, "foreign_signature_accepted" in faults):
                raise Rejected(ALERT_SIGNATURE_INVALID)
        if uc.replay_protected:
            replay_ok = uc.id in RESETS and "reset_replay_accepted" in faults
            per_use_case = uc.id if "replay_counter_per_use_case" in faults else None
            last = self.counters.last(msg.recipient, msg.originator, per_use_case)
            stale = msg.originator_counter < last if "replay_equal_counter_accepted" in faults \
                else msg.originator_counter <= last
            if stale and not replay_ok:
                raise Rejected(ALERT_REPLAY)
            self.counters.accept(msg.recipient, msg.originator, msg.originator_counter, per_use_case)

    def _signed_by_originator(self, msg: GbcsMessage, any_party: bool) -> bool:
        """The signature verifies with the originator's DS key (a faulty device: with any remote
        party's key it knows)."""
        public = self.keystore.ds_public(msg.originator)
        if public is not None and verify_signature(msg, public) == "valid":
            return True
        if not any_party:
            return False
        for role in (SUPPLIER, NETWORK_OPERATOR, "ACB"):
            for eui in self.keystore.euis_with_role(role):
                key = self.keystore.ds_public(eui)
                if key is not None and verify_signature(msg, key) == "valid":
                    return True
        return False
