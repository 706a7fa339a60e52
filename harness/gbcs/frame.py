"""GBCS message framing: the MAC header (General-Ciphering, 0xDD) and the grouping header
(General-Signing, 0xDF) with its signature element. Payload bytes stay opaque here
(see :mod:`harness.gbcs.payload`).

Three shapes: MAC-wrapped (DD ... MAC), signed only (DF ... 40 sig), pre-command (DF ... no
signature element at all). GBT segments (DD followed by a non-zero byte) are refused.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, field, fields, replace

from harness.errors import DecodeError, EncodeError
from harness.gbcs.datetime import DateTime
from harness.gbcs.lengths import encode_length, read_length

TAG_GENERAL_CIPHERING = 0xDD
TAG_GENERAL_SIGNING = 0xDF
MAC_HEADER = bytes((0xDD, 0, 0, 0, 0, 0, 0))
SECURITY_HEADER = bytes((0x11, 0, 0, 0, 0))
MAC_LENGTH = 12
SIGNATURE_LENGTH = 64
MAX_MESSAGE = 1 << 20  # 1 MiB: far above any GBCS message; bounds memory on garbage


class Cra(enum.IntEnum):
    """The CRA flag: command, response or alert."""

    COMMAND = 1
    RESPONSE = 2
    ALERT = 3

    @property
    def word(self) -> str:
        return self.name.lower()


class Shape(str, enum.Enum):
    MAC = "mac"  # DD-wrapped
    SIGNED = "signed"  # bare DF with a signature element
    PRECOMMAND = "precommand"  # bare DF with no signature element


@dataclass(frozen=True)
class OtherInformation:
    """Message code plus the optional supplementary fields (lengths 2/10/18/26/>26)."""

    message_code: int
    supplementary_remote_party_id: bytes | None = None
    supplementary_remote_party_counter: int | None = None
    supplementary_originator_counter: int | None = None
    certificate: bytes | None = None  # DER key-agreement certificate (length > 26)

    @classmethod
    def parse(cls, data: bytes, offset: int) -> OtherInformation:
        n = len(data)
        if n < 2:
            raise DecodeError(f"other-information of {n} bytes has no message code", offset=offset,
                              field="other-information")
        code = int.from_bytes(data[0:2], "big")
        if n == 2 and cls is OtherInformation:  # hot path: the frozen __init__ without its setattrs
            obj = _new(cls)
            _setattr(obj, "__dict__", {
                "message_code": code, "supplementary_remote_party_id": None,
                "supplementary_remote_party_counter": None, "supplementary_originator_counter": None,
                "certificate": None,
            })
            return obj
        if n == 2:
            return cls(code)
        if n == 10:
            return cls(code, data[2:10])
        if n == 18:
            return cls(code, data[2:10], int.from_bytes(data[10:18], "big"))
        if n == 26:
            return cls(code, data[2:10], int.from_bytes(data[10:18], "big"), int.from_bytes(data[18:26], "big"))
        if n > 26:
            return cls(code, data[2:10], int.from_bytes(data[10:18], "big"), None, bytes(data[18:]))
        raise DecodeError(f"other-information length {n} is none of 2, 10, 18, 26 or more",
                          offset=offset, field="other-information")

    def to_bytes(self) -> bytes:
        out = self.message_code.to_bytes(2, "big")
        if self.supplementary_remote_party_id is None:
            return out
        if len(self.supplementary_remote_party_id) != 8:
            raise EncodeError("supplementary remote party id must be 8 bytes")
        out += self.supplementary_remote_party_id
        if self.supplementary_remote_party_counter is None:
            return out
        out += self.supplementary_remote_party_counter.to_bytes(8, "big")
        if self.certificate is not None:
            return out + self.certificate
        if self.supplementary_originator_counter is not None:
            out += self.supplementary_originator_counter.to_bytes(8, "big")
        return out

    @property
    def content_recipient(self) -> bytes | None:
        """Who encrypted content is for when it is not the grouping-header recipient."""
        return self.supplementary_remote_party_id


@dataclass(frozen=True)
class GbcsMessage:
    """One GBCS message. ``content`` is the raw payload; ``signature`` is None when the signature
    element is absent (pre-command), b"" when its length is 0, else 64 bytes; ``mac`` is None
    unless MAC-wrapped."""

    cra: Cra
    originator_counter: int
    originator: bytes
    recipient: bytes
    other_information: OtherInformation
    content: bytes
    date_time: DateTime | None = None
    signature: bytes | None = b""
    mac: bytes | None = None
    raw: bytes = field(default=b"", compare=False, repr=False)

    # -- derived facts -----------------------------------------------------------------------
    @property
    def message_code(self) -> int:
        return self.other_information.message_code

    @property
    def shape(self) -> Shape:
        if self.mac is not None:
            return Shape.MAC
        return Shape.PRECOMMAND if self.signature is None else Shape.SIGNED

    @property
    def is_signed(self) -> bool:
        return bool(self.signature)

    def grouping_bytes(self) -> bytes:
        """From the DF tag through the end of the signature element (the MAC's AAD body)."""
        sig = self.signature
        if not sig:
            return b"\xdf" + self.signed_bytes() + (b"" if sig is None else b"\x00")
        return b"".join((b"\xdf", self.signed_bytes(), bytes((len(sig),)), sig))

    def signed_bytes(self, with_tag: bool = False) -> bytes:
        """What the ECDSA signature covers: after the DF tag through the last content byte."""
        body = self.__dict__.get("_signed_cache")
        if body is None:
            oi = self.other_information.to_bytes()
            body = b"".join((
                bytes((0x09, int(self.cra))),
                self.originator_counter.to_bytes(8, "big"),
                b"\x08", self.originator, b"\x08", self.recipient,
                (b"\x0c" + self.date_time.to_bytes()) if self.date_time is not None else b"\x00",
                encode_length(len(oi)), oi,
                encode_length(len(self.content)), self.content,
            ))
            if type(self.originator) is bytes and type(self.recipient) is bytes and type(self.content) is bytes:
                self.__dict__["_signed_cache"] = body  # every input immutable: safe to keep
        return b"\xdf" + body if with_tag else body

    def received_signed_bytes(self) -> bytes:
        """What a verifier checks the signature over: for a parsed message the bytes as
        received (after the DF tag through the last content byte), never a re-encoding. A
        length rewritten in a longer form than the signer sent changes these bytes, so the
        signature no longer verifies; :meth:`signed_bytes` would hide the change."""
        received = self.__dict__.get("_signed_received")
        return self.signed_bytes() if received is None else received

    def received_grouping_bytes(self) -> bytes:
        """What a verifier checks the MAC over: for a parsed message the grouping bytes as
        received (DF tag through the signature element), else :meth:`grouping_bytes`."""
        received = self.__dict__.get("_grouping_received")
        return self.grouping_bytes() if received is None else received

    def precommand_bytes(self) -> bytes:
        """The pre-command form: the DF block with no signature element."""
        return self.signed_bytes(with_tag=True)

    def _signature_element(self) -> bytes:
        if self.signature is None:
            return b""
        return bytes((len(self.signature),)) + self.signature

    def with_signature(self, signature: bytes | None) -> GbcsMessage:
        return replace(self, signature=signature, raw=b"")

    def with_mac(self, mac: bytes | None) -> GbcsMessage:
        return replace(self, mac=mac, raw=b"")

    def to_bytes(self) -> bytes:
        return encode_message(self)


_CRA = {1: Cra.COMMAND, 2: Cra.RESPONSE, 3: Cra.ALERT}


def parse_message(data: bytes) -> GbcsMessage:
    """Parse one complete GBCS message. Raises :class:`DecodeError` naming offset and field."""
    if type(data) is not bytes:
        data = bytes(data)
    n = len(data)
    if n == 0:
        raise DecodeError("empty message", offset=0, field="tag")
    if n > MAX_MESSAGE:
        raise DecodeError(f"message of {n} bytes exceeds {MAX_MESSAGE}", offset=0, field="message")
    tag = data[0]
    if tag == TAG_GENERAL_CIPHERING:
        return _parse_mac_wrapped(data)
    if tag == TAG_GENERAL_SIGNING:
        msg, end = _parse_grouping(data, 0, n, allow_precommand=True, mac=None)
        if end != n:
            raise DecodeError(f"{n - end} trailing bytes after the signature", offset=end, field="message")
        return msg
    raise DecodeError(f"tag 0x{tag:02X} is neither General-Ciphering (DD) nor General-Signing (DF)",
                      offset=0, field="tag")


_MAC_HEADER_FIELDS = ("originator-system-title", "recipient-system-title", "date-time",
                      "other-information", "key-info")


def _parse_mac_wrapped(data: bytes) -> GbcsMessage:
    n = len(data)
    if n < 7:
        raise DecodeError("truncated MAC header", offset=n, field="MAC header")
    if data[1] != 0:
        raise DecodeError("General Block Transfer segments (DD with a transaction-id) are not supported",
                          offset=1, field="MAC header transaction-id")
    if data[:7] != MAC_HEADER:
        for i, name in enumerate(_MAC_HEADER_FIELDS, start=2):
            if data[i] != 0:
                raise DecodeError(f"MAC header {name} must be empty, found 0x{data[i]:02X}", offset=i,
                                  field=f"MAC header {name}")
    length, offset = read_length(data, 7, "ciphered-service length")
    if offset + length != n:
        raise DecodeError(f"ciphered-service length {length} but {n - offset} bytes follow",
                          offset=7, field="ciphered-service length")
    if length < 5 + MAC_LENGTH + 1:
        raise DecodeError(f"ciphered-service length {length} too short", offset=7, field="ciphered-service length")
    if data[offset : offset + 5] != SECURITY_HEADER:
        raise DecodeError(f"security header {data[offset:offset + 5].hex().upper()} is not 1100000000",
                          offset=offset, field="security header")
    offset += 5
    end = n - MAC_LENGTH
    if offset >= end or data[offset] != TAG_GENERAL_SIGNING:
        raise DecodeError("grouping header (DF) expected inside the MAC wrapper", offset=offset, field="tag")
    msg, stop = _parse_grouping(data, offset, end, allow_precommand=False, mac=data[end:])
    if stop != end:
        raise DecodeError(f"{end - stop} bytes between the signature element and the MAC",
                          offset=stop, field="signature")
    return msg


def _need(data_end: int, offset: int, size: int, field: str) -> None:
    if offset + size > data_end:
        raise DecodeError(f"truncated: {size} bytes needed, {max(0, data_end - offset)} left",
                          offset=offset, field=field)


def _system_title(data: bytes, o: int, end: int, short: bool, field: str) -> tuple[bytes, int]:
    """A ``08`` + 8-byte EUI at ``o``; (EUI, offset after it)."""
    if short:
        _need(end, o, 9, field)
    if data[o] != 0x08:
        raise DecodeError(f"length 0x{data[o]:02X}, expected 08", offset=o, field=field)
    return data[o + 1 : o + 9], o + 9


def _parse_grouping(data: bytes, offset: int, end: int, *, allow_precommand: bool,
                    mac: bytes | None) -> tuple[GbcsMessage, int]:
    short = offset + 30 > end  # else the fixed-size fields up to the date-time length all fit
    if short:
        _need(end, offset, 11, "transaction-id")
    if data[offset + 1] != 0x09:
        raise DecodeError(f"transaction-id length 0x{data[offset + 1]:02X}, expected 09", offset=offset + 1,
                          field="transaction-id")
    cra_byte = data[offset + 2]
    cra = _CRA.get(cra_byte)
    if cra is None:
        raise DecodeError(f"CRA flag 0x{cra_byte:02X} is not 01, 02 or 03", offset=offset + 2, field="CRA flag")
    counter = _unpack_counter(data, offset + 3)[0]
    o = offset + 11
    if short or data[o] != 0x08 or data[o + 9] != 0x08:  # the checks one by one, in order
        originator, o = _system_title(data, o, end, short, "originator-system-title")
        recipient, o = _system_title(data, o, end, short, "recipient-system-title")
        if short:
            _need(end, o, 1, "date-time")
    else:
        originator = data[o + 1 : o + 9]
        recipient = data[o + 10 : o + 18]
        o += 18
    dt_len = data[o]
    if dt_len == 0:
        date_time = None
        o += 1
    elif dt_len == 0x0C:
        _need(end, o + 1, 12, "date-time")
        date_time = DateTime.from_bytes(data, o + 1)
        o += 13
    else:
        raise DecodeError(f"date-time length 0x{dt_len:02X} is neither 00 nor 0C", offset=o, field="date-time")
    if o < end and data[o] < 0x80:  # a one-octet length (read_length's own fast path, inline)
        oi_len = data[o]
        o2 = o + 1
        minimal = True
    else:
        oi_len, o2 = read_length(data, o, "other-information length", end)
        minimal = o2 - o == _length_size(oi_len)
    if o2 + oi_len > end:
        _need(end, o2, oi_len, "other-information")
    other = OtherInformation.parse(data[o2 : o2 + oi_len], o2)
    o = o2 + oi_len
    if o < end and data[o] < 0x80:
        c_len = data[o]
        o2 = o + 1
    else:
        c_len, o2 = read_length(data, o, "content length", end)
        minimal = minimal and o2 - o == _length_size(c_len)
    if o2 + c_len > end:
        _need(end, o2, c_len, "content")
    content = data[o2 : o2 + c_len]
    o = o2 + c_len
    # Every field re-encodes to its own bytes except a length sent in a longer form than needed:
    # with minimal lengths, signed_bytes() is this very slice (no rebuilding). Verification
    # always uses the received slice (received_signed_bytes / received_grouping_bytes).
    signed = data[offset + 1 : o]
    if o == end:
        if not allow_precommand:
            raise DecodeError("signature element missing inside a MAC-wrapped message", offset=o, field="signature")
        signature: bytes | None = None
    else:
        s_len = data[o]
        if s_len not in (0, SIGNATURE_LENGTH):
            raise DecodeError(f"signature length 0x{s_len:02X} is neither 00 nor 40", offset=o, field="signature")
        _need(end, o + 1, s_len, "signature")
        signature = data[o + 1 : o + 1 + s_len]
        o += 1 + s_len
    msg = _new(GbcsMessage)  # the frozen __init__ without its ten guarded setattrs
    _setattr(msg, "__dict__", {
        "cra": cra, "originator_counter": counter, "originator": originator, "recipient": recipient,
        "other_information": other, "content": content, "date_time": date_time, "signature": signature,
        "mac": mac, "raw": data,
    })
    d = msg.__dict__
    d["_signed_received"] = signed
    d["_grouping_received"] = data[offset:o]
    if minimal:
        d["_signed_cache"] = signed
    return msg, o


def _length_size(length: int) -> int:
    """Octets of the shortest encoded form of ``length`` (see :func:`encode_length`)."""
    return 1 if length < 0x80 else 2 if length <= 0xFF else 3 if length <= 0xFFFF else 4


_new = object.__new__
_setattr = object.__setattr__
_unpack_counter = struct.Struct(">Q").unpack_from
if (tuple(f.name for f in fields(GbcsMessage)) != ("cra", "originator_counter", "originator", "recipient",
                                                   "other_information", "content", "date_time", "signature",
                                                   "mac", "raw")
        or tuple(f.name for f in fields(OtherInformation)) != (
            "message_code", "supplementary_remote_party_id", "supplementary_remote_party_counter",
            "supplementary_originator_counter", "certificate")
        or hasattr(GbcsMessage, "__post_init__") or hasattr(OtherInformation, "__post_init__")):
    raise RuntimeError("frame parsing builds messages field by field: update it with the dataclasses")


def encode_message(msg: GbcsMessage) -> bytes:
    """Bytes of ``msg`` in its shape: MAC-wrapped when ``mac`` is set, else bare DF."""
    for name, eui in (("originator", msg.originator), ("recipient", msg.recipient)):
        if len(eui) != 8:
            raise EncodeError(f"{name} system title must be 8 bytes, got {len(eui)}")
    if msg.signature is not None and len(msg.signature) not in (0, SIGNATURE_LENGTH):
        raise EncodeError(f"signature must be 0 or 64 bytes, got {len(msg.signature)}")
    if not 0 <= msg.originator_counter < (1 << 64):
        raise EncodeError("originator counter out of 64-bit range")
    grouping = msg.grouping_bytes()
    if msg.mac is None:
        return grouping
    if msg.signature is None:
        raise EncodeError("a MAC-wrapped message needs a signature element (b'' when unsigned)")
    if len(msg.mac) != MAC_LENGTH:
        raise EncodeError(f"MAC must be 12 bytes, got {len(msg.mac)}")
    body = SECURITY_HEADER + grouping + msg.mac
    return MAC_HEADER + encode_length(len(body)) + body


def mac_aad(msg: GbcsMessage) -> bytes:
    """AES-GCM additional data for the message MAC: 11 00000000 00 + grouping bytes (as
    received for a parsed message: the MAC is checked over what arrived)."""
    return b"\x11\x00\x00\x00\x00\x00" + msg.received_grouping_bytes()
