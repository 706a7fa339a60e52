"""GBZ payloads (ZigBee SE profile 0x0109): components with their extended header, optional
From-Date-Time, encrypted components (ZCL header in clear, ZCL payload AES-GCM protected),
and the GBZ alert form. Offsets in errors are relative to the payload content.

Encrypted components keep the ciphertext exactly as received, so re-encoding a decoded payload
is byte exact even when it was decrypted; newly built components are encrypted on encode.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from harness.errors import DecodeError, EncodeError, HarnessError
from harness.gbcs.cipher import ContentCipher
from harness.gbcs.zcl import (
    CLUSTER_NAMES,
    Body,
    ZclHeader,
    describe_body,
    try_parse_body,
)

GBZ_PROFILE = 0x0109
CTRL_LAST = 0x01
CTRL_ENCRYPTED = 0x02
CTRL_FROM_DATE_TIME = 0x10
CONTENT_SECURITY_HEADER = b"\x31\x00\x00\x00\x00"
TAG_SIZE = 12


@dataclass
class GbzComponent:
    """One GBZ component. ``payload`` is the ZCL payload in clear (None when encrypted and not
    decrypted); ``ciphertext`` is ciphertext||tag as received (None for plain or new components)."""

    control: int
    cluster: int
    header: ZclHeader
    payload: bytes | None
    body: Body | None = None
    from_date_time: int | None = None
    additional_header_control: int = 0
    frame_counter: int = 0
    security_header: bytes = CONTENT_SECURITY_HEADER
    ciphertext: bytes | None = None
    decrypt_error: str | None = None

    @property
    def encrypted(self) -> bool:
        return bool(self.control & CTRL_ENCRYPTED)

    @property
    def last(self) -> bool:
        return bool(self.control & CTRL_LAST)

    def encode(self, cipher: ContentCipher | None = None) -> bytes:
        head = bytes((self.control,)) + self.cluster.to_bytes(2, "big")
        inner = b""
        if self.control & CTRL_FROM_DATE_TIME:
            inner += (self.from_date_time or 0).to_bytes(4, "big")
        if not self.encrypted:
            if self.payload is None:
                raise EncodeError("plain component without payload")
            inner += self.header.to_bytes() + self.payload
        else:
            ct = self.ciphertext
            if ct is None:
                if cipher is None or self.payload is None:
                    raise EncodeError("encrypted component needs a ContentCipher and a payload")
                ct = cipher.encrypt(self.payload)
            ciphered = self.security_header + ct
            inner += bytes((self.additional_header_control, self.frame_counter)) + self.header.to_bytes()
            inner += len(ciphered).to_bytes(2, "big") + ciphered
        if len(inner) > 0xFFFF:
            raise EncodeError("component longer than 65535 bytes")
        return head + len(inner).to_bytes(2, "big") + inner

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "control": self.control, "last": self.last, "encrypted": self.encrypted,
            "cluster": self.cluster, "cluster_name": CLUSTER_NAMES.get(self.cluster, f"0x{self.cluster:04X}"),
        }
        if self.from_date_time is not None:
            d["from_date_time"] = self.from_date_time
        if self.encrypted:
            d["additional_header_control"] = self.additional_header_control
            d["frame_counter"] = self.frame_counter
            d["ciphertext"] = (self.ciphertext or b"").hex().upper()
            d["decrypted"] = self.payload is not None
            if self.decrypt_error:
                d["decrypt_error"] = self.decrypt_error
        d["zcl"] = self.header.describe()
        if self.payload is not None:
            d["zcl"].update(describe_body(self.cluster, self.body, self.payload))
        return d


@dataclass
class GbzPayload:
    components: list[GbzComponent]
    profile: int = GBZ_PROFILE

    def encode(self, cipher: ContentCipher | None = None) -> bytes:
        if len(self.components) > 0xFF:
            raise EncodeError("more than 255 components")
        out = self.profile.to_bytes(2, "big") + bytes((len(self.components),))
        return out + b"".join(c.encode(cipher) for c in self.components)

    def describe(self) -> dict[str, Any]:
        return {"profile": self.profile, "components": [c.describe() for c in self.components]}


@dataclass
class GbzAlert:
    """``01 09 | count | alert code (2 BE) | timestamp (4 BE, UTC s since 2000) | rest``."""

    count: int
    alert_code: int
    timestamp: int
    rest: bytes = b""
    profile: int = GBZ_PROFILE
    extra: dict[str, Any] = field(default_factory=dict)

    def encode(self, cipher: ContentCipher | None = None) -> bytes:
        return (self.profile.to_bytes(2, "big") + bytes((self.count,)) + self.alert_code.to_bytes(2, "big")
                + self.timestamp.to_bytes(4, "big") + self.rest)

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {"profile": self.profile, "count": self.count, "alert_code": self.alert_code,
                             "timestamp": self.timestamp, "rest": self.rest.hex().upper()}
        # Future-dated execution alert: 0E | message code | counter (8) | cluster | FC | cmd
        r = self.rest
        if len(r) == 15 and r[0] == 0x0E:
            d["future_dated"] = {"message_code": int.from_bytes(r[1:3], "big"),
                                 "originator_counter": int.from_bytes(r[3:11], "big"),
                                 "cluster": int.from_bytes(r[11:13], "big"),
                                 "frame_control": r[13], "command_id": r[14]}
        return d


def _decrypt(cipher: ContentCipher, data: bytes) -> tuple[bytes | None, str | None]:
    try:
        return bytes(cipher.decrypt(data)), None
    except HarnessError as exc:
        return None, str(exc)
    except Exception as exc:  # a cipher implementation's own failure must not escape a decoder
        return None, f"{type(exc).__name__}: {exc}"


_COMPONENT_HEADER = struct.Struct(">BHH").unpack_from  # control, cluster, length


def parse_component(data: bytes, offset: int, cipher: ContentCipher | None) -> tuple[GbzComponent, int]:
    n = len(data)
    if offset + 5 > n:
        raise DecodeError("truncated component header", offset=offset, field="GBZ component header")
    control, cluster, length = _COMPONENT_HEADER(data, offset)
    o = offset + 5
    end = o + length
    if end > n:
        raise DecodeError(f"component length {length} but {n - o} bytes left", offset=offset + 3,
                          field="GBZ component length")
    fdt = None
    if control & CTRL_FROM_DATE_TIME:
        if o + 4 > end:
            raise DecodeError("truncated From Date Time", offset=o, field="GBZ From Date Time")
        fdt = int.from_bytes(data[o : o + 4], "big")
        o += 4
    if not control & CTRL_ENCRYPTED:
        header, o = ZclHeader.parse(data, o, end)
        payload = bytes(data[o:end])
        comp = GbzComponent(control, cluster, header, payload, try_parse_body(cluster, header, payload), fdt)
        return comp, end
    if o + 2 > end:
        raise DecodeError("truncated additional header", offset=o, field="GBZ additional header")
    ahc, counter = data[o], data[o + 1]
    header, o = ZclHeader.parse(data, o + 2, end)
    if o + 2 > end:
        raise DecodeError("ciphered information length missing", offset=o, field="GBZ ciphered length")
    clen = int.from_bytes(data[o : o + 2], "big")
    if o + 2 + clen != end or clen < 5 + TAG_SIZE:
        raise DecodeError(f"ciphered length {clen} does not fill the component", offset=o,
                          field="GBZ ciphered length")
    sec = bytes(data[o + 2 : o + 7])
    ct = bytes(data[o + 7 : end])
    comp = GbzComponent(control, cluster, header, None, None, fdt, ahc, counter, sec, ct)
    if cipher is not None:
        plain, err = _decrypt(cipher, ct)
        comp.payload, comp.decrypt_error = plain, err
        if plain is not None:
            comp.body = try_parse_body(cluster, header, plain)
    return comp, end


def is_alert_shape(data: bytes) -> bool:
    """GBZ alert codes are 0x8xxx; no extended-header control byte has bit 7 set."""
    return len(data) >= 9 and data[3] >= 0x80


def parse_gbz(data: bytes, cipher: ContentCipher | None = None, *, alert: bool | None = None) -> GbzPayload | GbzAlert:
    """Decode a GBZ payload. ``alert`` True/False forces the form; None guesses from the bytes."""
    data = bytes(data)
    if len(data) < 3:
        raise DecodeError("truncated GBZ header", offset=0, field="GBZ header")
    profile = int.from_bytes(data[0:2], "big")
    if profile != GBZ_PROFILE:
        raise DecodeError(f"profile 0x{profile:04X} is not 0x0109", offset=0, field="GBZ profile")
    if alert is None:
        alert = is_alert_shape(data)
    if alert:
        if len(data) < 9:
            raise DecodeError("truncated GBZ alert", offset=len(data), field="GBZ alert")
        return GbzAlert(data[2], int.from_bytes(data[3:5], "big"), int.from_bytes(data[5:9], "big"),
                        bytes(data[9:]), profile)
    count = data[2]
    o = 3
    comps = []
    for _ in range(count):
        comp, o = parse_component(data, o, cipher)
        comps.append(comp)
    if o != len(data):
        raise DecodeError(f"{len(data) - o} bytes after the last component", offset=o, field="GBZ payload")
    return GbzPayload(comps, profile)


def finish_controls(components: list[GbzComponent]) -> list[GbzComponent]:
    """Set the last-component bit on the final component only and number encrypted ones."""
    k = 0
    for i, c in enumerate(components):
        c.control = (c.control & ~CTRL_LAST) | (CTRL_LAST if i == len(components) - 1 else 0)
        if c.encrypted:
            c.frame_counter = k
            k += 1
    return components
