"""Content encryption: the GCS13a worked example, both sides, OtherInfo rules."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sec_helpers import rtds_bytes, rtds_message

from harness.errors import SecurityError
from harness.gbcs.frame import Cra, GbcsMessage, OtherInformation
from harness.gbcs.security.content import GcmContentCipher, content_cipher_for, content_other_info
from harness.gbcs.security.kdf import derive_key
from harness.gbcs.security.keystore import Keystore

SUPPLIER = bytes.fromhex("90b3d51f30010000")
GPF = bytes.fromhex("00db1234567890a3")
NAME = "GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_RESPONSE_GBCS.HEX"
PLAINTEXT = bytes.fromhex("020300" "22e80300" "010300" "22010000" "000300" "3001" "000000" "25393000000000")


def test_gcs13a_worked_example(keystore: Keystore) -> None:
    msg = rtds_message(NAME)
    private, public = keystore.ka_private(SUPPLIER), keystore.ka_public(GPF)
    assert private is not None and public is not None
    assert derive_key(private, public, content_other_info(msg)).hex() == "2b11caa7c88c7b480a8485a750d89420"
    cipher = content_cipher_for(msg, keystore)
    assert cipher is not None
    data = rtds_bytes(NAME)
    sealed = data[79:120]  # 29 bytes of ciphertext and the 12-byte tag (facts worked example D)
    assert data[74:79] == bytes.fromhex("3100000000")
    assert cipher.decrypt(sealed) == PLAINTEXT
    assert cipher.encrypt(PLAINTEXT) == sealed
    with pytest.raises(SecurityError):
        cipher.decrypt(sealed[:-1] + bytes([sealed[-1] ^ 1]))
    with pytest.raises(SecurityError):
        cipher.decrypt(b"short")
    assert "2b11" not in repr(cipher)


def test_content_other_info_rules() -> None:
    base = GbcsMessage(Cra.RESPONSE, 0x202, GPF, bytes.fromhex("90b3d51f30000002"), OtherInformation(0x00A0), b"")
    assert content_other_info(base) == bytes.fromhex(
        "60857406080300" "00db1234567890a3" "09" "04" "0000000000000202" "90b3d51f30000002")
    # Supplementary Remote Party ID (length 18): target is that party, counter stays the grouping one.
    oi18 = OtherInformation(0x00A0, SUPPLIER, 1000)
    assert content_other_info(replace(base, other_information=oi18))[-16:] == bytes.fromhex(
        "0000000000000202" "90b3d51f30010000")
    # Length 26: the Supplementary Originator Counter replaces the counter.
    oi26 = OtherInformation(0x00A0, SUPPLIER, 1000, 77)
    assert content_other_info(replace(base, other_information=oi26))[-16:] == bytes.fromhex(
        "000000000000004d" "90b3d51f30010000")


def test_device_and_remote_party_sides_agree(keystore: Keystore, tmp_path: Path) -> None:
    device_key = ec.generate_private_key(ec.SECP256R1())
    supplier_private, supplier_public = keystore.ka_private(SUPPLIER), keystore.ka_public(SUPPLIER)
    assert supplier_private is not None and supplier_public is not None
    msg = GbcsMessage(Cra.RESPONSE, 9, GPF, bytes.fromhex("90b3d51f30000002"),
                      OtherInformation(0x00A0, SUPPLIER, 1000, 12), b"")
    device = Keystore.from_folder(tmp_path)
    device.add_private(GPF, "ka", device_key, role="device")
    device.add_public(SUPPLIER, "ka", supplier_public, role=2)
    bench = Keystore.from_folder(tmp_path)
    bench.add_private(SUPPLIER, "ka", supplier_private, role=2)
    assert content_cipher_for(msg, bench) is None  # device public key unknown
    bench.add_public(GPF, "ka", device_key.public_key(), role="device")
    enc, dec = content_cipher_for(msg, device), content_cipher_for(msg, bench)
    assert enc is not None and dec is not None
    sealed = enc.encrypt(b"meter balance 250000")
    assert len(sealed) == 20 + 12
    assert dec.decrypt(sealed) == b"meter balance 250000"
    other = content_cipher_for(replace(msg, other_information=OtherInformation(0x00A0, SUPPLIER, 1000, 13)), bench)
    assert other is not None
    with pytest.raises(SecurityError):
        other.decrypt(sealed)


def test_cipher_argument_checks() -> None:
    with pytest.raises(ValueError):
        GcmContentCipher(b"k" * 15, b"i" * 12)
