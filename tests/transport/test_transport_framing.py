"""Framing: round trip, resynchronisation, bounds, HAN and CONTROL helpers."""

from __future__ import annotations

import binascii

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.errors import DecodeError
from harness.transport.framing import (
    MAX_FRAME,
    Frame,
    FrameDecoder,
    FrameKind,
    HanFrame,
    crc16,
    decode_control,
    encode_control,
    encode_frame,
)

kinds = st.sampled_from(list(FrameKind))
bodies = st.binary(max_size=300) | st.lists(st.sampled_from([0x7E, 0x7D, 0x5E, 0x5D, 0x00]), max_size=50).map(bytes)


def test_crc_is_ccitt_false_check_value() -> None:
    # CRC-16/CCITT-FALSE check value over "123456789"
    assert crc16(b"123456789") == 0x29B1


def test_wire_layout() -> None:
    raw = encode_frame(Frame(FrameKind.GBCS, b"\x7e\x01\x7d"))
    assert raw[0] == 0x7E and raw[-1] == 0x7E
    assert 0x7E not in raw[1:-1]
    body = bytes([1, 0x7E, 0x01, 0x7D])
    crc = binascii.crc_hqx(body, 0xFFFF).to_bytes(2, "big")
    expected_inner = (body + crc).replace(b"\x7d", b"\x7d\x5d").replace(b"\x7e", b"\x7d\x5e")
    assert raw[1:-1] == expected_inner


@settings(max_examples=200, deadline=None)
@given(frames=st.lists(st.tuples(kinds, bodies), min_size=1, max_size=5), cut=st.integers(1, 64))
def test_round_trip_any_chunking(frames: list[tuple[FrameKind, bytes]], cut: int) -> None:
    sent = [Frame(k, d) for k, d in frames]
    stream = b"".join(encode_frame(f) for f in sent)
    dec = FrameDecoder()
    got: list[Frame] = []
    for i in range(0, len(stream), cut):
        got += dec.feed(stream[i:i + cut])
    assert got == sent
    assert dec.dropped == 0
    assert dec.buffered == 0


@settings(max_examples=100, deadline=None)
@given(garbage=st.binary(min_size=1, max_size=100), kind=kinds, data=bodies)
def test_resync_after_arbitrary_garbage(garbage: bytes, kind: FrameKind, data: bytes) -> None:
    frame = Frame(kind, data)
    dec = FrameDecoder()
    got = dec.feed(garbage + encode_frame(frame))
    # the garbage may happen to contain a valid frame only with negligible probability
    assert got[-1] == frame


def test_garbage_before_first_flag_is_dropped_and_reported() -> None:
    drops: list[tuple[str, bytes]] = []
    dec = FrameDecoder(on_drop=lambda r, c: drops.append((r, c)))
    frame = Frame(FrameKind.HAN, b"abc")
    assert dec.feed(b"\x01\x02noise" + encode_frame(frame)) == [frame]
    assert dec.dropped == 1
    assert drops == [("garbage before flag", b"\x01\x02noise")]


def test_resync_after_corrupted_frame() -> None:
    good1 = Frame(FrameKind.GBCS, b"first")
    bad = bytearray(encode_frame(Frame(FrameKind.GBCS, b"corrupt me")))
    bad[5] ^= 0x01
    good2 = Frame(FrameKind.CONTROL, b"{}")
    dec = FrameDecoder()
    got = dec.feed(encode_frame(good1) + bytes(bad) + encode_frame(good2))
    assert got == [good1, good2]
    assert dec.dropped == 1
    assert dec.last_drop == "bad CRC"


def test_truncated_frame_followed_by_a_frame() -> None:
    trunc = encode_frame(Frame(FrameKind.GBCS, b"0123456789"))[:-4]
    good = Frame(FrameKind.GBCS, b"next")
    dec = FrameDecoder()
    assert dec.feed(trunc) == []
    assert dec.tail() == trunc[1:]  # the undecoded bytes are reported as the tail
    assert dec.feed(encode_frame(good)) == [good]
    assert dec.dropped == 1


