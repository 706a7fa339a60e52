"""Standard logging of the byte path: one ``harness.transport.<port>`` logger per port, frames
at DEBUG with direction and a one-line decode summary, errors at WARNING, nothing built when
DEBUG is off; ``pytest --log-cli-level=DEBUG`` on a compliance suite shows every frame."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.errors import DeviceError, TransportTimeout
from harness.transport import summary as summary_module
from harness.transport.framing import Frame, FrameKind, HanFrame
from harness.transport.inproc import InProcessTransport
from harness.transport.log import ExchangeLog, port_logger
from harness.transport.summary import frame_summary

ROOT = Path(__file__).resolve().parents[2]
GCS13A = ROOT / "tests/data/rtds/RTDS-4.5.0/4.1.1_GCS13a/GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_RESPONSE_GBCS.HEX"
MESSAGE = bytes.fromhex("".join(GCS13A.read_text().split()))
GSME = bytes.fromhex("00DB12345678E0A1")
GPF = bytes.fromhex("00DB12345678E0A3")


class Replies:
    """A device side answering every frame with a given frame."""

    def __init__(self, reply: Frame) -> None:
        self.reply = reply

    def handle(self, frame: Frame) -> list[Frame]:
        return [self.reply]


def test_logger_per_port_named_after_it() -> None:
    assert port_logger("/dev/ttyUSB0").name == "harness.transport./dev/ttyUSB0"
    assert port_logger("tcp://127.0.0.1:5000").name == "harness.transport.tcp://127_0_0_1:5000"
    assert port_logger("tcp://127.0.0.1:5000") is port_logger("tcp://127.0.0.1:5000")


def test_frames_at_debug_with_direction_and_summary(caplog: pytest.LogCaptureFixture) -> None:
    t = InProcessTransport(Replies(Frame(FrameKind.GBCS, MESSAGE)), name="bench-a.port")
    caplog.set_level(logging.DEBUG, logger="harness.transport")
    han = HanFrame(GPF, GSME, 0x0702, bytes.fromhex("0001000700")).to_bytes()
    t.exchange(Frame(FrameKind.HAN, han), timeout=1)
    records = [r for r in caplog.records if r.name == "harness.transport.bench-a_port"]
    assert [(r.levelno, r.direction) for r in records] == [(logging.DEBUG, "tx"), (logging.DEBUG, "rx")]  # type: ignore[attr-defined]
    tx, rx = (r.getMessage() for r in records)
    assert tx == "tx HAN cluster 0x0702 00DB12345678E0A3 -> 00DB12345678E0A1, ZCL command 0x00 seq 1, 23 bytes"
    assert rx == ("rx GBCS response 0x0074 GCS13a Read GSME Consumption Register, "
                  f"00DB1234567890A3 -> 90B3D51F30010000, counter 1000, {len(MESSAGE)} bytes")
    assert records[1].frame_hex == MESSAGE.hex()  # type: ignore[attr-defined]


def test_errors_at_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="harness.transport")
    t = InProcessTransport(Replies(Frame(FrameKind.ERROR, b"handler exploded")), name="warn-port")
    with pytest.raises(DeviceError):
        t.exchange(Frame(FrameKind.GBCS, MESSAGE), timeout=1)
    silent = InProcessTransport(Replies(Frame(FrameKind.GBCS, b"")), name="silent-port")
    silent.handler = type("Mute", (), {"handle": lambda self, f: []})()
    with pytest.raises(TransportTimeout):
        silent.exchange(Frame(FrameKind.GBCS, MESSAGE), timeout=0.01)
    log = ExchangeLog()
    log.record("drop", "garbage-port", "", b"\x01\x02", "bad CRC")
    warnings = [(r.name, r.getMessage()) for r in caplog.records if r.levelno == logging.WARNING]
    assert ("harness.transport.warn-port", "device side reported an error: handler exploded") in warnings
    assert any(n == "harness.transport.silent-port" and "no GBCS reply within" in m for n, m in warnings)
    assert ("harness.transport.garbage-port", "drop 2 bytes: bad CRC") in warnings
    assert not [r for r in caplog.records if r.levelno < logging.WARNING]


def test_no_summary_is_built_when_debug_is_off(monkeypatch: pytest.MonkeyPatch,
                                               caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []
    monkeypatch.setattr(summary_module, "frame_summary", lambda kind, data: calls.append(kind) or "x")
    caplog.set_level(logging.INFO, logger="harness.transport")
    t = InProcessTransport(Replies(Frame(FrameKind.GBCS, MESSAGE)), name="quiet-port")
    for _ in range(20):
        t.exchange(Frame(FrameKind.GBCS, MESSAGE), timeout=1)
    assert calls == []
    caplog.set_level(logging.DEBUG, logger="harness.transport")
    t.exchange(Frame(FrameKind.GBCS, MESSAGE), timeout=1)
    assert calls == ["GBCS", "GBCS"]


def test_summaries_never_raise() -> None:
    assert frame_summary("GBCS", b"\xdd\x00") .startswith("GBCS 2 bytes, undecodable at byte")
    assert frame_summary("HAN", b"\x00" * 3).startswith("HAN 3 bytes, undecodable")
    assert frame_summary("CONTROL", b'{"op": "now"}') == 'CONTROL {"op":"now"}'
    assert frame_summary("ERROR", b"boom") == "ERROR boom"


def test_log_cli_debug_on_a_compliance_suite_shows_every_frame() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for name in ("HARNESS_BENCH", "HARNESS_PROFILE_SET", "HARNESS_CYCLE_STORE", "HARNESS_RECORDS"):
        env.pop(name, None)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/compliance/secmp0015/test_gcs60a.py", "--log-cli-level=DEBUG"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    lines = [line for line in proc.stdout.splitlines() if line.startswith("DEBUG") and "harness.transp" in line]
    gbcs = [m.groups() for m in (re.search(r"\b(tx|rx) GBCS (command|response) (0x[0-9A-F]{4}) (GCS60a?) ", line)
                                 for line in lines) if m]
    assert gbcs == [("tx", "command", "0x008D", "GCS60"), ("rx", "response", "0x008D", "GCS60"),
                    ("tx", "command", "0x012A", "GCS60a"), ("rx", "response", "0x012A", "GCS60a")]
