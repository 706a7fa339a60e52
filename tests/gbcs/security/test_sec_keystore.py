"""Keystore loading, identities, roles and the RTDS quirks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sec_helpers import KEYSTORE

from harness.errors import KeystoreError
from harness.gbcs.security.keystore import Keystore


def _point(key: ec.EllipticCurvePublicKey | None) -> bytes:
    assert key is not None
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


SUPPLIER = "90b3d51f30010000"
SUPPLIER2 = "90b3d51f30030000"
WAN_PROVIDER = "90b3d51f30000007"
ACB = "90b3d51f30000002"
ESME = "00db1234567890a0"


def test_roles_from_certificate_ou(keystore: Keystore) -> None:
    assert keystore.role_of(SUPPLIER) == "Supplier"
    assert keystore.role_of("90b3d51f30020000") == "Network Operator"
    assert keystore.role_of(ACB) == "ACB"
    assert keystore.role_code(ACB) == 4
    assert keystore.role_of(ESME) is None and keystore.is_device(ESME)
    assert not keystore.is_device(SUPPLIER)
    assert keystore.acb == bytes.fromhex(ACB)


def test_quirk_file_named_0007_holds_supplier2_key(keystore: Keystore) -> None:
    # The file name mapping stays (lookups by 0007 give the file's key) ...
    assert _point(keystore.ka_public(WAN_PROVIDER)) == _point(keystore.ka_public(SUPPLIER2))
    assert keystore.files_for(WAN_PROVIDER, "ka") == ["90b3d51f30000007-ka.key", "90b3d51f30000007-ka.pem"]
    # ... but the certificate's OU=02 belongs to the EUI inside it, not to 0007 (OU=06 in its DS cert).
    assert keystore.role_of(WAN_PROVIDER) == "WAN Provider"
    assert keystore.role_of(SUPPLIER2) == "Supplier"
    # DS keys of 0007 are its own.
    assert _point(keystore.ds_public(WAN_PROVIDER)) != _point(keystore.ds_public(SUPPLIER2))


def test_certificate_eui_indexed_when_no_file_of_its_own(tmp_path: Path) -> None:
    shutil.copy(KEYSTORE / "90b3d51f30000007-ka.pem", tmp_path / "90b3d51f30000007-ka.pem")
    store = Keystore.from_folder(tmp_path)
    assert store.ka_public(SUPPLIER2) is not None
    assert _point(store.ka_public(SUPPLIER2)) == _point(store.ka_public(WAN_PROVIDER))
    assert store.role_of(SUPPLIER2) == "Supplier"
    assert store.role_of(WAN_PROVIDER) is None


def test_prepayment_pair_is_separate(keystore: Keystore) -> None:
    pp = keystore.public(SUPPLIER, "pp-ka")
    assert pp is not None and _point(pp) != _point(keystore.ka_public(SUPPLIER))
    assert keystore.private(SUPPLIER, "pp-ka") is not None


def test_bare_public_key_and_private_only_keys(keystore: Keystore) -> None:
    assert keystore.ka_public("fffffffffffffffe") is not None
    assert keystore.ka_private("fffffffffffffffe") is None
    for eui in ("abababababababab", "123456789abcdef0"):
        private = keystore.ka_private(eui)
        assert private is not None
        assert _point(keystore.ka_public(eui)) == _point(private.public_key())
        assert keystore.role_of(eui) is None and not keystore.is_device(eui)


def test_private_matches_certificate(keystore: Keystore) -> None:
    for eui in (SUPPLIER, ACB, "90b3d51f30020000"):
        for usage in ("ka", "ds"):
            private = keystore.private(eui, usage)
            assert private is not None
            assert _point(private.public_key()) == _point(keystore.public(eui, usage))


def test_unknown_lookups_return_none(keystore: Keystore) -> None:
    eui = bytes.fromhex("0102030405060708")
    assert keystore.ka_private(eui) is None
    assert keystore.ka_public(eui) is None
    assert keystore.ds_private(eui) is None
    assert keystore.ds_public(eui) is None
    assert keystore.role_of(eui) is None
    assert keystore.ds_private(ESME) is None  # no device private keys in the RTDS


def test_add_generated_keys(tmp_path: Path) -> None:
    store = Keystore.from_folder(tmp_path)
    eui = bytes.fromhex("00db1234567890a3")
    private = ec.generate_private_key(ec.SECP256R1())
    store.add_private(eui, "ka", private, role="device")
    assert store.ka_private(eui) is private
    assert _point(store.ka_public(eui)) == _point(private.public_key())
    assert store.is_device(eui)
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    store.add_public(SUPPLIER, "ds", other, role=2)
    assert store.ds_public(SUPPLIER) is other and store.role_of(SUPPLIER) == "Supplier"
    with pytest.raises(ValueError):
        store.add_public(eui, "xx", other)


def test_broken_key_file_names_the_file(tmp_path: Path) -> None:
    shutil.copy(KEYSTORE / "90b3d51f30010000-ka.pem", tmp_path / "90b3d51f30010000-ka.pem")
    (tmp_path / "90b3d51f30020000-ka.key").write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n")
    with pytest.raises(KeystoreError, match="90b3d51f30020000-ka.key"):
        Keystore.from_folder(tmp_path)
    (tmp_path / "90b3d51f30020000-ka.key").unlink()
    (tmp_path / "90b3d51f30020000-ds.pem").write_bytes(b"garbage")
    with pytest.raises(KeystoreError, match="90b3d51f30020000-ds.pem"):
        Keystore.from_folder(tmp_path)


def test_missing_folder() -> None:
    with pytest.raises(KeystoreError, match="does not exist"):
        Keystore.from_folder("/nonexistent/keys")


def test_repr_shows_no_key_material(keystore: Keystore) -> None:
    text = repr(keystore)
    private = keystore.ka_private(SUPPLIER)
    assert private is not None
    secret = private.private_numbers().private_value
    assert "BEGIN" not in text and f"{secret:x}" not in text and str(secret) not in text
    assert "private=" in text


def test_registration_roles(keystore: Keystore, tmp_path: Path) -> None:
    store = Keystore.from_folder(tmp_path)
    key = ec.generate_private_key(ec.SECP256R1())
    store.add_public(ACB, "ka", key.public_key(), role="ACB")
    assert store.role_of(ACB) == "ACB" and store.acb == bytes.fromhex(ACB)
    store.add_public(ACB, "ds", key.public_key())  # no role given: what is known stays
    assert store.role_of(ACB) == "ACB" and not store.is_device(ACB)
    store.add_public(ESME, "ka", key.public_key())
    assert not store.is_device(ESME) and store.role_of(ESME) is None
    with pytest.raises(ValueError, match="unknown role"):
        store.add_public(ESME, "ka", key.public_key(), role="Plumber")


# -- keystore-index.json: the start-up index ------------------------------------------------------

def _copy_without_index(tmp_path: Path) -> Path:
    folder = tmp_path / "keys"
    shutil.copytree(KEYSTORE, folder)
    (folder / "keystore-index.json").unlink()
    return folder


def _same(indexed: Keystore, parsed: Keystore) -> None:
    assert list(indexed) == list(parsed) and len(indexed) == len(parsed)
    assert indexed._roles == parsed._roles and indexed._devices == parsed._devices
    assert indexed._files == parsed._files and indexed.acb == parsed.acb
    for eui, usage in parsed:
        public = parsed.public(eui, usage)
        assert (indexed.public(eui, usage) is None) == (public is None)
        if public is not None:
            assert _point(indexed.public(eui, usage)) == _point(public)
        private = parsed.private(eui, usage)
        other = indexed.private(eui, usage)
        assert (other is None) == (private is None)
        if private is not None and other is not None:
            assert other.private_numbers() == private.private_numbers()


def test_packaged_indexes_match_the_key_files(tmp_path: Path) -> None:
    from harness.gbcs.security.keystore import PACKAGED_EMULATORS, index_is_current

    for folder in (KEYSTORE, PACKAGED_EMULATORS):
        assert index_is_current(folder), (
            f"{folder} changed: run `python3 -m harness.gbcs.security harness/data/keystore "
            "harness/data/emulator-keys`")
    _same(Keystore.packaged(), Keystore.from_folder(_copy_without_index(tmp_path)))
    _same(Keystore.packaged_with_emulators(), Keystore.packaged_with_emulators(use_index=False))


def test_index_spares_certificate_parsing_and_reads_private_keys_on_use(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.gbcs.security import keystore as module

    calls: list[Path] = []
    real = module._load_private
    reads: list[Path] = []
    real_read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or real_read(self))
    monkeypatch.setattr(module, "_load_public", lambda file: pytest.fail(f"parsed {file}"))
    monkeypatch.setattr(module, "_load_private", lambda file, data=None: calls.append(file) or real(file, data))
    store = Keystore.packaged_with_emulators()
    assert calls == [] and reads == [], "loading from the index reads no key file"
    assert store.role_of(SUPPLIER) == "Supplier" and store.acb == bytes.fromhex(ACB)
    assert store.ka_public(ESME) is not None
    assert store.ka_private(ACB) is not None and len(calls) == 1
    assert store.ka_private(ACB) is store.ka_private(ACB) and len(calls) == 1


def test_a_stale_index_is_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    shutil.copytree(KEYSTORE, folder)
    # Swap two certificates' contents: names stay, the digest changes, the index must not be used.
    a, b = folder / f"{SUPPLIER}-ka.pem", folder / f"{ACB}-ka.pem"
    a_text, b_text = a.read_text(), b.read_text()
    a.write_text(b_text)
    b.write_text(a_text)
    store = Keystore.from_folder(folder)
    assert _point(store.ka_public(SUPPLIER)) == _point(Keystore.packaged().ka_public(ACB))
    (folder / "keystore-index.json").write_text("{not json")
    assert _point(Keystore.from_folder(folder).ka_public(SUPPLIER)) == _point(store.ka_public(SUPPLIER))


def test_a_stale_index_found_on_first_use_rebuilds_and_keeps_registered_keys(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    shutil.copytree(KEYSTORE, folder)
    a, b = folder / f"{SUPPLIER}-ka.pem", folder / f"{ACB}-ka.pem"
    a_text, b_text = a.read_text(), b.read_text()
    store = Keystore.from_folder(folder)  # the index names the same files: used
    extra = ec.generate_private_key(ec.SECP256R1())
    store.add_private(ESME, "ds", extra, role="device")
    a.write_text(b_text)
    b.write_text(a_text)
    parsed = Keystore.from_folder(folder, use_index=False)
    assert _point(store.ka_public(SUPPLIER)) == _point(parsed.ka_public(SUPPLIER))  # read: stale: rebuilt
    assert store.role_of(SUPPLIER) == parsed.role_of(SUPPLIER) and store.acb == parsed.acb
    assert store.ds_private(ESME) is extra and store.is_device(ESME)
    assert store.source == str(folder)


def test_write_index_round_trip(tmp_path: Path) -> None:
    from harness.gbcs.security.keystore import write_index

    folder = _copy_without_index(tmp_path)
    parsed = Keystore.from_folder(folder)
    write_index(folder)
    assert (folder / "keystore-index.json").read_text() == (KEYSTORE / "keystore-index.json").read_text()
    _same(Keystore.from_folder(folder), parsed)
