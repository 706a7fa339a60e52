"""The GBCS side of a device handle: build a command (catalogue + use-case builders), sign it
when critical, MAC it; check a reply (MAC, signature, decrypt, read values). No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.bench.api import Response, Verdict
from harness.errors import EncodeError, SecurityError
from harness.gbcs.frame import Cra, GbcsMessage, OtherInformation
from harness.gbcs.security import (
    Keystore,
    apply_mac,
    content_cipher_for,
    sign_message,
)

TAMPER_MODES = ("unsigned", "bad_signature", "bad_mac")
REMOTE_PARTIES = ("supplier", "network_operator", "acb")


@dataclass(frozen=True)
class RemotePartyIds:
    """Who the bench speaks as (EUIs) and the keystore holding their private keys."""

    keystore: Keystore
    supplier: bytes
    network_operator: bytes
    acb: bytes

    def eui(self, originator: str) -> bytes:
        if originator not in REMOTE_PARTIES:
            raise EncodeError(f"originator {originator!r} is none of {', '.join(REMOTE_PARTIES)}")
        return getattr(self, originator)  # type: ignore[no-any-return]


def use_case_entry(use_case: str) -> Any:
    from harness.gbcs.catalogue import CATALOGUE

    return CATALOGUE.by_id(use_case)


def _verdict(value: str | None) -> Verdict:
    return Verdict.ABSENT if value is None else Verdict(value)


def _flip(data: bytes) -> bytes:
    return data[:-1] + bytes((data[-1] ^ 0x01,))


def build_command(use_case: str, *, parties: RemotePartyIds, originator: str, recipient: bytes,
                  counter: int, tamper: str | None = None, params: dict[str, Any]) -> GbcsMessage:
    """The command message, signed when the use case is critical and MAC-wrapped by the ACB."""
    from harness.gbcs.usecases import build_command_content

    if tamper is not None and tamper not in TAMPER_MODES:
        raise EncodeError(f"tamper {tamper!r} is none of {', '.join(TAMPER_MODES)}")
    entry = use_case_entry(use_case)
    sender = parties.eui(originator)
    content = build_command_content(use_case, originator=sender, recipient=recipient, counter=counter, **params)
    msg = GbcsMessage(Cra.COMMAND, counter, sender, recipient, OtherInformation(int(entry.message_code)),
                      bytes(content), None, b"")
    if entry.critical and tamper != "unsigned":
        msg = sign_message(msg, parties.keystore)
        if tamper == "bad_signature":
            assert msg.signature is not None
            msg = msg.with_signature(_flip(msg.signature))
    msg = apply_mac(msg, parties.keystore, parties.acb)
    if tamper == "bad_mac":
        assert msg.mac is not None
        msg = msg.with_mac(_flip(msg.mac))
    return msg


def check_response(use_case: str, reply: GbcsMessage, raw: bytes, keystore: Keystore) -> tuple[Response, dict[str, Any]]:
    """Verify, decrypt and read a response: the :class:`Response` and its decoded tree."""
    from harness.gbcs.decode import decode
    from harness.gbcs.usecases import read_response_values

    decoded = decode(raw, keystore, strict=False)
    mac = _verdict(decoded.mac)
    signature = _verdict(decoded.signature)
    cipher = content_cipher_for(reply, keystore)
    tree = decoded.to_json()
    try:
        values, statuses, success = read_response_values(use_case, reply.content, cipher)
    except SecurityError as exc:
        tree["decryption"] = f"failed: {exc}"
        values, statuses, success = {}, {}, False
    payload_tree = tree.get("payload") if isinstance(tree.get("payload"), dict) else {}
    response = Response(reply, raw, use_case, mac, signature, dict(values), dict(statuses), bool(success),
                        payload_tree or {})
    return response, tree


def describe_message(raw: bytes) -> dict[str, Any]:
    """A decoded tree of any message (no verification), for the exchange record."""
    from harness.gbcs.decode import decode

    try:
        return decode(raw, None, strict=False).to_json()
    except Exception as exc:  # noqa: BLE001 - a record must never break a test
        return {"error": f"{type(exc).__name__}: {exc}"}
