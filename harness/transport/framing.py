"""HDLC-like frames on a byte stream.

Wire format of one frame::

    7E | escaped( KIND(1) | data | CRC-16(2, big-endian) ) | 7E

* ``0x7E`` is the flag; a flag both closes one frame and may open the next (shared flags).
* ``0x7D`` is the escape: a body byte ``0x7E`` or ``0x7D`` is sent as ``0x7D, byte ^ 0x20``.
* The CRC is CRC-16/CCITT (``binascii.crc_hqx``, polynomial 0x1021, initial value 0xFFFF,
  no reflection, no final XOR) over KIND and data, unescaped.

``FrameDecoder`` is incremental: feed it whatever the line delivered and it returns the
complete frames; garbage, bad-CRC frames, unknown kinds and oversize frames are dropped
(counted, with the reason of the last drop) and the decoder resynchronises on the next flag.
"""

from __future__ import annotations

import binascii
import enum
import json
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.errors import DecodeError

FLAG = 0x7E
ESCAPE = 0x7D
ESCAPE_XOR = 0x20
CRC_INIT = 0xFFFF
MAX_FRAME = 64 * 1024  # unescaped KIND + data + CRC
_FLAG_B = b"\x7e"
_ESC_B = b"\x7d"
_DROP_KEEP = 1024  # bytes of a dropped chunk handed to the drop callback
_TAIL = 64


class FrameKind(enum.IntEnum):
    """What a frame carries."""

    GBCS = 1  # a GBCS message
    HAN = 2  # a ZCL exchange between HAN devices (see HanFrame)
    CONTROL = 3  # bench control for emulators (a JSON object)
    ERROR = 4  # the far side failed (utf-8 text)


_KINDS = frozenset(int(k) for k in FrameKind)


@dataclass(frozen=True)
class Frame:
    """One frame: its kind and its data (without kind, CRC or escapes)."""

    kind: FrameKind
    data: bytes

    @classmethod
    def gbcs(cls, message: bytes) -> Frame:
        return cls(FrameKind.GBCS, bytes(message))

    @classmethod
    def han(cls, han: HanFrame) -> Frame:
        return cls(FrameKind.HAN, han.to_bytes())

    @classmethod
    def control(cls, obj: dict[str, Any]) -> Frame:
        return cls(FrameKind.CONTROL, encode_control(obj))

    @classmethod
    def error(cls, text: str) -> Frame:
        return cls(FrameKind.ERROR, text.encode("utf-8", "replace"))

    def text(self) -> str:
        """The data as text (ERROR frames)."""
        return self.data.decode("utf-8", "replace")


def crc16(body: bytes) -> int:
    """CRC-16/CCITT with initial value 0xFFFF (``binascii.crc_hqx``)."""
    return binascii.crc_hqx(body, CRC_INIT)


def escape(raw: bytes) -> bytes:
    """Escape 0x7D then 0x7E (order matters)."""
    return raw.replace(_ESC_B, b"\x7d\x5d").replace(_FLAG_B, b"\x7d\x5e")


def unescape(raw: bytes) -> bytes | None:
    """Undo ``escape``; None when the chunk ends in a dangling escape."""
    if ESCAPE not in raw:
        return bytes(raw)
    out = bytearray()
    i = 0
    n = len(raw)
    while True:
        j = raw.find(ESCAPE, i)
        if j < 0:
            out += raw[i:]
            return bytes(out)
        out += raw[i:j]
        if j + 1 >= n:
            return None
        out.append(raw[j + 1] ^ ESCAPE_XOR)
        i = j + 2


def encode_frame(frame: Frame) -> bytes:
    """The wire bytes of one frame, opening and closing flag included."""
    body = bytes((int(frame.kind),)) + bytes(frame.data)
    body += crc16(body).to_bytes(2, "big")
    if len(body) > MAX_FRAME:
        raise ValueError(f"frame of {len(body)} bytes exceeds the {MAX_FRAME}-byte limit")
    return _FLAG_B + escape(body) + _FLAG_B


DropCallback = Callable[[str, bytes], None]


