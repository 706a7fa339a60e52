"""RTDS message helpers of the GBCS security tests (tests never read /work/shared)."""

from __future__ import annotations

from pathlib import Path

from harness.gbcs.frame import GbcsMessage, parse_message

RTDS = Path(__file__).resolve().parents[2] / "data" / "rtds" / "RTDS-4.5.0"
KEYSTORE = Path(__file__).resolve().parents[3] / "harness" / "data" / "keystore"


def rtds_bytes(name: str) -> bytes:
    matches = list(RTDS.rglob(name))
    assert len(matches) == 1, name
    return bytes.fromhex("".join(matches[0].read_text().split()))


def rtds_message(name: str) -> GbcsMessage:
    return parse_message(rtds_bytes(name))