def test_unknown_kind_short_frame_and_dangling_escape_are_dropped() -> None:
    body = bytes([0x09]) + b"x"
    unknown = b"\x7e" + body + crc16(body).to_bytes(2, "big") + b"\x7e"
    dec = FrameDecoder()
    assert dec.feed(unknown) == []
    assert dec.last_drop == "unknown kind 0x09"
    assert dec.feed(b"\x7e\x01\x7e") == []
    assert dec.last_drop.startswith("short frame")
    assert dec.feed(b"\x7e\x01\x02\x03\x7d\x7e") == []
    assert dec.last_drop == "escape before flag"
    assert dec.dropped == 3
    ok = Frame(FrameKind.ERROR, b"e")
    assert dec.feed(encode_frame(ok)) == [ok]


def test_back_to_back_flags_are_idle() -> None:
    f = Frame(FrameKind.GBCS, b"x")
    dec = FrameDecoder()
    assert dec.feed(b"\x7e\x7e\x7e" + encode_frame(f) + b"\x7e\x7e") == [f]
    assert dec.dropped == 0


def test_oversize_frame_dropped_then_resync() -> None:
    dec = FrameDecoder(max_frame=1024)
    big = b"\x7e" + bytes([1]) + b"A" * 5000 + b"\x7e"
    good = Frame(FrameKind.GBCS, b"ok")
    assert dec.feed(big + encode_frame(good)[1:]) == [good]
    assert dec.dropped == 1
    assert dec.last_drop.startswith("oversize")


def test_oversize_between_limit_and_memory_bound_is_dropped() -> None:
    dec = FrameDecoder(max_frame=100)
    body = bytes([1]) + b"B" * 120
    raw = b"\x7e" + body + crc16(body).to_bytes(2, "big") + b"\x7e"
    assert dec.feed(raw) == []
    assert dec.last_drop.startswith("oversize frame (123 bytes")


def test_memory_is_bounded_without_flags() -> None:
    dec = FrameDecoder()
    chunk = b"\x55" * 4096
    for _ in range(64):  # 256 KiB with no flag at all
        dec.feed(chunk)
        assert dec.buffered <= 2 * MAX_FRAME + 2
    assert dec.dropped == 1  # dropped once; the rest is discarded until a flag
    f = Frame(FrameKind.GBCS, b"back")
    assert dec.feed(encode_frame(f)) == [f]


def test_encode_refuses_oversize() -> None:
    with pytest.raises(ValueError):
        encode_frame(Frame(FrameKind.GBCS, bytes(MAX_FRAME)))


@given(src=st.binary(min_size=8, max_size=8), dst=st.binary(min_size=8, max_size=8),
       cluster=st.integers(0, 0xFFFF), zcl=st.binary(max_size=64))
def test_han_frame_round_trip(src: bytes, dst: bytes, cluster: int, zcl: bytes) -> None:
    h = HanFrame(src, dst, cluster, zcl)
    raw = h.to_bytes()
    assert raw[16:18] == cluster.to_bytes(2, "big")
    assert HanFrame.from_bytes(raw) == h
    assert Frame.han(h).kind is FrameKind.HAN


def test_han_frame_errors() -> None:
    with pytest.raises(DecodeError) as e:
        HanFrame.from_bytes(b"\x00" * 10)
    assert e.value.field == "dst_eui"
    with pytest.raises(ValueError):
        HanFrame(b"\x00" * 7, b"\x00" * 8, 0x0702, b"").to_bytes()


def test_control_round_trip_and_errors() -> None:
    obj = {"op": "advance", "seconds": 1800, "name": "Gästezähler"}
    assert decode_control(encode_control(obj)) == obj
    assert Frame.control(obj).kind is FrameKind.CONTROL
    with pytest.raises(DecodeError) as e:
        decode_control(b"[1, 2]")
    assert e.value.field == "control"
    with pytest.raises(DecodeError):
        decode_control(b"{not json")
    with pytest.raises(DecodeError):
        decode_control(b"\xff\xfe")