class FrameDecoder:
    """Incremental decoder: ``feed(bytes) -> list[Frame]``; drops and resynchronises.

    ``dropped`` counts dropped chunks (garbage, bad CRC, unknown kind, oversize, dangling
    escape); ``last_drop`` is the reason of the last one; ``on_drop(reason, chunk)`` (optional)
    sees each dropped chunk (at most its first 1 KiB). Memory is bounded: an unterminated
    chunk longer than an escaped maximum frame is dropped as it grows.
    """

    def __init__(self, max_frame: int = MAX_FRAME, on_drop: DropCallback | None = None) -> None:
        self.max_frame = max_frame
        self.on_drop = on_drop
        self.dropped = 0
        self.last_drop = ""
        self.frames = 0
        self._buf = bytearray()
        self._in_frame = False  # a flag has been seen: bytes are a frame candidate
        self._hunting = False  # discarding an oversize chunk until the next flag
        self._hunt_len = 0
        self._junk_tail = b""
        self._max_raw = 2 * max_frame + 2

    @property
    def buffered(self) -> int:
        """Bytes held waiting for a flag."""
        return len(self._buf)

    def tail(self, n: int = _TAIL) -> bytes:
        """The last ``n`` bytes received that did not become a frame."""
        return (self._junk_tail + bytes(self._buf))[-n:]

    def reset(self) -> None:
        """Forget any partial frame (counters are kept)."""
        self._buf.clear()
        self._in_frame = False
        self._hunting = False
        self._hunt_len = 0

    def feed(self, data: bytes) -> list[Frame]:
        out: list[Frame] = []
        if not data:
            return out
        start = 0
        while True:
            i = data.find(FLAG, start)
            if i < 0:
                self._append(data[start:])
                return out
            self._append(data[start:i])
            self._flag(out)
            start = i + 1

    def _append(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self._hunting:
            self._hunt_len += len(chunk)
            self._junk_tail = (self._junk_tail + chunk)[-_TAIL:]
            return
        self._buf += chunk
        if len(self._buf) > self._max_raw:
            self._drop("oversize frame" if self._in_frame else "garbage (no flag)", bytes(self._buf))
            self._hunting = True
            self._hunt_len = len(self._buf)
            self._buf.clear()

    def _flag(self, out: list[Frame]) -> None:
        if self._hunting:
            self._hunting = False
            self._in_frame = True
            return
        raw = self._buf
        if raw:
            if not self._in_frame:
                self._drop("garbage before flag", bytes(raw))
            else:
                frame = self._check(bytes(raw))
                if frame is not None:
                    out.append(frame)
                    self.frames += 1
            self._buf = bytearray()
        self._in_frame = True

    def _check(self, raw: bytes) -> Frame | None:
        body = unescape(raw)
        if body is None:
            self._drop("escape before flag", raw)
            return None
        if len(body) > self.max_frame:
            self._drop(f"oversize frame ({len(body)} bytes > {self.max_frame})", raw)
            return None
        if len(body) < 3:
            self._drop(f"short frame ({len(body)} bytes)", raw)
            return None
        crc = int.from_bytes(body[-2:], "big")
        if crc16(body[:-2]) != crc:
            self._drop("bad CRC", raw)
            return None
        if body[0] not in _KINDS:
            self._drop(f"unknown kind 0x{body[0]:02X}", raw)
            return None
        return Frame(FrameKind(body[0]), body[1:-2])

    def _drop(self, reason: str, chunk: bytes) -> None:
        self.dropped += 1
        self.last_drop = reason
        self._junk_tail = chunk[-_TAIL:]
        if self.on_drop is not None:
            self.on_drop(reason, chunk[:_DROP_KEEP])


# --- HAN frames -------------------------------------------------------------------------

_HAN_HEAD = struct.Struct(">8s8sH")


@dataclass(frozen=True)
class HanFrame:
    """A ZCL exchange between HAN devices: source EUI-64, destination EUI-64, cluster, ZCL frame.

    Bytes: src_eui(8) | dst_eui(8) | cluster(2, big-endian) | zcl.
    """

    src_eui: bytes
    dst_eui: bytes
    cluster: int
    zcl: bytes

    def to_bytes(self) -> bytes:
        if len(self.src_eui) != 8 or len(self.dst_eui) != 8:
            raise ValueError("HAN EUI-64 values must be 8 bytes")
        if not 0 <= self.cluster <= 0xFFFF:
            raise ValueError(f"cluster 0x{self.cluster:X} out of range")
        return _HAN_HEAD.pack(bytes(self.src_eui), bytes(self.dst_eui), self.cluster) + bytes(self.zcl)

    @classmethod
    def from_bytes(cls, data: bytes) -> HanFrame:
        if len(data) < _HAN_HEAD.size:
            field = ("src_eui", "dst_eui", "cluster")[min(len(data) // 8, 2)]
            raise DecodeError(f"HAN frame of {len(data)} bytes is shorter than its 18-byte header",
                              offset=len(data), field=field)
        src, dst, cluster = _HAN_HEAD.unpack_from(data)
        return cls(src, dst, cluster, bytes(data[_HAN_HEAD.size:]))


# --- CONTROL frames ---------------------------------------------------------------------


def encode_control(obj: dict[str, Any]) -> bytes:
    """A CONTROL frame's data: a JSON object, utf-8, compact."""
    if not isinstance(obj, dict):
        raise TypeError("a CONTROL frame carries a JSON object (dict)")
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def decode_control(data: bytes) -> dict[str, Any]:
    """Parse a CONTROL frame's data; DecodeError when it is not a JSON object."""
    try:
        obj = json.loads(bytes(data).decode("utf-8"))
    except UnicodeDecodeError as e:
        raise DecodeError(f"not utf-8: {e.reason}", offset=e.start, field="control") from None
    except json.JSONDecodeError as e:
        raise DecodeError(f"not JSON: {e.msg}", offset=e.pos, field="control") from None
    if not isinstance(obj, dict):
        raise DecodeError(f"JSON {type(obj).__name__}, not an object", offset=0, field="control")
    return obj
