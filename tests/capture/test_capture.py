"""pcapng captures: write from an ExchangeLog, read back, merge per cycle."""

from __future__ import annotations

import itertools
import struct
from pathlib import Path

import pytest

from harness.capture import CaptureWriter, merge_captures, read_capture, section_comments
from harness.capture.pcapng_file import MAX_COMMENT, CapturedFrame, packet_comment
from harness.errors import DecodeError
from harness.transport import ExchangeLog, Frame, HanFrame, InProcessTransport

pytest.importorskip("pcapng")

GBCS_CMD = bytes.fromhex("DD000000000000471100000000DF0901")
GBCS_RSP = bytes.fromhex("DD000000000000471100000000DF0902")


def fake_wall(start: float) -> object:
    counter = itertools.count()
    return lambda: start + next(counter) * 0.25


class Device:
    """Answers a GBCS frame with GBCS_RSP and a HAN frame with the same HAN frame."""

    def handle(self, frame: Frame) -> list[Frame]:
        return [Frame.gbcs(GBCS_RSP)] if frame.kind.name == "GBCS" else [frame]


def test_exchanges_written_and_read_back(tmp_path: Path) -> None:
    log = ExchangeLog(wall=fake_wall(1_700_000_000.0))  # type: ignore[arg-type]
    path = tmp_path / "t.pcapng"
    han = HanFrame(b"\x00\xdb" + b"\x01" * 6, b"\x00\xdb" + b"\x02" * 6, 0x0702, bytes.fromhex("0003000700"))
    with CaptureWriter(path, "cycle 7: test_gcs13a") as writer:
        log.add_listener(writer.on_event)
        t = InProcessTransport(Device(), name="inproc", log=log)
        t.exchange(Frame.gbcs(GBCS_CMD), 1.0)
        writer.set_test("test_snapshot")
        t.exchange(Frame.han(han), 1.0)
        t.inject_bytes(b"\x7e\x01junk\x7e")
        t.drain()
        t.close()
    frames = read_capture(path)
    expected = [(e.wall, e.direction, e.kind, e.data) for e in log.events if e.direction != "note"]
    assert [(f.direction, f.kind, f.data) for f in frames] == [e[1:] for e in expected]
    assert [f.ts for f in frames] == pytest.approx([e[0] for e in expected], abs=1e-6)
    assert [f.direction for f in frames] == ["tx", "rx", "tx", "rx", "drop"]
    assert frames[0].comment == "cycle 7: test_gcs13a | tx GBCS | inproc"
    assert frames[2].comment.startswith("test_snapshot | tx HAN")
    assert frames[4].comment.endswith("| bad CRC") or "drop" in frames[4].comment
    assert section_comments(path) == ["cycle 7: test_gcs13a"]


def test_file_is_plain_pcapng_with_stock_link_types(tmp_path: Path) -> None:
    """GBCS as an exported PDU (252) naming gbcs_message; HAN as 802.15.4 (230); others 252."""
    path = tmp_path / "x.pcapng"
    log = ExchangeLog()
    with CaptureWriter(path, "c") as w:
        log.add_listener(w.on_event)
        log.record("tx", "p", "GBCS", GBCS_CMD)
    raw = path.read_bytes()
    assert raw[:4] == b"\x0a\x0d\x0d\x0a" and raw[8:12] == struct.pack("<I", 0x1A2B3C4D)
    link_types = []
    off = struct.unpack_from("<I", raw, 4)[0]
    while off < len(raw):
        btype, blen = struct.unpack_from("<II", raw, off)
        if btype == 1:
            link_types.append(struct.unpack_from("<H", raw, off + 8)[0])
        if btype == 6:
            packet = raw[off + 28:off + blen - 4]
            tags = struct.pack(">HH", 12, 12) + b"gbcs_message" + struct.pack(">HH", 0, 0)
            assert packet.startswith(tags + GBCS_CMD)
        off += blen
    assert link_types == [252, 230, 252]


def test_packets_are_flushed_as_written(tmp_path: Path) -> None:
    path = tmp_path / "live.pcapng"
    w = CaptureWriter(path, "live")
    log = ExchangeLog()
    log.add_listener(w.on_event)
    log.record("rx", "p", "GBCS", GBCS_RSP)
    assert [f.data for f in read_capture(path)] == [GBCS_RSP]  # readable before close
    w.close()
    with pytest.raises(ValueError, match="closed"):
        log.record("rx", "p", "GBCS", GBCS_RSP)


