"""Captures open decoded in stock tshark (Debian's, installed by scripts/setup), with no
Wireshark configuration: a real client no one here wrote reads a capture of a real exchange
with the emulated bench and shows the GBCS fields (message code, use case) and the HAN ZCL."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.capture import CaptureWriter, merge_captures, read_capture
from harness.commands.send import open_bench
from tests.capture.tshark import tshark_fields


@pytest.fixture
def capture(tmp_path: Path) -> Path:
    """A GCS60 to the GSME and a HAN read of ReadingSnapshotTime from the GPF on the emulated
    default bench (same bench/transport path as the suites), captured as the plugin does."""
    path = tmp_path / "captures" / "test_demo.pcapng"
    bench = open_bench(None, None)
    try:
        with CaptureWriter(path, "test tests/x.py::test_demo", test="tests/x.py::test_demo @ emulated") as writer:
            bench.exchange_log.add_listener(writer.on_event)
            exchange = bench.handle("GSME").send("GCS60")
            assert exchange.response is not None and exchange.response.success
            bench.handle("GPF").read_attribute(0x0702, 0x0007)
            bench.exchange_log.remove_listener(writer.on_event)
    finally:
        bench.close()
    return path


def _check(rows: list[dict[str, str]]) -> None:
    gbcs = [r for r in rows if "gbcs_message" in r["frame.protocols"]]
    assert [(r["gbcs_message.grouping_header.message_code"], r["frame.packet_flags_direction"]) for r in gbcs] == \
        [("0x008d", "0x00000002"), ("0x008d", "0x00000001")]  # outbound command, inbound response
    assert gbcs[0]["_ws.col.Info"] == "Command, GCS60 Read Meter Balance for GSME"
    assert gbcs[1]["_ws.col.Info"] == "Response, GCS60 Read Meter Balance for GSME"
    assert all("Malformed" not in r["_ws.col.Info"] for r in rows)
    assert all(r["frame.comment"].startswith("tests/x.py::test_demo @ emulated | ") for r in rows)
    assert gbcs[0]["frame.comment"].startswith("tests/x.py::test_demo @ emulated | tx GBCS | ")
    han = [r for r in rows if "zbee_zcl" in r["frame.protocols"] and "gbcs" not in r["frame.protocols"]]
    assert [(r["zbee_aps.cluster"], r["zbee_zcl.cmd.id"]) for r in han] == [("0x0702", "0x00"), ("0x0702", "0x01")]
    assert han[0]["wpan.dst64"] == han[1]["wpan.src64"] and han[0]["wpan.src64"] == han[1]["wpan.dst64"]
    assert han[0]["_ws.col.Info"].startswith("ZCL: Read Attributes")
    assert han[1]["_ws.col.Info"].startswith("ZCL: Read Attributes Response")


def test_stock_tshark_decodes_a_bench_capture(capture: Path, tmp_path: Path) -> None:
    rows = tshark_fields(capture, tmp_path / "home")
    assert len(rows) == len(read_capture(capture))
    _check(rows)


def test_stock_tshark_decodes_the_merged_cycle_capture(capture: Path, tmp_path: Path) -> None:
    merged = tmp_path / "cycle.pcapng"
    merge_captures([capture], merged, comment="cycle C1")
    assert [f.data for f in read_capture(merged)] == [f.data for f in read_capture(capture)]
    _check(tshark_fields(merged, tmp_path / "home"))
