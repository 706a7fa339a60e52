"""The decode facade: bytes -> header facts, use case, MAC and signature verdicts, payload tree
(decrypted when the keystore allows) and a byte-exact round-trip check.

``decode(data, keystore)`` is what ``harness decode`` prints and what result records embed.
Malformed input raises :class:`DecodeError` with an offset counted from the first message byte.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from harness.errors import DecodeError
from harness.gbcs.frame import MAC_LENGTH, GbcsMessage, encode_message, parse_message
from harness.gbcs.security.content import deferred_content_cipher_for
from harness.gbcs.security.keystore import Keystore
from harness.gbcs.security.mac import verify_mac
from harness.gbcs.security.signing import verify_signature

_api_cache: dict[tuple[str, str], Any] = {}


def _optional(module: str, name: str) -> Any:
    """An attribute of a sibling codec module, or None while that module is absent."""
    key = (module, name)
    try:
        return _api_cache[key]
    except KeyError:
        pass
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        found = None
    _api_cache[key] = found
    return found


def lookup_use_case(message_code: int) -> Any | None:
    """The catalogue entry for ``message_code`` (None when unknown or no catalogue)."""
    catalogue = _optional("harness.gbcs.catalogue", "CATALOGUE")
    if catalogue is None:
        return None
    try:
        return catalogue.by_code(message_code)
    except (KeyError, LookupError, ValueError):
        return None


def content_offset(msg: GbcsMessage, total: int) -> int:
    """Offset of the first content byte inside the message bytes."""
    end = total - (MAC_LENGTH if msg.mac is not None else 0)
    if msg.signature is not None:
        end -= 1 + len(msg.signature)
    return end - len(msg.content)


@dataclass
class DecodedMessage:
    """One decoded message. ``mac``/``signature`` are "valid", "invalid", "unknown" or None (no
    MAC / unsigned); ``decryption`` (computed on first use) is None (no keys or nothing
    encrypted), "ok", "failed" or "no-key". ``payload`` (a :class:`harness.gbcs.payload.Payload`)
    keeps the parsed content node (:attr:`payload_node`), decrypted with ``cipher`` (the
    message's content cipher from the keystore; None without a keystore or a key pair)."""

    message: GbcsMessage
    raw: bytes
    file: str | None
    use_case: Any | None
    mac: str | None
    signature: str | None
    payload: Any | None
    payload_error: str | None
    keyed: bool
    roundtrip: bool
    cipher: Any | None = field(default=None, repr=False, compare=False)
    _payload_json: Any = field(default=None, init=False, repr=False, compare=False)

    @cached_property
    def decryption(self) -> str | None:
        if not self.keyed or self.payload is None:
            return None
        encrypted, decrypted, errors = _encryption_facts(self.payload_json())
        if errors:
            return "failed"
        if decrypted:
            return "ok"
        return "no-key" if encrypted else None

    @property
    def use_case_id(self) -> str | None:
        return getattr(self.use_case, "id", None) if self.use_case is not None else None

    @property
    def use_case_name(self) -> str | None:
        return getattr(self.use_case, "name", None) if self.use_case is not None else None

    @property
    def payload_node(self) -> Any | None:
        """The parsed content (GbzPayload, GbzAlert, a DLMS APDU, Asn1Payload); None when the
        payload did not decode or is ``raw``."""
        return getattr(self.payload, "node", None)

    def payload_json(self) -> Any:
        if self._payload_json is None:
            self._payload_json = self._build_payload_json()
        return self._payload_json

    def _build_payload_json(self) -> Any:
        if self.payload is None:
            return {"hex": self.message.content.hex().upper()}
        to_json = getattr(self.payload, "to_json", None)
        tree = to_json() if callable(to_json) else self.payload
        if self.use_case_id == "CCS07" and int(self.message.cra) == 2 and isinstance(tree, dict):
            logs_of = _optional("harness.gbcs.devicelog", "logs_of")
            try:  # DP093: the two device logs in words, beside the A-XDR tree (read from its node)
                tree = {**tree, "device_logs": logs_of(self.payload_node)[0].to_json()}
            except (DecodeError, TypeError):
                pass
        return tree

    def to_json(self) -> dict[str, Any]:
        m = self.message
        oi = m.other_information
        dt = m.date_time
        out: dict[str, Any] = {}
        if self.file is not None:
            out["file"] = self.file
        out.update({
            "cra": m.cra.word,
            "shape": m.shape.value,
            "originator_counter": m.originator_counter,
            "originator_system_title": m.originator.hex().upper(),
            "recipient_system_title": m.recipient.hex().upper(),
            "date_time": dt.to_bytes().hex().upper() if dt is not None else None,
            "message_code": f"{m.message_code:04X}",
            "content_length": len(m.content),
            "mac": self.mac,
            "signature": self.signature,
            "use_case": self.use_case_id,
            "use_case_name": self.use_case_name,
            "clock_status": dt.clock_status.to_json() if dt is not None else None,
            "payload": self.payload_json(),
            "roundtrip": self.roundtrip,
        })
        if oi.supplementary_remote_party_id is not None:
            out["supplementary_remote_party_id"] = oi.supplementary_remote_party_id.hex().upper()
        if oi.supplementary_remote_party_counter is not None:
            out["supplementary_remote_party_counter"] = oi.supplementary_remote_party_counter
        if oi.supplementary_originator_counter is not None:
            out["supplementary_originator_counter"] = oi.supplementary_originator_counter
        if self.decryption is not None:
            out["decryption"] = self.decryption
        if self.payload_error is not None:
            out["payload_error"] = self.payload_error
        return out

    def to_text(self) -> str:
        """An indented tree a person reads, date-time status in words."""
        m = self.message
        oi = m.other_information
        title = self.file or "message"
        uc = f"{self.use_case_id} {self.use_case_name}" if self.use_case is not None else "unknown use case"
        lines = [
            f"{title}: {m.cra.word} 0x{m.message_code:04X} ({uc})",
            f"  shape: {m.shape.value}, {len(self.raw)} bytes, round trip {'ok' if self.roundtrip else 'DIFFERS'}",
            f"  originator: {m.originator.hex().upper()}  counter {m.originator_counter}",
            f"  recipient:  {m.recipient.hex().upper()}",
            f"  date-time:  {m.date_time if m.date_time is not None else 'absent'}",
        ]
        if oi.supplementary_remote_party_id is not None:
            lines.append(f"  supplementary remote party: {oi.supplementary_remote_party_id.hex().upper()}"
                         f" counter {oi.supplementary_remote_party_counter}")
        if oi.supplementary_originator_counter is not None:
            lines.append(f"  supplementary originator counter: {oi.supplementary_originator_counter}")
        if oi.certificate is not None:
            lines.append(f"  remote party certificate: {len(oi.certificate)} bytes")
        lines.append(f"  MAC: {self.mac or 'none'}; signature: {self.signature or 'none'}"
                     + (f"; decryption: {self.decryption}" if self.decryption else ""))
        lines.append(f"  content ({len(m.content)} bytes):")
        if self.payload_error:
            lines.append(f"    payload error: {self.payload_error}")
        _tree(self.payload_json(), 2, lines)
        return "\n".join(lines)


def _tree(value: Any, depth: int, lines: list[str], label: str = "") -> None:
    pad = "  " * depth
    head = f"{pad}{label}: " if label else pad
    if isinstance(value, dict):
        if label:
            lines.append(f"{pad}{label}:")
            depth += 1
        for key, item in value.items():
            _tree(item, depth, lines, str(key))
    elif isinstance(value, list):
        if not value:
            lines.append(f"{head}[]")
            return
        if label:
            lines.append(f"{pad}{label}:")
            depth += 1
        for i, item in enumerate(value):
            _tree(item, depth, lines, f"[{i}]")
    else:
        lines.append(f"{head}{_scalar(label, value)}")


# Identifiers a person reads in hex, as the specs print them (cluster 0x0702, attribute 0x0007).
_HEX_FIELDS = {"cluster": 4, "profile": 4, "id": 4, "attribute": 4, "class_id": 4, "message_code": 4,
               "frame_control": 2, "command_id": 2, "control": 2, "status": 2, "alert_code": 4,
               "invoke_id": 8}


def _scalar(label: str, value: Any) -> str:
    width = _HEX_FIELDS.get(label)
    if width and isinstance(value, int) and not isinstance(value, bool):
        return f"0x{value:0{width}X}"
    return str(value)


def decode(data: bytes, keystore: Keystore | None = None, *, file: str | None = None,
           strict: bool = True, message: GbcsMessage | None = None) -> DecodedMessage:
    """Decode one GBCS message. With a keystore: verify the MAC and signature and decrypt
    protected content where a key pair is available. ``strict`` re-raises payload DecodeErrors
    (offsets from the message start); otherwise the error is kept in ``payload_error``.
    ``message``: ``data`` already parsed (``parse_message(data)``), so the frame is parsed once."""
    if type(data) is not bytes:
        data = bytes(data)
    msg = message if message is not None else parse_message(data)
    code = msg.other_information.message_code
    cipher = None
    if keystore is not None:
        mac = verify_mac(msg, keystore)
        signature = verify_signature(msg, keystore)
        cipher = deferred_content_cipher_for(msg, keystore)
    else:
        mac = "unknown" if msg.mac is not None else None
        signature = "unknown" if msg.signature else None
    payload, payload_error = _decode_payload(msg, data, cipher, strict, code)
    try:
        roundtrip = encode_message(msg) == data
    except Exception:  # noqa: BLE001 - a message that does not re-encode is not a round trip
        roundtrip = False
    return DecodedMessage(msg, data, file, lookup_use_case(code), mac, signature, payload,
                          payload_error, keystore is not None, roundtrip, cipher)


_DECODE_PAYLOAD = ("harness.gbcs.payload", "decode_payload")


def _decode_payload(msg: GbcsMessage, data: bytes, cipher: Any, strict: bool,
                    code: int | None = None) -> tuple[Any | None, str | None]:
    decode_payload = _api_cache.get(_DECODE_PAYLOAD) or _optional(*_DECODE_PAYLOAD)
    if decode_payload is None:
        return None, None
    try:
        payload = decode_payload(msg.content, message_code=msg.message_code if code is None else code,
                                 cipher=cipher, cra=int(msg.cra))
    except DecodeError as exc:
        shifted = DecodeError(exc.reason, offset=content_offset(msg, len(data)) + exc.offset,
                              field=f"content {exc.field}")
        if strict:
            raise shifted from None
        return None, str(shifted)
    return payload, None


def _encryption_facts(tree: Any) -> tuple[int, int, int]:
    """(encrypted parts, decrypted parts, decryption errors) found in a payload tree."""
    encrypted = decrypted = errors = 0
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("encrypted") is True:
                encrypted += 1
            if node.get("decrypted") not in (None, False) or "decrypted_raw" in node:
                decrypted += 1
            if node.get("decrypt_error"):
                errors += 1
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return encrypted, decrypted, errors
