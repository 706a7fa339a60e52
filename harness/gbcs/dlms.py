"""DLMS/COSEM as GBCS carries it: A-XDR ``Data``, Access-Request (0xD9), Access-Response (0xDA),
Data-Notification (0x0F) and protected-attribute results (class 30 method 1).

Offsets in errors are absolute within the bytes handed to the parser (the payload content).
Protected values keep their octet-string as received so re-encoding stays byte exact.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from harness.errors import DecodeError, EncodeError, HarnessError
from harness.gbcs.cipher import ContentCipher
from harness.gbcs.lengths import encode_length, read_length

TAG_ACCESS_REQUEST = 0xD9
TAG_ACCESS_RESPONSE = 0xDA
TAG_DATA_NOTIFICATION = 0x0F
MAX_DEPTH = 48
PROTECTION_SECURITY_HEADER = b"\x31\x00\x00\x00\x00"

NULL, ARRAY, STRUCTURE, BOOLEAN, BIT_STRING = 0x00, 0x01, 0x02, 0x03, 0x04
DOUBLE_LONG, DOUBLE_LONG_UNSIGNED, OCTET_STRING, VISIBLE_STRING, UTF8_STRING = 0x05, 0x06, 0x09, 0x0A, 0x0C
BCD, INTEGER, LONG, UNSIGNED, LONG_UNSIGNED, COMPACT_ARRAY = 0x0D, 0x0F, 0x10, 0x11, 0x12, 0x13
LONG64, LONG64_UNSIGNED, ENUM, FLOAT32, FLOAT64 = 0x14, 0x15, 0x16, 0x17, 0x18
DATE_TIME, DATE, TIME = 0x19, 0x1A, 0x1B

TAG_NAMES = {
    0x00: "null", 0x01: "array", 0x02: "structure", 0x03: "boolean", 0x04: "bit-string",
    0x05: "double-long", 0x06: "double-long-unsigned", 0x09: "octet-string", 0x0A: "visible-string",
    0x0C: "utf8-string", 0x0D: "bcd", 0x0F: "integer", 0x10: "long", 0x11: "unsigned",
    0x12: "long-unsigned", 0x13: "compact-array", 0x14: "long64", 0x15: "long64-unsigned", 0x16: "enum",
    0x17: "float32", 0x18: "float64", 0x19: "date-time", 0x1A: "date", 0x1B: "time",
}
# tag -> (size, signed) for integers
INTEGERS = {0x05: (4, True), 0x06: (4, False), 0x0D: (1, True), 0x0F: (1, True), 0x10: (2, True),
            0x11: (1, False), 0x12: (2, False), 0x14: (8, True), 0x15: (8, False), 0x16: (1, False),
            0x03: (1, False)}
FIXED_BYTES = {0x17: 4, 0x18: 8, 0x19: 12, 0x1A: 5, 0x1B: 4}
STRINGS = (OCTET_STRING, VISIBLE_STRING, UTF8_STRING)

RESULT_NAMES = {0: "success", 1: "hardware-fault", 2: "temporary-failure", 3: "read-write-denied",
                4: "object-undefined", 9: "object-class-inconsistent", 11: "object-unavailable",
                12: "type-unmatched", 13: "scope-of-access-violated", 14: "data-block-unavailable",
                250: "other-reason"}
SUCCESS, HARDWARE_FAULT, TYPE_UNMATCHED, OTHER_REASON = 0, 1, 12, 250
GET, SET, ACTION, GET_WITH_SELECTION, SET_WITH_SELECTION = 1, 2, 3, 4, 5
KIND_NAMES = {1: "get", 2: "set", 3: "action", 4: "get-with-selection", 5: "set-with-selection"}


def obis_text(obis: bytes) -> str:
    if len(obis) != 6:
        return obis.hex().upper()
    a, b, c, d, e, f = obis
    return f"{a}-{b}:{c}.{d}.{e}.{f}"


def obis_bytes(text: str) -> bytes:
    """``"0-0:19.20.1.255"`` -> 6 bytes."""
    try:
        ab, rest = text.split(":")
        a, b = ab.split("-")
        parts = [int(a), int(b)] + [int(x) for x in rest.split(".")]
        return bytes(parts)
    except (ValueError, TypeError) as exc:
        raise EncodeError(f"bad OBIS code {text!r}") from exc


# -- Data -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Data:
    """One A-XDR Data value. ``value``: None (null), list[Data] (array/structure), int
    (integers, enum, boolean), bytes (strings, bit-string, floats, dates, compact-array raw).
    ``bits`` is the bit count of a bit-string. ``decrypted`` is set on protected-attribute
    results when a cipher was given (the inner Data, or plaintext bytes if it does not parse)."""

    tag: int
    value: Any = None
    bits: int | None = None
    decrypted: Data | bytes | None = None
    decrypt_error: str | None = None

    # constructors
    @staticmethod
    def null() -> Data:
        return Data(NULL)

    @staticmethod
    def struct(*items: Data) -> Data:
        return Data(STRUCTURE, list(items))

    @staticmethod
    def array(*items: Data) -> Data:
        return Data(ARRAY, list(items))

    @staticmethod
    def octets(raw: bytes) -> Data:
        return Data(OCTET_STRING, bytes(raw))

    @staticmethod
    def int_(tag: int, v: int) -> Data:
        return Data(tag, int(v))

    def to_bytes(self) -> bytes:
        out = bytearray()
        _encode_data(self, out)
        return bytes(out)

    @property
    def items(self) -> list[Data]:
        if self.tag not in (ARRAY, STRUCTURE):
            raise EncodeError(f"{TAG_NAMES.get(self.tag)} has no items")
        return list(self.value)

    def describe(self) -> Any:
        tag, value = self.tag, self.value
        name = TAG_NAMES.get(tag) or f"0x{tag:02X}"
        if tag == STRUCTURE or tag == ARRAY:
            d: dict[str, Any] = {name: [x.describe() for x in value]}
        elif tag == NULL:
            d = {name: None}
        elif isinstance(value, bytes):
            d = {name: value.hex().upper()}
            if tag == VISIBLE_STRING:
                d["text"] = value.decode("latin-1")
            if self.bits is not None:
                d["bits"] = self.bits
        else:
            d = {name: value}
        decrypted = self.decrypted
        if decrypted is not None:
            if isinstance(decrypted, Data):
                d["decrypted"] = decrypted.describe()
            elif isinstance(decrypted, bytes):
                d["decrypted_raw"] = decrypted.hex().upper()
        if self.decrypt_error:
            d["decrypt_error"] = self.decrypt_error
        return d


def _encode_data(d: Data, out: bytearray) -> None:
    out.append(d.tag)
    t = d.tag
    if t == NULL:
        return
    if t in (ARRAY, STRUCTURE):
        out += encode_length(len(d.value))
        for x in d.value:
            _encode_data(x, out)
    elif t in INTEGERS:
        size, signed = INTEGERS[t]
        try:
            out += int(d.value).to_bytes(size, "big", signed=signed)
        except OverflowError as exc:
            raise EncodeError(f"{d.value} does not fit {TAG_NAMES[t]}") from exc
    elif t in STRINGS:
        out += encode_length(len(d.value)) + bytes(d.value)
    elif t == BIT_STRING:
        bits = d.bits if d.bits is not None else 8 * len(d.value)
        if (bits + 7) // 8 != len(d.value):
            raise EncodeError("bit-string length does not match its bit count")
        out += encode_length(bits) + bytes(d.value)
    elif t in FIXED_BYTES:
        if len(d.value) != FIXED_BYTES[t]:
            raise EncodeError(f"{TAG_NAMES[t]} needs {FIXED_BYTES[t]} bytes")
        out += bytes(d.value)
    elif t == COMPACT_ARRAY:
        out += bytes(d.value)  # type description + contents, kept raw
    else:
        raise EncodeError(f"unknown A-XDR tag 0x{t:02X}")


def _need(data: bytes, o: int, size: int, end: int, what: str) -> None:
    if o + size > end:
        raise DecodeError(f"truncated: {size} bytes needed, {max(0, end - o)} left", offset=o, field=what)


def _skip_type_description(data: bytes, o: int, end: int, depth: int) -> int:
    if depth > MAX_DEPTH:
        raise DecodeError("type description nested too deeply", offset=o, field="compact-array")
    _need(data, o, 1, end, "compact-array type")
    t = data[o]
    o += 1
    if t == ARRAY:
        _need(data, o, 2, end, "compact-array type")
        return _skip_type_description(data, o + 2, end, depth + 1)
    if t == STRUCTURE:
        n, o = read_length(data, o, "compact-array type", end)
        if n > end - o:
            raise DecodeError(f"{n} element types cannot fit", offset=o, field="compact-array type")
        for _ in range(n):
            o = _skip_type_description(data, o, end, depth + 1)
        return o
    if t in INTEGERS or t in STRINGS or t in FIXED_BYTES or t in (NULL, BIT_STRING):
        return o
    raise DecodeError(f"unknown type 0x{t:02X} in compact-array description", offset=o - 1,
                      field="compact-array type")


# tag -> parse kind (hot path dispatch, most frequent kinds tested first)
_K_NULL, _K_LIST, _K_INT, _K_UINT1, _K_UINT2, _K_STRING, _K_BITS, _K_FIXED, _K_COMPACT = range(9)
_K_UNKNOWN = -1
_KIND = {NULL: _K_NULL, ARRAY: _K_LIST, STRUCTURE: _K_LIST, BIT_STRING: _K_BITS, COMPACT_ARRAY: _K_COMPACT}
_KIND.update({t: _K_STRING for t in STRINGS})
_KIND.update({t: _K_FIXED for t in FIXED_BYTES})
_KIND.update({t: {(1, False): _K_UINT1, (2, False): _K_UINT2}.get(spec, _K_INT) for t, spec in INTEGERS.items()})
_KINDS = tuple(_KIND.get(t, _K_UNKNOWN) for t in range(256))
_INT_FORMATS = {(1, True): ">b", (2, True): ">h", (4, True): ">i", (4, False): ">I", (8, True): ">q",
                (8, False): ">Q", (1, False): ">B", (2, False): ">H"}
# tag -> (size, unpack_from) of an integer: struct's precompiled unpacking, 3x int.from_bytes of a slice
_INT_UNPACK = tuple((INTEGERS[t][0], struct.Struct(_INT_FORMATS[INTEGERS[t]]).unpack_from) if t in INTEGERS
                    else (0, struct.Struct("").unpack_from) for t in range(256))  # (the latter never used)


def _truncated(o: int, size: int, end: int, what: str) -> DecodeError:
    return DecodeError(f"truncated: {size} bytes needed, {max(0, end - o)} left", offset=o, field=what)


def parse_data(data: bytes, offset: int, end: int | None = None, depth: int = 0) -> tuple[Data, int]:
    """Decode one Data at ``offset``; return (Data, offset after it). ``end`` (at most
    ``len(data)``) bounds the value."""
    if type(data) is not bytes:
        data = bytes(data)
    n = len(data)
    end = n if end is None or end > n else max(0, end)
    return _parse_data(data, offset, end, depth)


def _parse_data(data: bytes, offset: int, end: int, depth: int) -> tuple[Data, int]:
    """:func:`parse_data` for ``0 <= offset`` and ``end <= len(data)`` (the codec's own calls)."""
    values, o = _parse_values(data, offset, end, depth, 1)
    return values[0], o


def _parse_values(data: bytes, offset: int, end: int, depth: int, count: int) -> tuple[list[Data], int]:
    """``count`` consecutive Data values from ``offset``, each at nesting ``depth``, in one pass
    (a DLMS data list costs one call, not one per item). Iterative (the open
    arrays/structures kept on a stack) to keep the per-value cost low; values, errors and their
    order are those of the recursive definition, value after value."""
    values: list[Data] = []
    if not count:
        return values, offset
    stack: list[tuple[Any, int, Data | None]] = []  # enclosing levels: (append, still to read, Data)
    append: Any = values.append  # the innermost open level's items.append (the values at the bottom)
    left = count
    container: Data | None = None  # the innermost open array/structure (None: the values themselves)
    level = depth
    kinds = _KINDS
    int_unpack = _INT_UNPACK
    new = Data
    o = offset
    if level > MAX_DEPTH:
        raise DecodeError(f"Data nested deeper than {MAX_DEPTH}", offset=o, field="Data")
    while True:
        if o >= end:
            raise _truncated(o, 1, end, "Data tag")
        t = data[o]
        o += 1
        kind = kinds[t]
        if kind == _K_STRING:
            if o < end and data[o] < 0x80:
                n = data[o]
                o += 1
            else:
                n, o = read_length(data, o, TAG_NAMES[t], end)
            stop = o + n
            if stop > end:
                raise _truncated(o, n, end, TAG_NAMES[t])
            value = new(t, data[o:stop])
            o = stop
        elif kind == _K_UINT2:
            stop = o + 2
            if stop > end:
                raise _truncated(o, 2, end, TAG_NAMES[t])
            value = new(t, (data[o] << 8) | data[o + 1])
            o = stop
        elif kind == _K_LIST:
            start = o - 1
            if o < end and data[o] < 0x80:
                n = data[o]
                o += 1
            else:
                n, o = read_length(data, o, TAG_NAMES[t], end)
            if n > end - o:
                raise DecodeError(f"{TAG_NAMES[t]} of {n} elements cannot fit in {end - o} bytes",
                                  offset=start, field=TAG_NAMES[t])
            items: list[Data] = []
            value = new(t, items)
            if n:
                level += 1
                if level > MAX_DEPTH:  # the first element (which exists) would be too deep
                    raise DecodeError(f"Data nested deeper than {MAX_DEPTH}", offset=o, field="Data")
                stack.append((append, left, container))
                append, left, container = items.append, n, value
                continue
        elif kind == _K_INT:
            size, unpack = int_unpack[t]
            stop = o + size
            if stop > end:
                raise _truncated(o, size, end, TAG_NAMES[t])
            value = new(t, unpack(data, o)[0])
            o = stop
        elif kind == _K_BITS:
            if o < end and data[o] < 0x80:
                bits = data[o]
                o += 1
            else:
                bits, o = read_length(data, o, "bit-string", end)
            n = (bits + 7) // 8
            stop = o + n
            if stop > end:
                raise _truncated(o, n, end, "bit-string")
            value = new(t, data[o:stop], bits)
            o = stop
        elif kind == _K_UINT1:
            if o >= end:
                raise _truncated(o, 1, end, TAG_NAMES[t])
            value = new(t, data[o])
            o += 1
        elif kind == _K_NULL:
            value = new(NULL)
        elif kind == _K_FIXED:
            size = FIXED_BYTES[t]
            stop = o + size
            if stop > end:
                raise _truncated(o, size, end, TAG_NAMES[t])
            value = new(t, data[o:stop])
            o = stop
        elif kind == _K_COMPACT:
            p = _skip_type_description(data, o, end, level + 1)
            n, p = read_length(data, p, "compact-array contents", end)
            _need(data, p, n, end, "compact-array contents")
            value = new(t, data[o : p + n])
            o = p + n
        else:
            raise DecodeError(f"unknown A-XDR tag 0x{t:02X}", offset=o - 1, field="Data tag")
        # hand the finished value to the innermost open level, closing every list it completes
        while True:
            append(value)
            left -= 1
            if left:
                break
            if not stack:  # the last of the values
                return values, o
            value = container  # type: ignore[assignment]
            level -= 1
            append, left, container = stack.pop()


# -- protected attributes (class 30 get_protected_attributes) ----------------------------------


def is_protected_result(d: Data) -> bool:
    """structure(2) { protection parameters array, octet-string 31 00000000 || ct || tag }."""
    if d.tag != STRUCTURE or len(d.value) != 2:
        return False
    params, blob = d.value
    return (params.tag == ARRAY and blob.tag == OCTET_STRING and len(blob.value) >= 17
            and blob.value[:1] == b"\x31")


def decrypt_protected(d: Data, cipher: ContentCipher) -> None:
    """Decrypt a protected result in place (sets ``decrypted`` or ``decrypt_error``)."""
    blob: bytes = d.value[1].value
    try:
        plain = bytes(cipher.decrypt(blob[5:]))
    except HarnessError as exc:
        d.decrypt_error = str(exc)
        return
    except Exception as exc:  # never let a cipher's own failure escape a decoder
        d.decrypt_error = f"{type(exc).__name__}: {exc}"
        return
    try:
        inner, stop = parse_data(plain, 0)
        d.decrypted = inner if stop == len(plain) else plain
    except DecodeError:
        d.decrypted = plain


def protected_result(params: Data, plaintext: bytes, cipher: ContentCipher) -> Data:
    """Build the result item of a protected read: params plus the encrypted value."""
    blob = PROTECTION_SECURITY_HEADER + cipher.encrypt(plaintext)
    return Data.struct(params, Data.octets(blob))


def protection_parameters(counter: int, originator: bytes, recipient: bytes) -> Data:
    """The protection-parameters array GBCS uses (authenticated+encrypted, agreed key)."""
    return Data.array(Data.struct(
        Data(ENUM, 2),
        Data.struct(
            Data.octets(b"\x04" + counter.to_bytes(8, "big")),
            Data.octets(originator), Data.octets(recipient), Data.octets(b""),
            Data.struct(Data(ENUM, 2), Data.struct(Data.octets(b"\x02"), Data.octets(b""))),
        ),
    ))


# -- APDUs ------------------------------------------------------------------------------------


@dataclass
class RequestSpec:
    """One access-request-specification: GET/SET/ACTION (+ with-selection) of a COSEM item."""

    kind: int
    class_id: int
    obis: bytes
    index: int  # attribute id, or method id for ACTION
    selector: int | None = None
    selection: Data | None = None

    def to_bytes(self) -> bytes:
        out = bytes((self.kind,)) + self.class_id.to_bytes(2, "big") + self.obis + bytes((self.index,))
        if self.kind in (GET_WITH_SELECTION, SET_WITH_SELECTION):
            if self.selector is None or self.selection is None:
                raise EncodeError("selective access needs a selector and parameters")
            out += bytes((self.selector,)) + self.selection.to_bytes()
        return out

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": KIND_NAMES.get(self.kind, self.kind), "class_id": self.class_id,
                             "obis": obis_text(self.obis),
                             ("method" if self.kind == ACTION else "attribute"): self.index}
        if self.selector is not None and self.selection is not None:
            d["selector"] = self.selector
            d["selection"] = self.selection.describe()
        return d


