"""A-XDR Data and DLMS Access-Request/Response as the emulators need them (gbcs-facts §3.1).
Local adapter: typed values are plain Python (int, bytes, list, None) plus the tag that made them."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from harness.errors import DecodeError
from harness.gbcs.lengths import encode_length, read_length

NULL, ARRAY, STRUCTURE, BOOLEAN, BIT_STRING = 0x00, 0x01, 0x02, 0x03, 0x04
DOUBLE_LONG, DOUBLE_LONG_UNSIGNED, OCTET_STRING, VISIBLE_STRING = 0x05, 0x06, 0x09, 0x0A
INTEGER, LONG, UNSIGNED, LONG_UNSIGNED, ENUM = 0x0F, 0x10, 0x11, 0x12, 0x16
_FIXED = {BOOLEAN: ">B", DOUBLE_LONG: ">i", DOUBLE_LONG_UNSIGNED: ">I", INTEGER: ">b", LONG: ">h",
          UNSIGNED: ">B", LONG_UNSIGNED: ">H", ENUM: ">B", 0x14: ">q", 0x15: ">Q"}

GET, SET, ACTION, GET_WITH_SELECTION = 0x01, 0x02, 0x03, 0x04
RESULT_SUCCESS, RESULT_HARDWARE_FAULT, RESULT_OTHER_REASON = 0x00, 0x01, 0xFA


@dataclass(frozen=True)
class Data:
    """One A-XDR Data item: tag and value (list of Data for array/structure)."""

    tag: int
    value: Any = None

    def to_bytes(self) -> bytes:
        if self.tag == NULL:
            return b"\x00"
        if self.tag in (ARRAY, STRUCTURE):
            return bytes((self.tag,)) + encode_length(len(self.value)) + b"".join(d.to_bytes() for d in self.value)
        if self.tag in (OCTET_STRING, VISIBLE_STRING):
            raw = bytes(self.value)
            return bytes((self.tag,)) + encode_length(len(raw)) + raw
        if self.tag in _FIXED:
            return bytes((self.tag,)) + struct.pack(_FIXED[self.tag], self.value)
        raise ValueError(f"A-XDR tag 0x{self.tag:02X} not supported by the emulators")


def structure(*items: Data) -> Data:
    return Data(STRUCTURE, list(items))


def decode_data(buf: bytes, offset: int) -> tuple[Data, int]:
    if offset >= len(buf):
        raise DecodeError("Data tag missing", offset=offset, field="A-XDR Data")
    tag = buf[offset]
    o = offset + 1
    if tag == NULL:
        return Data(NULL), o
    if tag in (ARRAY, STRUCTURE):
        n, o = read_length(buf, o, "A-XDR count")
        items = []
        for _ in range(n):
            item, o = decode_data(buf, o)
            items.append(item)
        return Data(tag, items), o
    if tag in (OCTET_STRING, VISIBLE_STRING, BIT_STRING):
        n, o = read_length(buf, o, "A-XDR string length")
        if tag == BIT_STRING:
            n = (n + 7) // 8
        if o + n > len(buf):
            raise DecodeError("truncated string", offset=o, field="A-XDR string")
        return Data(tag, bytes(buf[o : o + n])), o + n
    if tag in _FIXED:
        size = struct.calcsize(_FIXED[tag])
        if o + size > len(buf):
            raise DecodeError("truncated value", offset=o, field="A-XDR value")
        return Data(tag, struct.unpack_from(_FIXED[tag], buf, o)[0]), o + size
    raise DecodeError(f"A-XDR tag 0x{tag:02X} not supported", offset=offset, field="A-XDR Data")


@dataclass
class Spec:
    """One request spec: kind (GET/SET/ACTION), class id, OBIS (6 bytes), attribute or method."""

    kind: int
    class_id: int
    obis: bytes
    index: int
    selector: tuple[int, Data] | None = None

    def to_bytes(self) -> bytes:
        out = bytes((self.kind,)) + self.class_id.to_bytes(2, "big") + self.obis + bytes((self.index,))
        if self.kind == GET_WITH_SELECTION and self.selector is not None:
            out += bytes((self.selector[0],)) + self.selector[1].to_bytes()
        return out


@dataclass
class AccessRequest:
    invoke_id: int
    specs: list[Spec]
    data: list[Data] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        return (b"\xd9" + self.invoke_id.to_bytes(4, "big") + b"\x00" + encode_length(len(self.specs))
                + b"".join(s.to_bytes() for s in self.specs) + encode_length(len(self.data))
                + b"".join(d.to_bytes() for d in self.data))

    @classmethod
    def parse(cls, buf: bytes) -> AccessRequest:
        if not buf or buf[0] != 0xD9:
            raise DecodeError("Access-Request tag D9 expected", offset=0, field="DLMS tag")
        if len(buf) < 7:
            raise DecodeError("truncated Access-Request", offset=len(buf), field="DLMS header")
        invoke = int.from_bytes(buf[1:5], "big")
        o = 5
        if buf[o] == 0x0C:
            o += 13
        elif buf[o] == 0x00:
            o += 1
        else:
            raise DecodeError("date-time must be 00 or 0C", offset=o, field="DLMS date-time")
        n, o = read_length(buf, o, "request-spec count")
        specs = []
        for _ in range(n):
            if o + 10 > len(buf):
                raise DecodeError("truncated request spec", offset=o, field="DLMS request spec")
            kind = buf[o]
            if kind not in (GET, SET, ACTION, GET_WITH_SELECTION):
                raise DecodeError(f"request spec choice 0x{kind:02X}", offset=o, field="DLMS request spec")
            spec = Spec(kind, int.from_bytes(buf[o + 1 : o + 3], "big"), bytes(buf[o + 3 : o + 9]), buf[o + 9])
            o += 10
            if kind == GET_WITH_SELECTION:
                sel = buf[o]
                param, o = decode_data(buf, o + 1)
                spec.selector = (sel, param)
            specs.append(spec)
        m, o = read_length(buf, o, "data count")
        data = []
        for _ in range(m):
            d, o = decode_data(buf, o)
            data.append(d)
        if o != len(buf):
            raise DecodeError(f"{len(buf) - o} bytes after the Access-Request", offset=o, field="DLMS")
        return cls(invoke, specs, data)


@dataclass
class AccessResponse:
    invoke_id: int
    data: list[Data]
    results: list[tuple[int, int]]  # (choice, result)

    def to_bytes(self) -> bytes:
        return (b"\xda" + self.invoke_id.to_bytes(4, "big") + b"\x00\x00" + encode_length(len(self.data))
                + b"".join(d.to_bytes() for d in self.data) + encode_length(len(self.results))
                + b"".join(bytes(r) for r in self.results))

    @classmethod
    def parse(cls, buf: bytes) -> AccessResponse:
        if not buf or buf[0] != 0xDA:
            raise DecodeError("Access-Response tag DA expected", offset=0, field="DLMS tag")
        invoke = int.from_bytes(buf[1:5], "big")
        o = 7
        n, o = read_length(buf, o, "data count")
        data = []
        for _ in range(n):
            d, o = decode_data(buf, o)
            data.append(d)
        m, o = read_length(buf, o, "result count")
        results = [(buf[o + 2 * i], buf[o + 2 * i + 1]) for i in range(m)]
        return cls(invoke, data, results)


def data_notification(invoke_id: int, alert_code: int, date_time: bytes) -> bytes:
    """A DLMS alert payload: Data-Notification with {alert code, timestamp}."""
    body = structure(Data(LONG_UNSIGNED, alert_code), Data(OCTET_STRING, date_time))
    return b"\x0f" + invoke_id.to_bytes(4, "big") + b"\x00" + body.to_bytes()


def obis(text: str) -> bytes:
    """``"0-0:19.20.1.255"`` -> 6 bytes."""
    a, rest = text.split("-")
    b, rest = rest.split(":")
    c, d, e, f = rest.split(".")
    return bytes(int(x) for x in (a, b, c, d, e, f))
