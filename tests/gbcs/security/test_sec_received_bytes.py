"""MAC and signature are verified over the bytes as received, never over a re-encoding.

A length rewritten in a legal-looking longer form (``45`` -> ``81 45``) parses to the same
message, and a re-encoding gives back the signer's bytes; a verifier over the re-encoding
would call the altered message valid. The reference parser says invalid, and so must we:
in the library (``decode``, ``verify_mac``, ``verify_signature``) and in ``harness decode``.
"""

from __future__ import annotations

import json

import pytest
from sec_helpers import RTDS

from harness.cli import main
from harness.gbcs.decode import decode
from harness.gbcs.frame import TAG_GENERAL_CIPHERING, parse_message
from harness.gbcs.lengths import encode_length, read_length
from harness.gbcs.security.keystore import Keystore
from harness.gbcs.security.mac import verify_mac
from harness.gbcs.security.signing import verify_signature

EXPECTED = RTDS.parent / "expected.jsonl"


def _rows() -> list[dict[str, object]]:
    return [json.loads(line) for line in EXPECTED.read_text().splitlines() if line.strip()]


def _bytes(rel: str) -> bytes:
    return bytes.fromhex("".join((RTDS.parent / rel).read_text().split()))


def _longer(length: int) -> bytes:
    """A legal-looking but non-minimal encoding of ``length`` (one byte longer)."""
    minimal = encode_length(length)
    return bytes((0x80 | len(minimal),)) + length.to_bytes(len(minimal), "big") if length >= 0x80 else (
        b"\x81" + bytes((length,)))


def rewrite_length(data: bytes, which: str) -> bytes:
    """``data`` with its other-information or content length in a one-byte-longer form (the
    outer ciphered-service length adjusted so the frame still parses)."""
    grouping = 0
    if data[0] == TAG_GENERAL_CIPHERING:
        _, after = read_length(data, 7, "outer")
        grouping = after + 5
    o = grouping + 1 + 10 + 9 + 9
    o += 1 if data[o] == 0 else 13
    oi_len, after = read_length(data, o, "oi")
    if which == "content":
        o = after + oi_len
    length, after = read_length(data, o, which)
    out = data[:o] + _longer(length) + data[after:]
    if data[0] == TAG_GENERAL_CIPHERING:
        outer, body = read_length(out, 7, "outer")
        out = out[:7] + encode_length(outer + 1) + out[body:]
    return out


def _signed_or_maced() -> list[dict[str, object]]:
    return [r for r in _rows() if r["signature"] == "valid" or r["mac"] == "valid"]


@pytest.mark.parametrize("which", ["other-information", "content"])
def test_every_protected_rtds_message_with_a_longer_length_verifies_invalid(keystore: Keystore, which: str) -> None:
    rows = _signed_or_maced()
    assert len(rows) > 400
    wrong = []
    for row in rows:
        altered = rewrite_length(_bytes(str(row["file"])), which)
        d = decode(altered, keystore)
        assert d.message.content == decode(_bytes(str(row["file"])), keystore).message.content
        expect_sig = "invalid" if row["signature"] == "valid" else row["signature"]
        expect_mac = "invalid" if row["mac"] == "valid" else row["mac"]
        if (d.signature, d.mac) != (expect_sig, expect_mac):
            wrong.append(f"{row['file']}: signature {d.signature}, MAC {d.mac}")
    assert wrong == []


def test_the_issue_example_0x45_becomes_81_45(keystore: Keystore) -> None:
    """A signed message whose content length is 0x45 (the example of the issue), rewritten
    ``81 45``: same fields, signature invalid; the unaltered message stays valid."""
    rows = [r for r in _rows() if r["signature"] == "valid" and r["content_length"] == 0x45]
    assert rows, "the RTDS subset has signed messages with 0x45 content bytes"
    for row in rows:
        data = _bytes(str(row["file"]))
        altered = rewrite_length(data, "content")
        assert bytes.fromhex("8145") in altered and len(altered) == len(data) + 1
        msg, original = parse_message(altered), parse_message(data)
        assert msg.content == original.content and msg.signed_bytes() == original.signed_bytes()
        public = keystore.ds_public(msg.originator)
        assert public is not None
        assert verify_signature(original, public) == "valid"
        assert verify_signature(msg, public) == "invalid"
        assert decode(altered, keystore).roundtrip is False
        if row["mac"] == "valid":
            assert verify_mac(msg, keystore) == "invalid" and verify_mac(original, keystore) == "valid"


def test_harness_decode_keys_says_invalid(capsys: pytest.CaptureFixture[str]) -> None:
    row = next(r for r in _rows() if r["signature"] == "valid" and r["mac"] == "valid")
    data = _bytes(str(row["file"]))
    altered = rewrite_length(data, "content")
    assert main(["decode", "--json", "--keys", "default", "--hex", data.hex(), "--hex", altered.hex()]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert [(o["signature"], o["mac"]) for o in out] == [("valid", "valid"), ("invalid", "invalid")]


def test_an_emulated_device_refuses_the_altered_command() -> None:
    """The library's own receiver (an emulated device's access control) checks the bytes as
    received too: a correctly signed and MACed reset with one length rewritten is refused and
    changes nothing; the same command unaltered is executed."""
    from harness.bench.wire import build_command
    from harness.transport.framing import Frame, FrameKind
    from tests.emulators.conftest import Client, make_host

    client = Client(make_host())
    before = client.state("esme")["debt"]
    cmd = build_command("ECS07r", parties=client.parties, originator="supplier", recipient=client.eui("ESME"),
                        counter=0x5000, params={"register": "TDR1"})
    for which in ("other-information", "content"):
        frames = client.host.handle(Frame.gbcs(rewrite_length(cmd.to_bytes(), which)))
        assert frames[0].kind is FrameKind.GBCS
        alert = parse_message(frames[0].data)
        assert alert.cra.word == "alert", which
        assert client.state("esme")["debt"] == before
    ok = client.host.handle(Frame.gbcs(cmd.to_bytes()))
    assert parse_message(ok[0].data).cra.word == "response"
    assert client.state("esme")["debt"]["TDR1"] == 0
