"""Acceptance of the codec and security against the carried RTDS 4.5.0 subset: every file decodes
with the packaged keystore, agrees with the reference parser's expected.jsonl on every header
fact and verdict, and re-encodes byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.gbcs.decode import DecodedMessage, decode
from harness.gbcs.security.keystore import Keystore

DATA = Path(__file__).resolve().parents[1] / "data" / "rtds"
KEYSTORE = Path(__file__).resolve().parents[2] / "harness" / "data" / "keystore"
COMPARED = ("file", "cra", "originator_counter", "originator_system_title", "recipient_system_title",
            "date_time", "message_code", "content_length", "mac", "signature")
JSON_KEYS = {"file", "cra", "originator_counter", "originator_system_title", "recipient_system_title",
             "date_time", "message_code", "content_length", "mac", "signature", "use_case", "use_case_name",
             "clock_status", "payload", "roundtrip"}


def _expected() -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / "expected.jsonl").read_text().splitlines() if line.strip()]


def _read(rel: str) -> bytes:
    return bytes.fromhex("".join((DATA / rel).read_text().split()))


@pytest.fixture(scope="module")
def decoded() -> dict[str, DecodedMessage]:
    keystore = Keystore.from_folder(KEYSTORE)
    files = sorted(str(p.relative_to(DATA)) for p in (DATA / "RTDS-4.5.0").rglob("*") if p.is_file())
    return {rel: decode(_read(rel), keystore, file=rel) for rel in files}


def test_every_file_is_expected_and_every_expectation_has_a_file(decoded: dict[str, DecodedMessage]) -> None:
    expected_files = {str(row["file"]) for row in _expected()}
    assert expected_files == set(decoded)
    assert len(decoded) == 675


def test_header_facts_and_verdicts_agree_100_percent(decoded: dict[str, DecodedMessage]) -> None:
    disagreements = []
    for row in _expected():
        got = decoded[str(row["file"])].to_json()
        for key in COMPARED:
            if got[key] != row[key]:
                disagreements.append(f"{row['file']}: {key} {got[key]!r} != {row[key]!r}")
    assert disagreements == []


def test_round_trip_100_percent(decoded: dict[str, DecodedMessage]) -> None:
    assert [f for f, d in decoded.items() if not d.roundtrip] == []
    assert all(d.message.to_bytes() == d.raw for d in decoded.values())


def test_json_shape(decoded: dict[str, DecodedMessage]) -> None:
    for rel, d in decoded.items():
        out = d.to_json()
        assert JSON_KEYS <= set(out), rel
        json.dumps(out)  # JSON-able
        if out["date_time"] is not None:
            assert len(str(out["date_time"])) == 24 and out["clock_status"] is not None
        assert d.payload_error is None, rel


def test_verdict_counts_match_the_reference(decoded: dict[str, DecodedMessage]) -> None:
    macs = [d.mac for d in decoded.values()]
    rows = _expected()
    assert macs.count("valid") == sum(r["mac"] == "valid" for r in rows) > 400
    assert macs.count("unknown") == 4 and macs.count("invalid") == 0


def test_encrypted_content_decrypts_with_the_keystore(decoded: dict[str, DecodedMessage]) -> None:
    ok = [f for f, d in decoded.items() if d.decryption == "ok"]
    assert not [f for f, d in decoded.items() if d.decryption in ("failed", "no-key")]
    assert any("GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_RESPONSE" in f for f in ok)
    assert any("GCS15d" in f for f in ok)  # supplementary remote party as the content target
    assert any("ECS19" in f or "ECS17b" in f for f in ok)  # protected DLMS attribute
    text = json.dumps(decoded[next(f for f in ok if "GCS13a_4.1.1_SUCCESS_RELIABLE_GSME" in f)].to_json())
    assert '"decrypted": true' in text


def test_gpf_time_status_in_words(decoded: dict[str, DecodedMessage]) -> None:
    gsme = next(d for f, d in decoded.items() if "GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_RESPONSE" in f)
    assert "2015-01-01 00:00:00 (from GSME, reliable)" in gsme.to_text()
    status = gsme.to_json()["clock_status"]
    assert isinstance(status, dict) and status["IsFromGSME"] is True and status["ClockStatus"] == "RELIABLE"
    unreliable = next(d for f, d in decoded.items() if "GCS13a_4.1.1_SUCCESS_UNRELIABLE_RESPONSE" in f)
    assert "unreliable" in unreliable.to_text()


def test_without_keys_verdicts_are_unknown() -> None:
    rel = "RTDS-4.5.0/4.18_ECS82/ECS82_4.18_SUCCESS_RESPONSE_GBCS.HEX"
    d = decode(_read(rel))
    assert d.mac == "unknown" and d.signature is None and d.decryption is None
    assert "file" not in d.to_json()


def test_use_case_from_catalogue(decoded: dict[str, DecodedMessage]) -> None:
    for folder, use_case in (("4.1.1_GCS13a", "GCS13a"), ("2.3_GCS04", "GCS04"), ("4.18_ECS82", "ECS82")):
        for rel, d in decoded.items():
            if f"/{folder}/" in rel:
                assert d.to_json()["use_case"] == use_case, rel
                assert d.to_json()["use_case_name"]


def test_unknown_message_code_is_fine() -> None:
    from harness.gbcs.frame import Cra, GbcsMessage, OtherInformation

    msg = GbcsMessage(Cra.COMMAND, 1, bytes(8), bytes(8), OtherInformation(0xFFFE), b"\x01\x02", signature=None)
    d = decode(msg.to_bytes())
    assert d.to_json()["use_case"] is None and d.to_json()["message_code"] == "FFFE"
    assert d.roundtrip and d.signature is None and d.mac is None
