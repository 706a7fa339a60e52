"""The use-case catalogue covers every RTDS message code and agrees with the RTDS bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import EncodeError
from harness.gbcs.catalogue import CATALOGUE, Catalogue
from harness.gbcs.frame import Cra, parse_message
from harness.gbcs.payload import decode_payload

DATA = Path(__file__).resolve().parents[2] / "data" / "rtds"
ROWS = [json.loads(line) for line in (DATA / "expected.jsonl").read_text().splitlines() if line.strip()]


def test_every_rtds_code_is_catalogued_consistently() -> None:
    for row in ROWS:
        msg = parse_message(bytes.fromhex((DATA / row["file"]).read_text().strip()))
        uc = CATALOGUE.by_code(msg.message_code)
        assert uc is not None, row["file"]
        assert decode_payload(msg.content).family == uc.family, row["file"]
        if row["use_case"] and uc.kind == "command":
            assert row["use_case"].startswith(uc.id.split("-")[0]), (row["use_case"], uc.id)
        if msg.cra is Cra.RESPONSE:
            assert (msg.date_time is not None) == uc.response_date_time, row["file"]
            assert bool(msg.signature) == uc.critical or uc.id.startswith("CS02"), row["file"]  # CS02 special cases (facts 1.7)
        if msg.cra is Cra.COMMAND and not row["file"].endswith("PRECOMMAND_GBCS.HEX"):
            assert bool(msg.signature) == uc.critical or uc.id.startswith(("CS02", "GCS28")), row["file"]


def test_mission_use_cases() -> None:
    expect = {"GCS13a": 0x0074, "GCS13b": 0x00B8, "GCS13c": 0x00B6, "GCS14": 0x0075, "GCS60": 0x008D,
              "GCS60a": 0x012A, "GCS04": 0x006E, "ECS07": 0x001E, "ECS17b": 0x0027, "ECS19": 0x002D,
              "ECS82": 0x0069, "ECS07r": 0x0F01, "GCS04r": 0x0F02}
    for uid, code in expect.items():
        assert CATALOGUE.by_id(uid).message_code == code
        assert CATALOGUE.by_code(code).id == uid  # type: ignore[union-attr]
    assert CATALOGUE.by_id("GCS60a").response_date_time and not CATALOGUE.by_id("GCS60").response_date_time
    for uid in ("ECS07r", "GCS04r", "GCS04", "ECS07"):
        uc = CATALOGUE.by_id(uid)
        assert uc.critical and uc.replay_protected and not uc.response_date_time
    assert CATALOGUE.by_id("ECS07r").provisional and CATALOGUE.by_id("GCS04r").target == "GSME"
    assert not CATALOGUE.by_id("GCS13a").replay_protected
    assert CATALOGUE.by_code(0xBEEF) is None
    with pytest.raises(KeyError):
        CATALOGUE.by_id("NOPE")


def test_overrides() -> None:
    cat = Catalogue.load({"ECS07r": 0x0F11})
    assert cat.by_id("ECS07r").message_code == 0x0F11
    assert cat.by_code(0x0F11).id == "ECS07r"  # type: ignore[union-attr]
    assert cat.by_code(0x0F01) is None
    with pytest.raises(EncodeError):
        Catalogue.load({"NOPE": 1})
    with pytest.raises(ValueError):
        Catalogue.load({"ECS07r": 0x0F02})  # clashes with GCS04r