def _parse_spec(data: bytes, o: int, end: int) -> tuple[RequestSpec, int]:
    _need(data, o, 10, end, "request specification")
    kind = data[o]
    if kind not in KIND_NAMES:
        raise DecodeError(f"unknown request kind 0x{kind:02X}", offset=o, field="request specification")
    spec = RequestSpec(kind, int.from_bytes(data[o + 1 : o + 3], "big"), bytes(data[o + 3 : o + 9]), data[o + 9])
    o += 10
    if kind in (GET_WITH_SELECTION, SET_WITH_SELECTION):
        _need(data, o, 1, end, "access selector")
        spec.selector = data[o]
        spec.selection, o = _parse_data(data, o + 1, end, 1)
    return spec, o


def _parse_specs(data: bytes, o: int, end: int) -> tuple[list[RequestSpec], int]:
    n, o = read_length(data, o, "request specification count", end)
    if n * 10 > end - o:
        raise DecodeError(f"{n} request specifications cannot fit", offset=o, field="request specification count")
    specs = []
    for _ in range(n):
        spec, o = _parse_spec(data, o, end)
        specs.append(spec)
    return specs, o


def _parse_data_list(data: bytes, o: int, end: int, what: str) -> tuple[list[Data], int]:
    n, o = read_length(data, o, what, end)
    if n > end - o:
        raise DecodeError(f"{n} items cannot fit", offset=o, field=what)
    return _parse_values(data, o, end, 1, n)


