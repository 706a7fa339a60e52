"""Exchanges as pcapng files that stock Wireshark/tshark opens decoded (python-pcapng).

Encapsulation (``harness/capture/encap.py``; docs/ZIGBEE.md, "Captures"): one interface per
frame kind, each a stock link type, so no DLT_USER table or plugin is needed:

* interface 0 ``harness-gbcs``, LINKTYPE_WIRESHARK_UPPER_PDU (252): GBCS messages as exported
  PDUs for the ``gbcs_message`` dissector.
* interface 1 ``harness-han``, LINKTYPE_IEEE802_15_4_NOFCS (230): HAN ZCL frames as ZigBee Smart
  Energy inter-PAN frames (EUI-64 addresses, cluster, profile 0x0109, ZCL).
* interface 2 ``harness-other``, LINKTYPE_WIRESHARK_UPPER_PDU (252): CONTROL frames for the
  ``json`` dissector; ERROR text and dropped chunks for ``data``.

Each packet has its timestamp (microseconds), its direction in ``epb_flags`` (outbound = tx,
inbound = rx/drop) and a comment ``<test> | <direction> <kind> | <port>[ | <note>]``. The
section comment names the capture (test or cycle). Reading gives the frames' own bytes back.
"""

from __future__ import annotations

import io
import os
import re
import struct
import threading
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any, NamedTuple

from harness.capture.encap import LINKTYPE_IEEE802_15_4_NOFCS, LINKTYPE_WIRESHARK_UPPER_PDU, unwrap, wrap
from harness.errors import CapabilityMissing, DecodeError
from harness.transport.log import LogEvent

#: (interface name, link type, description) by interface id
INTERFACES = (
    ("harness-gbcs", LINKTYPE_WIRESHARK_UPPER_PDU, "GBCS messages (exported PDUs -> gbcs_message)"),
    ("harness-han", LINKTYPE_IEEE802_15_4_NOFCS, "HAN ZCL frames as ZigBee SE inter-PAN frames (synthesised MAC/NWK/APS)"),
    ("harness-other", LINKTYPE_WIRESHARK_UPPER_PDU, "CONTROL (json), ERROR text and dropped chunks (data)"),
)
_FLAG_INBOUND = 1
_FLAG_OUTBOUND = 2
_COMMENT = re.compile(r"\| (tx|rx|drop) (\S+) \|")


class CapturedFrame(NamedTuple):
    """One packet read back: wall-clock seconds, tx/rx/drop, frame kind, bytes, comment."""

    ts: float
    direction: str
    kind: str
    data: bytes
    comment: str


def _lib() -> Any:
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pcapng\.")
    try:
        import pcapng
        import pcapng.blocks
    except ImportError as e:
        raise CapabilityMissing("pcapng captures need python-pcapng: pip install python-pcapng") from e
    return pcapng


MAX_COMMENT = 60_000  # a pcapng option holds at most 65,535 bytes


def fit_comment(text: str) -> str:
    """``text`` cut to what one pcapng comment option holds (UTF-8 bytes), marked when cut."""
    raw = text.encode("utf-8")
    if len(raw) <= MAX_COMMENT:
        return text
    return raw[:MAX_COMMENT].decode("utf-8", "ignore") + " [...]"


def _new_section(stream: IO[bytes], comment: str) -> tuple[Any, Any]:
    pcapng = _lib()
    from harness import __version__

    options: dict[str, Any] = {"shb_userappl": f"harness {__version__}"}
    if comment:
        options["opt_comment"] = fit_comment(comment)
    shb = pcapng.blocks.SectionHeader(options=options)
    for name, link_type, description in INTERFACES:
        shb.new_member(pcapng.blocks.InterfaceDescription, link_type=link_type, snaplen=0,
                       options={"if_name": name, "if_description": description, "if_tsresol": b"\x06"})
    return shb, pcapng.FileWriter(stream, shb)


_EPB_TYPE = 0x00000006
_SHB_TYPE = 0x0A0D0D0A
_OPT_COMMENT, _OPT_EPB_FLAGS, _OPT_SHB_USERAPPL = 1, 2, 4
_interfaces: tuple[str, bytes] | None = None  # (endianness, the interface blocks) as python-pcapng writes them


def _option(code: int, value: bytes, e: str) -> bytes:
    return struct.pack(e + "HH", code, len(value)) + value + b"\x00" * (-len(value) % 4)


