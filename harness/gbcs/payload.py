"""Payload family dispatch: GBCS message content -> a typed tree (JSON-able view) and back.

Family by first byte(s): ``01 09`` GBZ, ``D9``/``DA``/``0F`` DLMS, ``30``/``02``/``04``/``05``
ASN.1 DER, anything else ``raw``. Only :class:`DecodeError` (offset relative to the content,
field name) leaves :func:`decode_payload`, whatever the input bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from harness.errors import DecodeError
from harness.gbcs.cipher import ContentCipher

if TYPE_CHECKING:  # each family's codec (GBZ with ZCL, DLMS, ASN.1) is imported when a payload needs it
    from harness.gbcs.asn1 import Asn1Payload
    from harness.gbcs.dlms import AccessRequest, AccessResponse, DataNotification
    from harness.gbcs.gbz import GbzAlert, GbzPayload

GBZ, DLMS, ASN1, RAW = "gbz", "dlms", "asn1", "raw"
ASN1_FIRST_BYTES = (0x30, 0x02, 0x04, 0x05)
# dlms.TAG_ACCESS_REQUEST, TAG_ACCESS_RESPONSE, TAG_DATA_NOTIFICATION (spelled out so a GBZ or
# ASN.1 decode does not import the DLMS codec; tests/gbcs/test_cold_start.py checks they agree)
DLMS_FIRST_BYTES = (0xD9, 0xDA, 0x0F)
MAX_CONTENT = 1 << 20

Node: TypeAlias = "GbzPayload | GbzAlert | AccessRequest | AccessResponse | DataNotification | Asn1Payload"


@dataclass
class Payload:
    """A decoded payload. ``node`` is None for the ``raw`` family."""

    family: str
    content: bytes
    node: Node | None = None
    message_code: int | None = None

    def encode(self, cipher: ContentCipher | None = None) -> bytes:
        """Re-encode; decoded encrypted parts reuse the ciphertext as received."""
        if self.node is None:
            return self.content
        return self.node.encode(cipher)

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"family": self.family, "length": len(self.content)}
        if self.message_code is not None:
            d["message_code"] = f"{self.message_code:04X}"
        if self.node is None:
            d["raw"] = self.content.hex().upper()
        else:
            d.update(self.node.describe())
        return d


_FAMILY_BY_FIRST_BYTE = {b: DLMS for b in DLMS_FIRST_BYTES} | {b: ASN1 for b in ASN1_FIRST_BYTES}


def family_of(content: bytes) -> str:
    if content[:2] == b"\x01\x09":
        return GBZ
    if not content:
        return RAW
    return _FAMILY_BY_FIRST_BYTE.get(content[0], RAW)


_parsers: dict[str, Callable[..., Node]] = {}  # family -> its codec's parse function, imported on first use


def _parser(family: str) -> Callable[..., Node]:
    """The parse function of ``family``'s codec (imported on its first payload: a function-level
    import costs more per call than the decode of a short payload)."""
    parse: Callable[..., Node]
    if family == GBZ:
        from harness.gbcs.gbz import parse_gbz

        parse = parse_gbz
    elif family == DLMS:
        from harness.gbcs.dlms import parse_dlms

        parse = parse_dlms
    else:
        from harness.gbcs.asn1 import parse_asn1

        parse = parse_asn1
    _parsers[family] = parse
    return parse


def decode_payload(content: bytes, *, message_code: int | None = None,
                   cipher: ContentCipher | None = None, cra: int | None = None) -> Payload:
    """Decode ``content``. ``cra`` (3 = alert), when known, decides between GBZ component and
    GBZ alert forms; otherwise the bytes decide. ``cipher`` decrypts encrypted GBZ components
    and protected DLMS results; a failed decryption is recorded in the tree, not raised."""
    if type(content) is not bytes:
        content = bytes(content)
    if len(content) > MAX_CONTENT:
        raise DecodeError(f"content of {len(content)} bytes exceeds {MAX_CONTENT}", offset=0, field="content")
    family = family_of(content)
    if family == RAW:
        return Payload(family, content, None, message_code)
    parse = _parsers.get(family) or _parser(family)
    try:
        if family == DLMS:
            node: Node = parse(content, cipher)
        elif family == GBZ:
            node = parse(content, cipher, alert=None if cra is None else cra == 3)
        else:
            node = parse(content)
    except DecodeError:
        raise
    except RecursionError as exc:  # belt and braces: depth limits should make this impossible
        raise DecodeError("structure nested too deeply", offset=0, field=family) from exc
    return Payload(family, content, node, message_code)