def _parse_head(data: bytes, o: int, end: int) -> tuple[int, bytes, int]:
    _need(data, o, 4, end, "invoke-id")
    invoke = int.from_bytes(data[o : o + 4], "big")
    n, p = read_length(data, o + 4, "date-time", end)
    _need(data, p, n, end, "date-time")
    return invoke, bytes(data[p : p + n]), p + n


def _head_bytes(tag: int, invoke_id: int, date_time: bytes) -> bytes:
    return bytes((tag,)) + invoke_id.to_bytes(4, "big") + encode_length(len(date_time)) + date_time


def invoke_id_for(counter: int) -> int:
    """GBCS long-invoke-id: 0x20 (processing option) | low 24 bits of the originator counter."""
    return 0x20000000 | (counter & 0xFFFFFF)


@dataclass
class AccessRequest:
    invoke_id: int
    specs: list[RequestSpec]
    data: list[Data]
    date_time: bytes = b""

    def encode(self, cipher: ContentCipher | None = None) -> bytes:
        out = _head_bytes(TAG_ACCESS_REQUEST, self.invoke_id, self.date_time)
        out += encode_length(len(self.specs)) + b"".join(s.to_bytes() for s in self.specs)
        return out + encode_length(len(self.data)) + b"".join(d.to_bytes() for d in self.data)

    def describe(self) -> dict[str, Any]:
        return {"apdu": "access-request", "invoke_id": self.invoke_id, "date_time": self.date_time.hex().upper(),
                "specs": [s.describe() for s in self.specs], "data": [d.describe() for d in self.data]}


