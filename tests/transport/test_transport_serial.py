"""Serial transport: loop://, a real pty pair with a device-side server thread, error mapping."""

from __future__ import annotations

import os
import time

import pytest

from harness.errors import DeviceError, PortBusy, PortVanished, TransportTimeout
from harness.transport import SerialTransport, transport_for
from harness.transport.framing import Frame, FrameKind, HanFrame, decode_control, encode_frame
from harness.transport.log import ExchangeLog
from harness.transport.server import open_pty

GSME = bytes.fromhex("0000000000000002")
CHF = bytes.fromhex("0000000000000001")


def test_loop_round_trip() -> None:
    with transport_for("loop://") as t:
        assert isinstance(t, SerialTransport)
        frames = [Frame.gbcs(bytes(range(256))), Frame(FrameKind.HAN, b"\x7e" * 10)]
        for f in frames:
            t.send(f)
        assert [t.receive(0.3), t.receive(0.3)] == frames
        assert [e.direction for e in t.log.events if e.direction in ("tx", "rx")] == ["tx", "tx", "rx", "rx"]


def test_pty_exchange_of_each_kind(pty_server) -> None:
    path, echo, _ = pty_server
    assert path.startswith("/dev/")
    with SerialTransport(path) as t:
        gbcs = t.exchange(Frame.gbcs(bytes.fromhex("dd0000007e7d") * 50), timeout=0.5)
        assert gbcs == Frame.gbcs((bytes.fromhex("dd0000007e7d") * 50)[::-1])
        han = HanFrame(GSME, CHF, 0x0702, b"\x18\x01\x01\x00\x00")
        reply = t.exchange(Frame.han(han), timeout=0.5)
        assert reply.kind is FrameKind.HAN and reply.data == han.to_bytes()[::-1]
        ctl = t.exchange(Frame.control({"op": "ping"}), timeout=0.5)
        assert decode_control(ctl.data[::-1]) == {"op": "ping"}
    assert [f.kind for f in echo.seen] == [FrameKind.GBCS, FrameKind.HAN, FrameKind.CONTROL]


def test_pty_server_survives_garbage_and_handler_errors(pty_server) -> None:
    path, echo, _ = pty_server
    with SerialTransport(path) as t:
        t.serial.write(b"\x00\x01garbage\x7e\x7d\x7ecorrupt\x7e")
        with pytest.raises(DeviceError, match="handler exploded"):
            t.exchange(Frame.gbcs(b"boom"), timeout=0.5)
        assert t.exchange(Frame.gbcs(b"still here"), timeout=0.5).data == b"ereh llits"
    # a client may close and a new one open the same port
    with SerialTransport(path) as t2:
        assert t2.exchange(Frame.gbcs(b"again"), timeout=0.5).data == b"niaga"


def test_silent_device_times_out_naming_port_log_and_tail(tmp_path) -> None:
    master, path = open_pty()
    try:
        log = ExchangeLog(tmp_path / "silent.jsonl")
        with SerialTransport(path, log=log) as t:
            partial = encode_frame(Frame.gbcs(b"half a frame"))[:8]
            os.write(master, partial)
            start = time.monotonic()
            with pytest.raises(TransportTimeout) as e:
                t.exchange(Frame.gbcs(b"anyone?"), timeout=0.3)
            elapsed = time.monotonic() - start
        err = e.value
        assert elapsed >= 0.3
        assert elapsed < 0.3 + 2.0  # bounded by the caller's timeout, never a hang
        assert err.port == path and path in str(err)
        assert err.log_path == str(tmp_path / "silent.jsonl") and "silent.jsonl" in str(err)
        assert err.tail == partial[1:]
        assert "last bytes on the line" in str(err)
    finally:
        os.close(master)


def test_pty_closed_mid_exchange_is_port_vanished(pty_server) -> None:
    path, _, _ = pty_server
    with SerialTransport(path) as t:
        assert t.exchange(Frame.gbcs(b"ok"), timeout=0.5).data == b"ko"
        # the device side goes away instead of replying
        with pytest.raises(PortVanished) as e:
            t.exchange(Frame.gbcs(b"die"), timeout=0.5)
        assert e.value.port == path
        with pytest.raises(PortVanished):
            t.send(Frame.gbcs(b"after"))


def test_port_held_exclusively_is_busy() -> None:
    master, path = open_pty()
    try:
        with SerialTransport(path, exclusive=True):
            with pytest.raises(PortBusy) as e:
                SerialTransport(path, exclusive=True)
            assert e.value.port == path
        SerialTransport(path, exclusive=True).close()  # free again once closed
    finally:
        os.close(master)


def test_missing_port_is_port_vanished() -> None:
    with pytest.raises(PortVanished) as e:
        transport_for("/dev/harness-no-such-port")
    assert e.value.port == "/dev/harness-no-such-port"


def test_drain_discards_stale_replies() -> None:
    with SerialTransport("loop://") as t:
        t.send(Frame.gbcs(b"late reply"))
        t.send(Frame.gbcs(b"another"))
        assert t.receive(0.3) == Frame.gbcs(b"late reply")
        assert t.drain() == [Frame.gbcs(b"another")]
        with pytest.raises(TransportTimeout):
            t.receive(0.2)
