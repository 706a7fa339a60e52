"""In-process transport and the shared Transport behaviour (exchange, logging, errors)."""

from __future__ import annotations

import pytest

from harness.errors import DeviceError, TransportError, TransportTimeout
from harness.transport import InProcessTransport, transport_for
from harness.transport.framing import Frame, FrameKind, encode_frame
from harness.transport.log import ExchangeLog


def test_exchange_goes_through_the_handler_and_is_logged(echo) -> None:
    log = ExchangeLog()
    with InProcessTransport(echo, log=log) as t:
        reply = t.exchange(Frame.gbcs(b"\x7e\xdd\x7d"), timeout=0.2)
    assert reply == Frame(FrameKind.GBCS, b"\x7d\xdd\x7e")
    assert echo.seen == [Frame.gbcs(b"\x7e\xdd\x7d")]
    dirs = [(e.direction, e.kind, e.hex) for e in log.events if e.direction != "note"]
    assert dirs == [("tx", "GBCS", "7edd7d"), ("rx", "GBCS", "7ddd7e")]
    assert log.events[-1].note == "closed"


def test_handler_exception_becomes_error_frame(echo) -> None:
    t = InProcessTransport(echo)
    with pytest.raises(DeviceError, match="RuntimeError: handler exploded"):
        t.exchange(Frame.gbcs(b"boom"), timeout=0.2)
    reply = t.exchange(Frame.gbcs(b"boom"), timeout=0.2, raise_on_error=False)
    assert reply.kind is FrameKind.ERROR and "handler exploded" in reply.text()
    assert t.exchange(Frame.gbcs(b"ab"), timeout=0.2).data == b"ba"  # goes on


def test_unsolicited_frames_skipped_only_if_asked(echo) -> None:
    t = InProcessTransport(echo)
    first = t.exchange(Frame.gbcs(b"push"), timeout=0.2)
    assert first.kind is FrameKind.HAN  # not asked: the first frame back
    assert t.receive(0.2).data == b"hsup"
    reply = t.exchange(Frame.gbcs(b"push"), timeout=0.2, skip_other_kinds=True)
    assert reply == Frame.gbcs(b"hsup")
    assert list(t.unsolicited) == [Frame(FrameKind.HAN, b"unsolicited")]


def test_silence_times_out_at_once_with_the_tail(echo, tmp_path) -> None:
    log = ExchangeLog(tmp_path / "x.jsonl")
    t = InProcessTransport(echo, name="inproc:gsme", log=log)
    wire = encode_frame(Frame.gbcs(b"partial"))[:-3]  # flag and one CRC byte missing
    t.inject_bytes(wire)
    with pytest.raises(TransportTimeout) as e:
        t.receive(0.2)
    err = e.value
    assert err.port == "inproc:gsme" and err.log_path == str(tmp_path / "x.jsonl")
    assert err.tail == wire[1:]
    assert "inproc:gsme" in str(err) and "x.jsonl" in str(err)


def test_garbage_and_injected_frames(echo) -> None:
    log = ExchangeLog()
    t = InProcessTransport(echo, log=log)
    t.inject_bytes(b"\x00\xffjunk")
    t.inject(Frame.control({"event": "push"}))
    assert t.receive(0.2) == Frame.control({"event": "push"})
    drops = [e for e in log.events if e.direction == "drop"]
    assert len(drops) == 1 and drops[0].data == b"\x00\xffjunk"
    assert t.decoder.dropped == 1


def test_closed_transport_refuses(echo) -> None:
    t = InProcessTransport(echo)
    t.close()
    t.close()  # idempotent
    with pytest.raises(TransportError, match="closed"):
        t.send(Frame.gbcs(b"x"))


def test_factory_rejects_inproc_and_bad_tcp_urls() -> None:
    with pytest.raises(TransportError, match="InProcessTransport"):
        transport_for("inproc")
    with pytest.raises(TransportError, match="tcp://host:port"):
        transport_for("tcp://nohost")
    with pytest.raises(TransportError, match="tcp://host:port"):
        transport_for("tcp://host:notaport")