@dataclass
class AccessResponse:
    invoke_id: int
    data: list[Data]
    results: list[tuple[int, int]]  # (kind, result)
    date_time: bytes = b""
    specs: list[RequestSpec] | None = None

    def encode(self, cipher: ContentCipher | None = None) -> bytes:
        out = _head_bytes(TAG_ACCESS_RESPONSE, self.invoke_id, self.date_time)
        if self.specs is None:
            out += b"\x00"
        else:
            out += b"\x01" + encode_length(len(self.specs)) + b"".join(s.to_bytes() for s in self.specs)
        out += encode_length(len(self.data)) + b"".join(d.to_bytes() for d in self.data)
        return out + encode_length(len(self.results)) + b"".join(bytes((k, r)) for k, r in self.results)

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {"apdu": "access-response", "invoke_id": self.invoke_id,
                             "date_time": self.date_time.hex().upper(),
                             "data": [x.describe() for x in self.data],
                             "results": [{"kind": KIND_NAMES.get(k, k), "result": r,
                                          "result_name": RESULT_NAMES.get(r, str(r))} for k, r in self.results]}
        if self.specs is not None:
            d["specs"] = [s.describe() for s in self.specs]
        return d


@dataclass
class DataNotification:
    invoke_id: int
    body: Data
    date_time: bytes = b""
    extra: dict[str, Any] = field(default_factory=dict)

    def encode(self, cipher: ContentCipher | None = None) -> bytes:
        return _head_bytes(TAG_DATA_NOTIFICATION, self.invoke_id, self.date_time) + self.body.to_bytes()

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {"apdu": "data-notification", "invoke_id": self.invoke_id,
                             "date_time": self.date_time.hex().upper(), "body": self.body.describe()}
        items = self.body.value if self.body.tag == STRUCTURE else []
        if items and items[0].tag == LONG_UNSIGNED:
            d["alert_code"] = items[0].value
            from harness.gbcs.alerts import alert_name

            if (name := alert_name(items[0].value)) is not None:
                d["alert_name"] = name
        return d


