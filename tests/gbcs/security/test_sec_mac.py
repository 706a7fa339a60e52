"""KDF and MAC: the facts 5.2 test vectors, key-pair selection, apply/verify both sides."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from sec_helpers import rtds_bytes, rtds_message

from harness.gbcs.frame import Cra, GbcsMessage, OtherInformation, encode_message, mac_aad
from harness.gbcs.security.kdf import concat_kdf, other_info, shared_secret
from harness.gbcs.security.keystore import Keystore
from harness.gbcs.security.mac import KeyPair, apply_mac, compute_mac, mac_key, mac_key_pair, verify_mac

SUPPLIER = bytes.fromhex("90b3d51f30010000")
ACB = bytes.fromhex("90b3d51f30000002")
ESME = bytes.fromhex("00db1234567890a0")


def test_vector_1_ecs82_response(keystore: Keystore) -> None:
    msg = rtds_message("ECS82_4.18_SUCCESS_RESPONSE_GBCS.HEX")
    private, public = keystore.ka_private(SUPPLIER), keystore.ka_public(ESME)
    assert private is not None and public is not None
    z = shared_secret(private, public)
    assert z.hex() == "42da8fad4c8c9d613976f39f1e79ccc88571efa43933d57146b533bc6d253e0f"
    info = other_info(msg.originator, int(msg.cra), msg.originator_counter, msg.recipient)
    assert info.hex() == "60857406080300" "00db1234567890a0" "09" "02" "00000000000003e8" "90b3d51f30010000"
    assert len(info) == 33
    assert concat_kdf(z, info).hex() == "d288091f13f120da8d2649c3aa543058"
    assert mac_aad(msg).hex() == ("110000000000df090200000000000003e80800db1234567890a00890b3d51f300100000002006910"
                                  "da200003e8000001050003d09001010000")
    pair = mac_key_pair(msg, keystore)
    assert pair is not None
    assert mac_key(msg, pair).hex() == "d288091f13f120da8d2649c3aa543058"
    assert compute_mac(msg, pair).hex() == "cb77f0a6faf4c536e551d170" == msg.mac.hex()  # type: ignore[union-attr]
    assert verify_mac(msg, keystore) == "valid"


def test_vector_2_ecs82_command_uses_acb_key(keystore: Keystore) -> None:
    msg = rtds_message("ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX")
    assert msg.originator == SUPPLIER
    private, public = keystore.ka_private(ACB), keystore.ka_public(ESME)
    assert private is not None and public is not None
    assert shared_secret(private, public).hex() == "ed342441df01551a6beaff3b54adc981f4c6a7e71dff4c3e1cc80b3c9f4e5ac0"
    pair = mac_key_pair(msg, keystore)
    assert pair is not None
    assert mac_key(msg, pair).hex() == "ec1d51bd8f8bf0cdd2314cf396cc12c0"
    assert compute_mac(msg, KeyPair(private, public)).hex() == "afdf51419b9df8dc66495a9f"
    assert verify_mac(msg, keystore) == "valid"


def test_tampered_message_is_invalid(keystore: Keystore) -> None:
    msg = rtds_message("ECS82_4.18_SUCCESS_RESPONSE_GBCS.HEX")
    flipped = replace(msg, content=bytes([msg.content[0] ^ 1]) + msg.content[1:])
    assert verify_mac(flipped, keystore) == "invalid"
    bad_mac = msg.with_mac(bytes(12))
    assert verify_mac(bad_mac, keystore) == "invalid"
    other_counter = replace(msg, originator_counter=msg.originator_counter + 1)
    assert verify_mac(other_counter, keystore) == "invalid"


def test_device_to_device_and_missing_keys_are_unknown(keystore: Keystore, tmp_path: Path) -> None:
    for name in ("PCS01_NA_SUCCESS_COMMAND_GBCS.HEX", "PCS02_NA_SUCCESS_COMMAND_GBCS.HEX",
                 "PCS01_NA_SUCCESS_RESPONSE_GBCS.HEX", "PCS02_NA_SUCCESS_RESPONSE_GBCS.HEX"):
        assert verify_mac(rtds_message(name), keystore) == "unknown"
    empty = Keystore.from_folder(tmp_path)
    assert verify_mac(rtds_message("ECS82_4.18_SUCCESS_RESPONSE_GBCS.HEX"), empty) == "unknown"
    assert verify_mac(rtds_message("GCS04_2.3_SUCCESS_RESPONSE_GBCS.HEX"), keystore) is None  # DF: no MAC


def test_apply_mac_reproduces_rtds_command(keystore: Keystore) -> None:
    data = rtds_bytes("GCS04_2.3_SUCCESS_COMMAND_GBCS.HEX")
    msg = rtds_message("GCS04_2.3_SUCCESS_COMMAND_GBCS.HEX").with_mac(None)
    assert encode_message(apply_mac(msg, keystore)) == data


def _device_response(device: bytes, counter: int) -> GbcsMessage:
    return GbcsMessage(Cra.RESPONSE, counter, device, SUPPLIER, OtherInformation(0x0069),
                       bytes.fromhex("da200003e8000001050003d09001010000"))


def test_emulated_device_macs_and_bench_verifies(keystore: Keystore, tmp_path: Path) -> None:
    device = bytes.fromhex("00db1234567890f1")
    device_key = ec.generate_private_key(ec.SECP256R1())
    supplier_public = keystore.ka_public(SUPPLIER)
    assert supplier_public is not None
    emulator = Keystore.from_folder(tmp_path)
    emulator.add_private(device, "ka", device_key, role="device")
    emulator.add_public(SUPPLIER, "ka", supplier_public, role=2)
    sent = apply_mac(_device_response(device, 1000), emulator)
    assert sent.mac is not None and len(sent.mac) == 12
    assert verify_mac(sent, emulator) == "valid"  # the device side checks its own
    # the bench side: remote-party private key x the device's registered public key
    bench = Keystore.from_folder(tmp_path)
    supplier_private = keystore.ka_private(SUPPLIER)
    assert supplier_private is not None
    bench.add_private(SUPPLIER, "ka", supplier_private, role=2)
    assert verify_mac(sent, bench) == "unknown"  # device public key not yet trusted
    bench.add_public(device, "ka", device_key.public_key(), role="device")
    assert verify_mac(sent, bench) == "valid"
    assert verify_mac(replace(sent, originator_counter=1001), bench) == "invalid"


def test_emulated_device_verifies_acb_command(keystore: Keystore, tmp_path: Path) -> None:
    device = bytes.fromhex("00db1234567890f2")
    device_key = ec.generate_private_key(ec.SECP256R1())
    keystore_copy = Keystore.from_folder(tmp_path)
    acb_private, acb_public = keystore.ka_private(ACB), keystore.ka_public(ACB)
    assert acb_private is not None and acb_public is not None
    keystore_copy.add_private(ACB, "ka", acb_private, role=4)
    keystore_copy.add_public(device, "ka", device_key.public_key(), role="device")
    command = GbcsMessage(Cra.COMMAND, 5, SUPPLIER, device, OtherInformation(0x0069), b"\xd9\x00")
    sent = apply_mac(command, keystore_copy)
    device_side = Keystore.from_folder(tmp_path)
    device_side.add_private(device, "ka", device_key, role="device")
    device_side.add_public(ACB, "ka", acb_public, role=4)
    assert verify_mac(sent, device_side) == "valid"


def test_emulated_device_to_device_command_is_unknown(keystore: Keystore, tmp_path: Path) -> None:
    ppmid, gsme = bytes.fromhex("00db1234567890f4"), bytes.fromhex("00db1234567890f5")
    store = Keystore.from_folder(tmp_path)
    acb_private = keystore.ka_private(ACB)
    assert acb_private is not None
    store.add_private(ACB, "ka", acb_private, role="ACB")
    store.add_public(gsme, "ka", ec.generate_private_key(ec.SECP256R1()).public_key(), role="device")
    command = GbcsMessage(Cra.COMMAND, 7, ppmid, gsme, OtherInformation(0x009B), b"\x01\x09", mac=bytes(12))
    assert verify_mac(command, store) == "invalid"  # originator not known as a device: ACB rule applies
    store.add_public(ppmid, "ka", ec.generate_private_key(ec.SECP256R1()).public_key(), role="device")
    assert verify_mac(command, store) == "unknown"