def section_bytes(comment: str) -> tuple[bytes, str]:
    """The start of a capture: a Section Header Block (``shb_userappl``, ``opt_comment``) and
    the interface blocks, as python-pcapng writes them (:func:`_new_section`; tests/capture
    compare them), and the section's endianness. The interface blocks never change: python-pcapng
    makes them once a process (a section built by it cost ~0.5 ms, once per test)."""
    global _interfaces
    if _interfaces is None:
        stream = io.BytesIO()
        shb, _ = _new_section(stream, "")
        head = stream.getvalue()
        e = str(shb.endianness)
        _interfaces = e, head[struct.unpack_from(e + "I", head, 4)[0]:]
    e, interfaces = _interfaces
    from harness import __version__

    options = _option(_OPT_SHB_USERAPPL, f"harness {__version__}".encode(), e)
    if comment:
        options += _option(_OPT_COMMENT, fit_comment(comment).encode("utf-8"), e)
    body = struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1) + options + b"\x00\x00\x00\x00"
    total = 12 + len(body)
    return struct.pack(e + "II", _SHB_TYPE, total) + body + struct.pack(e + "I", total) + interfaces, e


def packet_block(frame: CapturedFrame, seq: int = 0, endianness: str = "<") -> bytes:
    """One Enhanced Packet Block as bytes, encoded here (``struct``) rather than by python-pcapng,
    whose field-by-field writer cost ~70 us a packet (most of a bench's capture CPU); the same
    bytes python-pcapng writes for :func:`_packet` (tests/capture compare them): interface,
    timestamp (us), lengths, padded data, options ``epb_flags`` and ``opt_comment`` then end."""
    iface, packet = wrap(frame.kind, frame.direction, bytes(frame.data), seq)
    ts = max(0, round(frame.ts * 1_000_000))
    flags = _FLAG_OUTBOUND if frame.direction == "tx" else _FLAG_INBOUND
    e = endianness
    n = len(packet)
    parts = [b"", packet, b"\x00" * (-n % 4), struct.pack(e + "HHI", _OPT_EPB_FLAGS, 4, flags)]
    if frame.comment:
        text = fit_comment(frame.comment).encode("utf-8")
        parts += (struct.pack(e + "HH", _OPT_COMMENT, len(text)), text, b"\x00" * (-len(text) % 4))
    parts.append(b"\x00\x00\x00\x00")  # opt_endofopt
    total = 28 + sum(len(x) for x in parts) + 4
    parts[0] = struct.pack(e + "7I", _EPB_TYPE, total, iface, ts >> 32, ts & 0xFFFFFFFF, n, n)
    parts.append(struct.pack(e + "I", total))
    return b"".join(parts)


def _packet(shb: Any, frame: CapturedFrame, seq: int = 0) -> Any:
    pcapng = _lib()
    iface, packet = wrap(frame.kind, frame.direction, bytes(frame.data), seq)
    ts = max(0, round(frame.ts * 1_000_000))
    flags = _FLAG_OUTBOUND if frame.direction == "tx" else _FLAG_INBOUND
    options: dict[str, Any] = {"epb_flags": flags}
    if frame.comment:
        options["opt_comment"] = fit_comment(frame.comment)
    return shb.new_member(pcapng.blocks.EnhancedPacket, interface_id=iface, timestamp_high=ts >> 32,
                          timestamp_low=ts & 0xFFFFFFFF, packet_data=packet, options=options)


def packet_comment(test: str, direction: str, kind: str, port: str, note: str = "") -> str:
    text = f"{test or '-'} | {direction} {kind or '-'} | {port or '-'}"
    return f"{text} | {note}" if note else text


