"""A DER walk: tag, length, value, recursing into constructed values. Enough to show and
round-trip the ASN.1 payloads of the security-credential, join and firmware use cases.

Length encodings are kept as received (``length_bytes``) so re-encoding is byte exact even for
non-minimal lengths. Offsets in errors are relative to the walked bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.errors import DecodeError

MAX_DEPTH = 48
CLASS_NAMES = ("universal", "application", "context", "private")
UNIVERSAL_NAMES = {1: "BOOLEAN", 2: "INTEGER", 3: "BIT STRING", 4: "OCTET STRING", 5: "NULL", 6: "OID",
                   12: "UTF8String", 16: "SEQUENCE", 17: "SET", 19: "PrintableString", 22: "IA5String",
                   23: "UTCTime", 24: "GeneralizedTime"}


@dataclass(slots=True)
class Tlv:
    """One DER element. ``children`` is set for constructed elements whose value parses as
    a sequence of elements; otherwise ``value`` holds the content bytes."""

    tag_bytes: bytes
    length_bytes: bytes
    value: bytes
    children: list[Tlv] | None = field(default=None)

    @property
    def tag(self) -> int:
        return self.tag_bytes[0]

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)

    def to_bytes(self) -> bytes:
        body = b"".join(c.to_bytes() for c in self.children) if self.children is not None else self.value
        return self.tag_bytes + self.length_bytes + body

    def describe(self) -> dict[str, Any]:
        cls = CLASS_NAMES[self.tag >> 6]
        number = self.tag & 0x1F
        name = UNIVERSAL_NAMES.get(number, str(number)) if cls == "universal" else f"[{number}]"
        d: dict[str, Any] = {"tag": self.tag_bytes.hex().upper(), "class": cls, "name": name,
                             "length": len(self.value)}
        if self.children is not None:
            d["children"] = [c.describe() for c in self.children]
        else:
            d["value"] = self.value.hex().upper()
        return d


def _read_header(data: bytes, o: int, end: int) -> tuple[int, int, int, int]:
    """(tag byte, length-octets start, value start, value stop) of the element at ``o``."""
    start = o
    if o >= end:
        raise DecodeError("tag missing", offset=o, field="ASN.1 tag")
    first_tag = data[o]
    o += 1
    if first_tag & 0x1F == 0x1F:  # high tag number form
        while True:
            if o >= end:
                raise DecodeError("truncated high tag number", offset=o, field="ASN.1 tag")
            o += 1
            if not data[o - 1] & 0x80:
                break
            if o - start > 5:
                raise DecodeError("tag number too long", offset=start, field="ASN.1 tag")
    if o >= end:
        raise DecodeError("length missing", offset=o, field="ASN.1 length")
    lstart = o
    first = data[o]
    o += 1
    if first < 0x80:
        n = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4:
            raise DecodeError(f"unsupported length form 0x{first:02X}", offset=lstart, field="ASN.1 length")
        if o + count > end:
            raise DecodeError("truncated long-form length", offset=lstart, field="ASN.1 length")
        n = int.from_bytes(data[o : o + count], "big")
        o += count
    if o + n > end:
        raise DecodeError(f"value of {n} bytes but {end - o} left", offset=lstart, field="ASN.1 length")
    return first_tag, lstart, o, o + n


def _read_all(data: bytes, o: int, end: int, depth: int) -> list[Tlv]:
    """The elements tiling ``data[o:end]``, each constructed one's children walked.

    Iterative (the open constructed elements kept on a stack), one pass, no exception unless
    the outermost level fails. The result is that of the recursive definition: an element is
    its header (:func:`_read_header`) and value; a constructed one (below ``MAX_DEPTH``) gets
    as ``children`` the elements tiling its value, or None when its value is not a clean
    sequence of elements (an error inside it never leaves it); an error at the outermost
    level is raised."""
    out: list[Tlv] = []
    stack: list[tuple[list[Tlv], int, Tlv | None]] = []  # enclosing levels: (elements, end, element)
    parent: Tlv | None = None  # the constructed element whose value is being walked (None: outermost)
    tlv_new = Tlv
    while True:
        if o >= end:  # this level is complete
            if parent is None:
                return out
            parent.children = out
            out, end, parent = stack.pop()
            depth -= 1
            continue
        start = o
        first_tag = data[o]
        stop = -1  # the common forms inline (low tag number, a length in 1..5 octets that fits)
        if first_tag & 0x1F != 0x1F and o + 1 < end:
            first = data[o + 1]
            lstart = o + 1
            if first < 0x80:
                vstart = o + 2
                stop = vstart + first
            elif 0x80 < first <= 0x84 and o + 2 + (first & 0x7F) <= end:
                vstart = o + 2 + (first & 0x7F)
                stop = vstart + int.from_bytes(data[o + 2 : vstart], "big")
            if stop > end:
                stop = -1
        if stop < 0:  # anything else: _read_header returns it or raises the error
            try:
                first_tag, lstart, vstart, stop = _read_header(data, o, end)
            except DecodeError:
                if parent is None:
                    raise
                parent.children = None  # not a clean sequence of elements: keep the bytes
                o = end  # the parent's value ends here
                out, end, parent = stack.pop()
                depth -= 1
                continue
        tlv = tlv_new(data[start:lstart], data[lstart:vstart], data[vstart:stop])
        out.append(tlv)
        if first_tag & 0x20 and depth < MAX_DEPTH:
            stack.append((out, end, parent))
            out, end, parent = [], stop, tlv
            depth += 1
            o = vstart
        else:
            o = stop


@dataclass
class Asn1Payload:
    """The top-level elements of a DER payload (usually exactly one)."""

    elements: list[Tlv]

    def encode(self, cipher: object = None) -> bytes:
        return b"".join(e.to_bytes() for e in self.elements)

    def describe(self) -> dict[str, Any]:
        return {"elements": [e.describe() for e in self.elements]}


def parse_asn1(data: bytes) -> Asn1Payload:
    """Walk DER bytes; every byte must belong to a top-level element."""
    data = bytes(data)
    if not data:
        raise DecodeError("empty ASN.1 payload", offset=0, field="ASN.1 tag")
    return Asn1Payload(_read_all(data, 0, len(data), 0))