Apdu = AccessRequest | AccessResponse | DataNotification
#: The APDU classes :func:`parse_dlms` returns (for ``isinstance``).
APDU_TYPES = (AccessRequest, AccessResponse, DataNotification)


def parse_dlms(data: bytes, cipher: ContentCipher | None = None) -> Apdu:
    """Decode a DLMS payload (D9 / DA / 0F). Protected results are decrypted when ``cipher``."""
    data = bytes(data)
    end = len(data)
    if end == 0:
        raise DecodeError("empty DLMS payload", offset=0, field="APDU tag")
    tag = data[0]
    if tag == TAG_ACCESS_REQUEST:
        invoke, dt, o = _parse_head(data, 1, end)
        specs, o = _parse_specs(data, o, end)
        items, o = _parse_data_list(data, o, end, "data count")
        apdu: Apdu = AccessRequest(invoke, specs, items, dt)
    elif tag == TAG_ACCESS_RESPONSE:
        invoke, dt, o = _parse_head(data, 1, end)
        _need(data, o, 1, end, "access-request-specification flag")
        flag = data[o]
        rspecs: list[RequestSpec] | None = None
        if flag == 1:
            rspecs, o = _parse_specs(data, o + 1, end)
        elif flag == 0:
            o += 1
        else:
            raise DecodeError(f"flag 0x{flag:02X} is neither 00 nor 01", offset=o,
                              field="access-request-specification flag")
        items, o = _parse_data_list(data, o, end, "data count")
        n, o = read_length(data, o, "result count")
        if 2 * n > end - o:
            raise DecodeError(f"{n} results cannot fit", offset=o, field="result count")
        results = [(data[o + 2 * i], data[o + 2 * i + 1]) for i in range(n)]
        o += 2 * n
        if cipher is not None:
            for item in items:
                if is_protected_result(item):
                    decrypt_protected(item, cipher)
        apdu = AccessResponse(invoke, items, results, dt, rspecs)
    elif tag == TAG_DATA_NOTIFICATION:
        invoke, dt, o = _parse_head(data, 1, end)
        body, o = _parse_data(data, o, end, 1)
        apdu = DataNotification(invoke, body, dt)
    else:
        raise DecodeError(f"tag 0x{tag:02X} is not a GBCS DLMS APDU", offset=0, field="APDU tag")
    if o != end:
        raise DecodeError(f"{end - o} trailing bytes", offset=o, field="DLMS payload")
    return apdu
