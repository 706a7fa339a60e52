"""Host routing, control ops, error frames, and the `harness emulate` / `harness faults` commands."""

import json
import os
import select
import signal
import socket
import subprocess
import sys

import pytest

from harness.cli import main
from harness.emulators import HostConfig
from harness.faults import FAULTS
from harness.transport.framing import Frame, FrameDecoder, FrameKind, decode_control, encode_frame


def test_errors_become_error_frames(client):
    host = client.host
    cases = [Frame.gbcs(b"\x00garbage"), Frame.control({"op": "fly"}), Frame(FrameKind.CONTROL, b"[1]"),
             Frame.control({"op": "set_state", "device": "gsme", "values": {"NoSuchRegister": 1}}),
             Frame.control({"op": "get_state", "device": "toaster"}), Frame.error("x")]
    for frame in cases:
        out = host.handle(frame)
        assert len(out) == 1 and out[0].kind is FrameKind.ERROR, frame


def test_describe_names_every_device(make_client):
    client = make_client({"GPF": {"faults": ["bit2_never_set"], "firmware": "2.1"}})
    devices = {d["role"]: d for d in client.control("describe")["devices"]}
    assert set(devices) == {"CHF", "GPF", "GSME", "ESME", "IHD"}
    assert devices["GPF"]["faults"] == ["bit2_never_set"] and devices["GPF"]["firmware"] == "2.1"
    assert devices["ESME"]["eui"] == "00DB12345678E0A0"


def test_control_ops_over_frames(client):
    out = client.host.handle(Frame.control({"op": "advance", "seconds": 3600}))
    reply = decode_control(out[0].data)
    assert reply["ok"] and reply["fired"] >= 2 and reply["now"].startswith("2026-01-01T01:00")
    assert client.control("now")["now"] == reply["now"]
    assert client.control("push")["delivered"] is True
    client.control("han_outage", active=True)
    assert client.control("push")["delivered"] is False
    client.control("set_state", device="chf", values={"ch_clock": "unreliable"})
    assert client.state("chf")["ch_clock"] == "unreliable"


def test_unknown_recipient_and_unserved_use_case(client):
    reply = client.send("ECS82", "GSME")  # an electricity read sent to the gas meter
    assert reply.is_alert


def test_config_validation():
    with pytest.raises(ValueError):
        HostConfig.from_dict({"devices": [{"role": "GPF", "ch_clock": "sideways"}]})
    with pytest.raises(ValueError):
        HostConfig.from_dict({"devices": [{"role": "GSME", "colour": "blue"}]})
    with pytest.raises(ValueError):
        HostConfig.from_dict({"devices": [{"role": "GPF", "faults": ["reset_clears_all"]}]})


def test_faults_command_lists_every_fault(capsys):
    assert main(["faults"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(FAULTS)
    assert all(line.split()[0] in FAULTS for line in lines)


def _read_line(proc, timeout=20.0):
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "emulator printed nothing"
    return proc.stdout.readline().decode().strip()


def _exchange(stream_write, stream_read, frame):
    stream_write(encode_frame(frame))
    decoder = FrameDecoder()
    while True:
        frames = decoder.feed(stream_read())
        if frames:
            return frames[0]


@pytest.mark.parametrize("mode", ["tcp", "pty"])
def test_emulate_serves_frames_until_sigterm(mode, tmp_path):
    args = ["--tcp", "127.0.0.1:0"] if mode == "tcp" else ["--serial", "pty"]
    proc = subprocess.Popen([sys.executable, "-m", "harness.cli", "emulate", "--profile", "default",
                             "--state", str(tmp_path), *args], stdout=subprocess.PIPE)
    try:
        line = _read_line(proc)
        kind, where = line.split()
        assert kind == mode.upper()
        if mode == "tcp":
            host, port = where.rsplit(":", 1)
            conn = socket.create_connection((host, int(port)), timeout=10)
            reply = _exchange(conn.sendall, lambda: conn.recv(4096), Frame.control({"op": "describe"}))
            conn.close()
        else:
            fd = os.open(where, os.O_RDWR | os.O_NOCTTY)
            reply = _exchange(lambda b: os.write(fd, b), lambda: os.read(fd, 4096), Frame.control({"op": "describe"}))
            os.close(fd)
        assert reply.kind is FrameKind.CONTROL
        assert len(json.loads(reply.data)["devices"]) == 5
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