class CaptureWriter:
    """A pcapng file being written; subscribe ``on_event`` to an ExchangeLog.

    ``comment`` is the section comment; ``test`` (default: the comment) names the test in each
    packet's comment and can change with ``set_test``. Every packet is flushed as written, so a
    crash keeps what was captured. Notes are not packets and are skipped.
    """

    def __init__(self, path: str | os.PathLike[str], comment: str = "", *, test: str | None = None) -> None:
        self.path = os.fspath(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.test = comment if test is None else test
        self.count = 0
        self._lock = threading.Lock()
        self._stream: IO[bytes] | None = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        try:
            head, self._endianness = section_bytes(comment)
            self._stream.write(head)
            self._stream.flush()
        except BaseException:
            self._stream.close()
            raise

    def set_test(self, test: str) -> None:
        """Name the test the next packets belong to."""
        self.test = test

    def on_event(self, event: LogEvent) -> None:
        """ExchangeLog listener: write one tx/rx/drop event as a packet."""
        if event.direction == "note":
            return
        comment = packet_comment(self.test, event.direction, event.kind, event.port, event.note)
        self.write(CapturedFrame(event.wall, event.direction, event.kind, event.data, comment))

    def write(self, frame: CapturedFrame) -> None:
        with self._lock:
            if self._stream is None:
                raise ValueError(f"capture {self.path} is closed")
            self._stream.write(packet_block(frame, self.count, self._endianness))
            self._stream.flush()
            self.count += 1

    def close(self) -> None:
        with self._lock:
            if self._stream is not None:
                self._stream.close()
                self._stream = None

    def __enter__(self) -> CaptureWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_capture(path: str | os.PathLike[str]) -> list[CapturedFrame]:
    """Every packet of a capture written by CaptureWriter (or merge_captures), in file order."""
    return _read(path)[1]


def section_comments(path: str | os.PathLike[str]) -> list[str]:
    """The section comments of a capture."""
    return _read(path)[0]


def _read(path: str | os.PathLike[str]) -> tuple[list[str], list[CapturedFrame]]:
    pcapng = _lib()
    from pcapng import blocks

    sections: list[str] = []
    frames: list[CapturedFrame] = []
    with open(path, "rb") as f:
        try:
            for block in pcapng.FileScanner(f):
                if isinstance(block, blocks.SectionHeader):
                    if "opt_comment" in block.options:
                        sections.extend(block.options.get_all("opt_comment"))
                elif isinstance(block, blocks.EnhancedPacket):
                    frames.append(_frame_of(block))
        except (pcapng.exceptions.PcapngException, ValueError, KeyError) as e:
            raise DecodeError(f"not a readable pcapng capture ({type(e).__name__}: {e})", offset=f.tell(),
                              field=f"pcapng {os.fspath(path)}") from None
    return sections, frames


def _frame_of(block: Any) -> CapturedFrame:
    comment = block.options.get_all("opt_comment")[0] if "opt_comment" in block.options else ""
    ts = ((block.timestamp_high << 32) + block.timestamp_low) * block.timestamp_resolution
    flags = int(block.options["epb_flags"]) if "epb_flags" in block.options else 0
    direction = "tx" if flags & 3 == _FLAG_OUTBOUND else "rx"
    name = block.interface.options["if_name"] if "if_name" in block.interface.options else ""
    data = unwrap(int(block.interface.link_type), bytes(block.packet_data))
    kind = {"harness-gbcs": "GBCS", "harness-han": "HAN"}.get(name, "")
    m = _COMMENT.search(comment)
    if m:
        direction = m.group(1)
        if not kind:
            kind = "" if m.group(2) == "-" else m.group(2)
    return CapturedFrame(float(ts), direction, kind, data, comment)


def merge_captures(paths: Iterable[str | os.PathLike[str]], out: str | os.PathLike[str],
                   comment: str | None = None,
                   on_unreadable: Callable[[str | os.PathLike[str], DecodeError], None] | None = None) -> int:
    """Merge per-test captures into one file, packets in timestamp order (ties keep input order).

    The output's section comment lists the inputs' section comments (or ``comment``). Returns the
    number of packets written. An unreadable input raises DecodeError, or, with ``on_unreadable``,
    is reported to it and left out (each input is read once).
    """
    sections: list[str] = []
    frames: list[tuple[float, int, CapturedFrame]] = []
    seq = 0
    for p in paths:
        try:
            sec, fr = _read(p)
        except DecodeError as exc:
            if on_unreadable is None:
                raise
            on_unreadable(p, exc)
            continue
        sections.extend(sec)
        for f in fr:
            frames.append((f.ts, seq, f))
            seq += 1
    frames.sort(key=lambda x: (x[0], x[1]))
    text = comment if comment is not None else "\n".join(sections)
    Path(os.fspath(out)).parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as stream:
        head, endianness = section_bytes(text)
        stream.write(head)
        for seq, (_, _, f) in enumerate(frames):
            stream.write(packet_block(f, seq, endianness))
    return len(frames)
