"""ECDSA P-256 signatures: RTDS verification, sign/verify round trip, tamper, missing key."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sec_helpers import rtds_bytes, rtds_message

from harness.errors import SecurityError
from harness.gbcs.frame import Cra, GbcsMessage, OtherInformation, encode_message, parse_message
from harness.gbcs.security.keystore import Keystore
from harness.gbcs.security.signing import sign_bytes, sign_message, verify_bytes, verify_signature

SUPPLIER = bytes.fromhex("90b3d51f30010000")


def test_gcs04_signed_bytes_digest(keystore: Keystore) -> None:
    data = rtds_bytes("GCS04_2.3_SUCCESS_RESPONSE_GBCS.HEX")
    msg = parse_message(data)
    assert msg.signed_bytes() == data[1:67]
    assert hashlib.sha256(msg.signed_bytes()).hexdigest() == (
        "154f03650f3ecce7c970cafeb73bba1e872f5c0d9192912926dee165b1e4b89d")
    assert verify_signature(msg, keystore) == "valid"


def test_rtds_command_signed_by_supplier(keystore: Keystore) -> None:
    msg = rtds_message("GCS04_2.3_SUCCESS_COMMAND_GBCS.HEX")
    assert verify_signature(msg, keystore) == "valid"
    tampered = replace(msg, content=msg.content[:-1] + bytes([msg.content[-1] ^ 0x80]))
    assert verify_signature(tampered, keystore) == "invalid"
    assert verify_signature(rtds_message("GCS04_2.3_SUCCESS_PRECOMMAND_GBCS.HEX"), keystore) is None


def test_sign_round_trip_with_generated_key(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    msg = GbcsMessage(Cra.COMMAND, 1000, SUPPLIER, bytes.fromhex("00db1234567890a1"),
                      OtherInformation(0x006E), bytes.fromhex("0109010107050005010203"), signature=None)
    signed = sign_message(msg, key)
    assert signed.signature is not None and len(signed.signature) == 64
    store = Keystore.from_folder(tmp_path)
    assert verify_signature(signed, store) == "unknown"
    store.add_public(SUPPLIER, "ds", key.public_key(), role=2)
    assert verify_signature(signed, store) == "valid"
    # survives encoding and parsing
    assert verify_signature(parse_message(encode_message(signed)), store) == "valid"
    # tampered byte anywhere in the signed part
    wire = bytearray(encode_message(signed))
    for index in (3, 20, len(wire) - 70):
        corrupt = bytearray(wire)
        corrupt[index] ^= 0x01
        try:
            again = parse_message(bytes(corrupt))
        except Exception:  # noqa: BLE001 - a flip that breaks framing is not what is tested here
            continue
        assert verify_signature(again, store) == "invalid"
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    assert verify_signature(signed, other) == "invalid"
    assert not verify_bytes(signed.signed_bytes(), signed.signature[:63], key.public_key())


def test_sign_from_keystore(keystore: Keystore) -> None:
    pre = rtds_message("GCS04_2.3_SUCCESS_PRECOMMAND_GBCS.HEX")
    signed = sign_message(pre, keystore)
    assert verify_signature(signed, keystore) == "valid"
    device = replace(pre, originator=bytes.fromhex("00db1234567890a1"))
    with pytest.raises(SecurityError, match="00DB1234567890A1"):
        sign_message(device, keystore)


def test_every_check_really_verifies(keystore: Keystore) -> None:
    """No verdict cache: the same bytes checked twice are verified twice, and a key that stops
    agreeing is noticed at once."""
    private = ec.generate_private_key(ec.SECP256R1())
    data = b"GBCS signed bytes"
    signature = sign_bytes(data, private)

    class Counting:
        def __init__(self, key: ec.EllipticCurvePublicKey) -> None:
            self.key, self.calls = key, 0

        def verify(self, *args: object) -> None:
            self.calls += 1
            self.key.verify(*args)  # type: ignore[arg-type]

    public = Counting(private.public_key())
    assert verify_bytes(data, signature, public) and verify_bytes(data, signature, public)  # type: ignore[arg-type]
    assert public.calls == 2
    public.key = ec.generate_private_key(ec.SECP256R1()).public_key()
    assert not verify_bytes(data, signature, public)  # type: ignore[arg-type]