def test_merge_orders_by_time_and_keeps_comments(tmp_path: Path) -> None:
    paths = []
    for name, start in (("a", 100.0), ("b", 100.1)):
        log = ExchangeLog(wall=fake_wall(start))  # type: ignore[arg-type]
        with CaptureWriter(tmp_path / f"{name}.pcapng", f"test_{name}") as w:
            log.add_listener(w.on_event)
            log.record("tx", name, "GBCS", name.encode() + b"1")
            log.record("rx", name, "GBCS", name.encode() + b"2")
        paths.append(tmp_path / f"{name}.pcapng")
    out = tmp_path / "cycle" / "merged.pcapng"
    assert merge_captures(paths, out) == 4
    merged = read_capture(out)
    assert [f.data for f in merged] == [b"a1", b"b1", b"a2", b"b2"]
    assert [f.ts for f in merged] == sorted(f.ts for f in merged)
    assert section_comments(out) == ["test_a\ntest_b"]
    assert merged[1].comment == "test_b | tx GBCS | b"


def test_not_a_capture(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pcapng"
    bad.write_bytes(b"\x0a\x0d\x0d\x0a" + b"\xff" * 40)
    with pytest.raises(DecodeError):
        read_capture(bad)


def test_merge_of_many_captures_keeps_every_packet_and_a_bounded_comment(tmp_path: Path) -> None:
    """A whole cycle's section comments exceed one pcapng option (65,535 bytes): the merged
    file cuts the section comment, never fails, and keeps every packet with its own comment."""
    paths = []
    for i in range(400):
        path = tmp_path / f"t{i}.pcapng"
        name = f"tests/compliance/secmp0015/test_date_time_source.py::test_{i}[" + "x" * 200 + "]"
        with CaptureWriter(path, name) as writer:
            writer.write(CapturedFrame(1_700_000_000.0 + i, "tx", "GBCS", GBCS_CMD, packet_comment(name, "tx", "GBCS", "p")))
        paths.append(path)
    out = tmp_path / "cycle.pcapng"
    assert merge_captures(paths, out) == 400
    frames = read_capture(out)
    assert len(frames) == 400 and frames[-1].comment.startswith("tests/compliance/secmp0015/")
    (section,) = section_comments(out)
    assert section.startswith("tests/compliance/secmp0015/") and section.endswith("[...]")
    assert len(section.encode()) <= MAX_COMMENT + 10


def test_packet_blocks_are_the_bytes_python_pcapng_writes() -> None:
    """The writer encodes Enhanced Packet Blocks itself (speed); python-pcapng's own writer
    must give the very same bytes for every kind, direction, length padding and comment."""
    import io
    import random

    from harness.capture.pcapng_file import _new_section, _packet, packet_block

    rng = random.Random(16)
    han = b"\x00\xdb" + b"\x01" * 6 + b"\x00\xdb" + b"\x02" * 6 + bytes.fromhex("0702") + bytes.fromhex("0003000700")
    frames = [CapturedFrame(0.0, "tx", "GBCS", b"", "")]
    for _ in range(300):
        kind = rng.choice(("GBCS", "HAN", "CONTROL", "ERROR", ""))
        data = han + rng.randbytes(rng.randrange(6)) if kind == "HAN" else rng.randbytes(rng.randrange(70))
        comment = rng.choice(("", "t | tx GBCS | p", "é ünïcode ✓ " * rng.randrange(4), "x" * rng.randrange(9),
                              "y" * (MAX_COMMENT + 5)))
        frames.append(CapturedFrame(rng.uniform(0, 2e9), rng.choice(("tx", "rx", "drop")), kind, data, comment))
    for seq, frame in enumerate(frames):
        stream = io.BytesIO()
        shb, writer = _new_section(stream, "")
        start = len(stream.getvalue())
        writer.write_block(_packet(shb, frame, seq))
        assert packet_block(frame, seq, shb.endianness) == stream.getvalue()[start:], frame


def test_section_headers_are_the_bytes_python_pcapng_writes() -> None:
    import io

    from harness.capture.pcapng_file import _new_section, section_bytes

    for comment in ("", "a", "ab", "abc", "abcd", "cycle 7: test_gcs13a é ✓", "z" * (MAX_COMMENT + 9)):
        stream = io.BytesIO()
        shb, _ = _new_section(stream, comment)
        assert section_bytes(comment) == (stream.getvalue(), shb.endianness), comment
