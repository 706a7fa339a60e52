"""GBZ payload framing as the emulators need it: components (plain or encrypted) around ZCL
frames, and GBZ alerts. Local adapter over gbcs-facts §3.2; ZCL bodies come from
:mod:`harness.gbcs.zcl`."""

from __future__ import annotations

from dataclasses import dataclass

from harness.errors import DecodeError
from harness.gbcs.cipher import ContentCipher
from harness.gbcs.zcl import ZclHeader

PROFILE = b"\x01\x09"
CTL_LAST, CTL_ENCRYPTED, CTL_FROM_DT = 0x01, 0x02, 0x10
ENC_HEADER = b"\x31\x00\x00\x00\x00"


@dataclass
class Component:
    """One GBZ component: cluster and a complete ZCL frame (header + plaintext payload)."""

    cluster: int
    zcl: bytes
    encrypted: bool = False
    from_date_time: int | None = None

    @property
    def header(self) -> ZclHeader:
        return ZclHeader.parse(self.zcl, 0)[0]

    @property
    def payload(self) -> bytes:
        return self.zcl[ZclHeader.parse(self.zcl, 0)[1]:]


def encode_gbz(components: list[Component], cipher: ContentCipher | None = None) -> bytes:
    out = bytearray(PROFILE + bytes((len(components),)))
    counter = 0
    for i, comp in enumerate(components):
        ctl = CTL_LAST if i == len(components) - 1 else 0
        body = b""
        if comp.from_date_time is not None:
            ctl |= CTL_FROM_DT
            body += comp.from_date_time.to_bytes(4, "big")
        if comp.encrypted:
            if cipher is None:
                raise DecodeError("an encrypted component needs a content cipher", offset=len(out),
                                  field="GBZ component")
            ctl |= CTL_ENCRYPTED
            _, hlen = ZclHeader.parse(comp.zcl, 0)
            sealed = ENC_HEADER + cipher.encrypt(comp.zcl[hlen:])
            body += bytes((0x00, counter)) + comp.zcl[:hlen] + len(sealed).to_bytes(2, "big") + sealed
            counter += 1
        else:
            body += comp.zcl
        out += bytes((ctl,)) + comp.cluster.to_bytes(2, "big") + len(body).to_bytes(2, "big") + body
    return bytes(out)


def decode_gbz(content: bytes, cipher: ContentCipher | None = None) -> list[Component]:
    """Components of a GBZ payload; encrypted ones are decrypted when a cipher is given
    (otherwise DecodeError)."""
    if content[:2] != PROFILE:
        raise DecodeError("GBZ profile 0x0109 expected", offset=0, field="GBZ profile")
    if len(content) < 3:
        raise DecodeError("component count missing", offset=2, field="GBZ component count")
    count = content[2]
    o = 3
    comps: list[Component] = []
    for _ in range(count):
        if o + 5 > len(content):
            raise DecodeError("truncated component header", offset=o, field="GBZ component")
        ctl = content[o]
        cluster = int.from_bytes(content[o + 1 : o + 3], "big")
        length = int.from_bytes(content[o + 3 : o + 5], "big")
        start, end = o + 5, o + 5 + length
        if end > len(content):
            raise DecodeError(f"component length {length} overruns the payload", offset=o + 3,
                              field="GBZ component length")
        body = content[start:end]
        from_dt = None
        if ctl & CTL_FROM_DT:
            from_dt = int.from_bytes(body[:4], "big")
            body = body[4:]
        if ctl & CTL_ENCRYPTED:
            if cipher is None:
                raise DecodeError("encrypted component and no key", offset=start, field="GBZ encrypted component")
            zhead = body[2:5]
            sealed = body[7:]
            if sealed[:5] != ENC_HEADER:
                raise DecodeError("security header 3100000000 expected", offset=start + 7,
                                  field="GBZ security header")
            comps.append(Component(cluster, zhead + cipher.decrypt(sealed[5:]), True, from_dt))
        else:
            comps.append(Component(cluster, bytes(body), False, from_dt))
        o = end
    if o != len(content):
        raise DecodeError(f"{len(content) - o} bytes after the last component", offset=o, field="GBZ payload")
    return comps


def encode_gbz_alert(alert_code: int, utc_time: int, data: bytes = b"") -> bytes:
    """A GBZ alert payload: profile, component count 0, alert code, timestamp (BE), data."""
    return PROFILE + b"\x00" + alert_code.to_bytes(2, "big") + utc_time.to_bytes(4, "big") + data
