"""The BER/A-XDR definite-length form used by every GBCS length field."""

from __future__ import annotations

from harness.errors import DecodeError, EncodeError

MAX_LENGTH = 0xFFFFFF  # three length bytes; anything longer is refused as impossible


def read_length(data: bytes, offset: int, field: str, end: int | None = None) -> tuple[int, int]:
    """Read an encoded length at ``offset``; return (length, offset after it). ``end`` bounds
    the bytes that may be read (default: all of ``data``) without copying them."""
    lim = len(data) if end is None else end
    if offset < lim:
        first = data[offset]
        if first < 0x80:
            return first, offset + 1
    else:
        raise DecodeError("truncated: length byte missing", offset=offset, field=field)
    count = first & 0x7F
    if count == 0 or count > 3:
        raise DecodeError(f"impossible length form 0x{first:02X}", offset=offset, field=field)
    stop = offset + 1 + count
    if stop > lim:
        raise DecodeError("truncated inside a long-form length", offset=offset, field=field)
    return int.from_bytes(data[offset + 1 : stop], "big"), stop


def encode_length(length: int) -> bytes:
    """Shortest encoded form of ``length`` (as every RTDS message uses)."""
    if length < 0 or length > MAX_LENGTH:
        raise EncodeError(f"length {length} out of range 0..{MAX_LENGTH}")
    if length < 0x80:
        return bytes((length,))
    if length <= 0xFF:
        return bytes((0x81, length))
    if length <= 0xFFFF:
        return bytes((0x82,)) + length.to_bytes(2, "big")
    return bytes((0x83,)) + length.to_bytes(3, "big")
