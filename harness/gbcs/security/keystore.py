"""The keystore: remote-party and device keys of a bench, indexed by EUI and usage.

A folder holds files named ``<eui 16 hex>-<ds|ka>.<pem|key>`` (``-pp-ka`` is a Supplier's separate
prepayment key-agreement pair): ``.pem`` is an X.509 certificate or a bare public key, ``.key`` a
PKCS#8 private key; every key is P-256.

Identity: the file name is authoritative (the reference tooling looks keys up by file name), and a
certificate whose subject x500UniqueIdentifier / SAN hardwareModuleName names a different EUI is
*also* indexed under that EUI unless a file of its own already covers it. This reproduces the RTDS
quirk where ``90b3d51f30000007-ka.*`` holds the pair of ``90B3D51F30030000``.

Start-up: a folder may carry ``keystore-index.json`` (``python3 -m harness.gbcs.security
DIR`` writes it; both packaged folders have one): each file's identity (certificate EUI, role),
public point and SHA-256. When the index names exactly the folder's key files, the keystore is
built from it without reading a key file or parsing a certificate (``cryptography.x509`` is not
even imported); a key is read on first use and checked against its SHA-256 then. A stale index
(other file names, or a used file whose bytes differ) is ignored: every file is parsed as before
(at load, or at that first use, before the lookup answers).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple

from cryptography.hazmat.primitives.asymmetric import ec

from harness.errors import KeystoreError

if TYPE_CHECKING:
    from cryptography import x509

USAGES = ("ka", "ds", "pp-ka")
INDEX_NAME = "keystore-index.json"
INDEX_VERSION = 2
_NAME = re.compile(r"^([0-9a-fA-F]{16})-(ka|ds|pp-ka)\.(pem|key)$")
_HARDWARE_MODULE_NAME = "1.3.6.1.5.5.7.8.4"
_X500_UNIQUE_IDENTIFIER = "2.5.4.45"
_ORGANIZATIONAL_UNIT_NAME = "2.5.4.11"

# GBCS Remote Party Role codes as carried in the certificate subject OU.
ROLE_NAMES = {
    1: "Recovery",
    2: "Supplier",
    3: "Network Operator",
    4: "ACB",
    5: "Transitional CoS",
    6: "WAN Provider",
    7: "Issuing Authority",
    8: "Other",
}
ACB_ROLE = "ACB"

Key = tuple[bytes, str]  # (eui, usage)
KeyFile = tuple[str, bytes, str, str]  # (file name, EUI, usage, kind)
PACKAGED = Path(__file__).resolve().parents[2] / "data" / "keystore"
PACKAGED_EMULATORS = Path(__file__).resolve().parents[2] / "data" / "emulator-keys"


class _StaleIndex(Exception):
    """A key file's bytes are not those its folder's index was written from."""


class _Indexed:
    """A key file the index describes, not read yet. ``point`` is the X9.62 public point of a
    ``.pem`` (None for a ``.key``); :meth:`read` checks the bytes against the index's SHA-256."""

    __slots__ = ("path", "sha256", "point")

    def __init__(self, path: str, sha256: str, point: bytes | None) -> None:
        self.path = path  # a str: 400 Paths cost milliseconds at start-up
        self.sha256 = sha256
        self.point = point

    def read(self) -> bytes:
        try:
            with open(self.path, "rb") as handle:
                data = handle.read()
        except OSError:
            raise _StaleIndex(str(self.path)) from None
        if _sha256(data) != self.sha256:
            raise _StaleIndex(str(self.path))
        return data


def _eui(value: bytes | str) -> bytes:
    if type(value) is bytes and len(value) == 8:
        return value
    if isinstance(value, str):
        value = bytes.fromhex(value)
    if len(value) != 8:
        raise ValueError(f"an EUI is 8 bytes, got {len(value)}")
    return bytes(value)


def _der_tlv(data: bytes, offset: int) -> tuple[int, int, int]:
    """(tag, value start, value end) of one DER element; short and long definite lengths."""
    tag = data[offset]
    first = data[offset + 1]
    start = offset + 2
    if first & 0x80:
        count = first & 0x7F
        length = int.from_bytes(data[start : start + count], "big")
        start += count
    else:
        length = first
    return tag, start, start + length


def _eui_from_hardware_module_name(der: bytes) -> bytes | None:
    """HardwareModuleName ::= SEQUENCE { hwType OID, hwSerialNum OCTET STRING }."""
    try:
        tag, start, end = _der_tlv(der, 0)
        if tag != 0x30:
            return None
        _, _, oid_end = _der_tlv(der, start)
        tag, s_start, s_end = _der_tlv(der, oid_end)
        serial = der[s_start:s_end]
        return serial if tag == 0x04 and len(serial) == 8 else None
    except IndexError:
        return None


def certificate_identity(cert: x509.Certificate) -> tuple[bytes | None, int | None]:
    """(EUI, role code) from a GBCS certificate: subject x500UniqueIdentifier (a BIT STRING
    holding the EUI) and OU for remote parties, SAN hardwareModuleName for devices."""
    from cryptography import x509

    eui: bytes | None = None
    role: int | None = None
    for attr in cert.subject:
        if attr.oid.dotted_string == _X500_UNIQUE_IDENTIFIER:
            raw = attr.value if isinstance(attr.value, bytes) else str(attr.value).encode()
            # cryptography returns the BIT STRING contents with the unused-bits byte first.
            if len(raw) == 9:
                raw = raw[1:]
            if len(raw) == 8:
                eui = bytes(raw)
        elif attr.oid.dotted_string == _ORGANIZATIONAL_UNIT_NAME:
            text = str(attr.value)
            if text.isdigit():
                role = int(text)
    if eui is None:
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound:
            san = None
        if san is not None:
            for name in san.get_values_for_type(x509.OtherName):
                if name.type_id.dotted_string == _HARDWARE_MODULE_NAME:
                    eui = _eui_from_hardware_module_name(name.value)
                    if eui:
                        break
    return eui, role


class Keystore:
    """Public and private P-256 keys by (EUI, usage); roles by EUI. Lookups return None when a
    key is unknown. Key material is never shown by ``repr``."""

    def __init__(self) -> None:
        # Values not yet loaded (from an index) are _Indexed files, read on first use.
        self._public: dict[Key, ec.EllipticCurvePublicKey | _Indexed] = {}
        self._private: dict[Key, ec.EllipticCurvePrivateKey | _Indexed] = {}
        self._roles: dict[bytes, int] = {}  # certificate OU role codes
        self._devices: set[bytes] = set()  # device certificates and registered device keys
        self._files: dict[Key, list[str]] = {}
        self.source: str | None = None
        self._acb: tuple[bytes | None] | None = None  # memo of ``acb``; None = not computed
        # How to build this keystore again without indexes (set when an index was used), and the
        # keys registered since, replayed after such a rebuild.
        self._rebuild: Callable[[], Keystore] | None = None
        self._registered: list[tuple[str, tuple[Any, ...]]] = []

    # -- loading ------------------------------------------------------------------------------
    @classmethod
    def from_folder(cls, path: str | Path, *, use_index: bool = True) -> Keystore:
        """Load every ``<eui>-<usage>.<pem|key>`` file of ``path``. Other files are ignored.
        A matching ``keystore-index.json`` spares the reading (see the module docstring)."""
        folder = Path(path)
        if not folder.is_dir():
            raise KeystoreError(f"keystore folder {folder} does not exist")
        files = _key_files(folder)
        entries = _entries_from_index(folder, files) if use_index else None
        store = cls()
        if entries is None:
            entries = [_parse_entry(folder / name, eui, usage, kind) for name, eui, usage, kind in files]
        else:
            store._rebuild = lambda: cls.from_folder(folder, use_index=False)
        store.source = str(folder)
        aliases: list[_Entry] = []
        for entry in entries:
            key = (entry.eui, entry.usage)
            if entry.kind == "key":
                assert entry.private is not None
                store._private[key] = entry.private
                store._acb = None
            else:
                assert entry.public is not None
                store._public[key] = entry.public
                if entry.is_cert:
                    # A certificate's role belongs to the EUI it names (the file name may differ).
                    store._set_role(entry.cert_eui or entry.eui, entry.role)
                if entry.cert_eui is not None and entry.cert_eui != entry.eui:
                    aliases.append(entry)
            store._files.setdefault(key, []).append(entry.name)
        for entry in aliases:
            # The certificate's own EUI, unless a file named for it exists.
            assert entry.cert_eui is not None and entry.public is not None
            key = (entry.cert_eui, entry.usage)
            if key not in store._public:
                store._public[key] = entry.public
                store._files.setdefault(key, []).append(entry.name)
        return store

    @classmethod
    def packaged(cls) -> Keystore:
        """The RTDS 4.5.0 test keystore shipped in ``harness/data/keystore`` (test keys only)."""
        return cls.from_folder(PACKAGED)

    @classmethod
    def packaged_with_emulators(cls, *, use_index: bool = True) -> Keystore:
        """The RTDS test keystore plus the *public* keys of the emulated devices
        (``harness/data/emulator-keys``, test only), so what the emulated bench sends verifies."""
        store = cls.from_folder(PACKAGED, use_index=use_index)
        folder = PACKAGED_EMULATORS
        devices = cls.from_folder(folder, use_index=use_index)
        for name in sorted(os.listdir(folder)):
            match = _NAME.match(name)
            if match and match.group(3) == "pem":
                key = (bytes.fromhex(match.group(1)), match.group(2))
                public = devices._public.get(key)  # an _Indexed file stays unread until used
                if public is None:
                    public = devices.public(*key)
                if public is not None:
                    store._adopt_public(key, public)
        if store._rebuild is not None or devices._rebuild is not None:
            store._rebuild = lambda: cls.packaged_with_emulators(use_index=False)
        store.source = f"{store.source} + {folder}"
        return store

    def _adopt_public(self, key: Key, public: ec.EllipticCurvePublicKey | _Indexed) -> None:
        """``add_public(*key, public, role="device")`` for a key perhaps not read yet."""
        self._acb = None
        self._public[key] = public
        self._register_role(key[0], "device")

    def _reload(self) -> None:
        """An index turned out stale: rebuild from the files as if there were none, then replay
        the keys registered since loading."""
        assert self._rebuild is not None
        fresh = self._rebuild()
        registered = self._registered
        source = self.source
        self.__dict__.update(fresh.__dict__)
        self.source = source
        self._registered = []
        for method, args in registered:
            getattr(self, method)(*args)

    # -- lookups ------------------------------------------------------------------------------
    def private(self, eui: bytes | str, usage: str) -> ec.EllipticCurvePrivateKey | None:
        key = (_eui(eui), usage)
        found = self._private.get(key)
        if type(found) is _Indexed:
            try:
                data = found.read()
            except _StaleIndex:
                self._reload()
                return self.private(eui, usage)
            found = self._private[key] = _load_private(Path(found.path), data)
        return found  # type: ignore[return-value]

    def public(self, eui: bytes | str, usage: str) -> ec.EllipticCurvePublicKey | None:
        key = (_eui(eui), usage)
        found = self._public.get(key)
        if type(found) is _Indexed:
            try:
                found.read()
            except _StaleIndex:
                self._reload()
                return self.public(eui, usage)
            assert found.point is not None
            found = self._public[key] = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), found.point)
        elif found is None:
            private = self.private(*key)
            if private is not None:
                found = private.public_key()
                self._public[key] = found
        return found  # type: ignore[return-value]

    def ka_private(self, eui: bytes | str) -> ec.EllipticCurvePrivateKey | None:
        return self.private(eui, "ka")

    def ka_public(self, eui: bytes | str) -> ec.EllipticCurvePublicKey | None:
        return self.public(eui, "ka")

    def ds_private(self, eui: bytes | str) -> ec.EllipticCurvePrivateKey | None:
        return self.private(eui, "ds")

    def ds_public(self, eui: bytes | str) -> ec.EllipticCurvePublicKey | None:
        return self.public(eui, "ds")

    def role_code(self, eui: bytes | str) -> int | None:
        """The certificate OU role code (1..8), None for devices and unknown EUIs."""
        return self._roles.get(_eui(eui))

    def role_of(self, eui: bytes | str) -> str | None:
        """Remote-party role name ("Supplier", "Network Operator", "ACB", ...) or None."""
        code = self.role_code(eui)
        if code is None:
            return None
        return ROLE_NAMES.get(code, f"role {code:02d}")

    def is_device(self, eui: bytes | str) -> bool:
        """A device: a certificate without a remote-party role (device certificates carry the EUI
        in the SAN hardwareModuleName), or a key registered without a role."""
        return _eui(eui) in self._devices

    def euis_with_role(self, role: str) -> list[bytes]:
        return sorted(e for e, code in self._roles.items() if ROLE_NAMES.get(code) == role)

    @property
    def acb(self) -> bytes | None:
        """The Access Control Broker's EUI (a KA private key holder with OU 04), if any."""
        memo = self._acb
        if memo is None:
            memo = self._acb = (self._find_acb(),)
        return memo[0]

    def _find_acb(self) -> bytes | None:
        candidates = self.euis_with_role(ACB_ROLE)
        with_private = [e for e in candidates if (e, "ka") in self._private]
        chosen = with_private or candidates
        return chosen[0] if chosen else None

    def files_for(self, eui: bytes | str, usage: str) -> list[str]:
        """File names that provided a key (for diagnostics)."""
        return list(self._files.get((_eui(eui), usage), []))

    # -- registration (emulated devices, generated keys) ----------------------------------------
    def add_private(self, eui: bytes | str, usage: str, key: ec.EllipticCurvePrivateKey,
                    role: int | str | None = None) -> None:
        """Register a private key (and its public half). ``role``: an OU code (2), a role name
        ("Supplier"), "device", or None to leave what is known about the EUI unchanged."""
        _check_usage(usage)
        e = _eui(eui)
        self._registered.append(("add_private", (e, usage, key, role)))
        self._acb = None
        self._private[(e, usage)] = key
        self._public[(e, usage)] = key.public_key()
        self._register_role(e, role)

    def add_public(self, eui: bytes | str, usage: str, key: ec.EllipticCurvePublicKey,
                   role: int | str | None = None) -> None:
        """Register a trusted public key; ``role`` as for :meth:`add_private`."""
        _check_usage(usage)
        e = _eui(eui)
        self._registered.append(("add_public", (e, usage, key, role)))
        self._acb = None
        self._public[(e, usage)] = key
        self._register_role(e, role)

    def _register_role(self, eui: bytes, role: int | str | None) -> None:
        if role is None:
            return
        self._acb = None
        if role == "device":
            self._roles.pop(eui, None)
            self._devices.add(eui)
            return
        if isinstance(role, str):
            codes = [code for code, name in ROLE_NAMES.items() if name == role]
            if not codes:
                raise ValueError(f"unknown role {role!r}; one of {sorted(ROLE_NAMES.values())} or 'device'")
            role = codes[0]
        self._set_role(eui, role)

    def _set_role(self, eui: bytes, role: int | None) -> None:
        self._acb = None
        if role is None:
            if eui not in self._roles:
                self._devices.add(eui)
        else:
            self._roles[eui] = role
            self._devices.discard(eui)

    def __iter__(self) -> Iterator[Key]:
        return iter(sorted(set(self._public) | set(self._private)))

    def __len__(self) -> int:
        return len(set(self._public) | set(self._private))

    def __repr__(self) -> str:
        return (f"Keystore(source={self.source!r}, public={len(self._public)}, "
                f"private={len(self._private)}, remote_parties={len(self._roles)}, devices={len(self._devices)})")


class _Entry(NamedTuple):
    """What one key file contributes: a private key (or its unread file), or a public key (or
    its unread file) with the certificate's identity."""

    name: str
    eui: bytes
    usage: str
    kind: str  # "key" (PKCS#8 private key) or "pem" (certificate or bare public key)
    private: ec.EllipticCurvePrivateKey | _Indexed | None = None
    public: ec.EllipticCurvePublicKey | _Indexed | None = None
    cert_eui: bytes | None = None
    role: int | None = None
    is_cert: bool = False


def _key_files(folder: Path) -> list[KeyFile]:
    """(file name, EUI, usage, kind) of every key file of ``folder``, sorted by name."""
    found = []
    for name in sorted(os.listdir(folder)):  # names, not Paths: Paths cost ms at start-up
        match = _NAME.match(name)
        if match:
            found.append((name, bytes.fromhex(match.group(1)), match.group(2), match.group(3)))
    return found


def _parse_entry(file: Path, eui: bytes, usage: str, kind: str) -> _Entry:
    if kind == "key":
        return _Entry(file.name, eui, usage, kind, private=_load_private(file))
    public, cert_eui, role, is_cert = _load_public(file)
    return _Entry(file.name, eui, usage, kind, public=public, cert_eui=cert_eui, role=role, is_cert=is_cert)


def _sha256(data: bytes) -> str:
    """Hex SHA-256 with the hash ``cryptography`` already loaded (hashlib would load OpenSSL twice)."""
    from cryptography.hazmat.primitives import hashes

    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    return digest.finalize().hex()


def _entries_from_index(folder: Path, files: list[KeyFile]) -> list[_Entry] | None:
    """The entries of ``folder``'s index (no key file read) when it names exactly these files,
    else None."""
    try:
        index: dict[str, Any] = json.loads((folder / INDEX_NAME).read_text(encoding="utf-8"))
        if index.get("version") != INDEX_VERSION:
            return None
        rows = index["files"]
        if [row[0] for row in rows] != [name for name, *_ in files]:
            return None
        entries = []
        join = os.path.join
        where = str(folder)
        for (name, eui, usage, kind), (_, cert_eui, role, is_cert, point, sha256) in zip(files, rows, strict=True):
            if type(sha256) is not str:
                return None
            if kind == "key":
                entries.append(_Entry(name, eui, usage, kind, private=_Indexed(join(where, name), sha256, None)))
            else:
                entries.append(_Entry(name, eui, usage, kind, public=_Indexed(join(where, name), sha256,
                                                                              bytes.fromhex(point)),
                                      cert_eui=bytes.fromhex(cert_eui) if cert_eui else None,
                                      role=role, is_cert=bool(is_cert)))
        return entries
    except (OSError, ValueError, KeyError, TypeError):
        return None


def index_is_current(folder: str | Path) -> bool:
    """Whether ``folder``'s index describes every key file as it is (names and bytes): what a
    test asserts of the packaged folders; start-up checks only the files it reads."""
    folder = Path(folder)
    files = _key_files(folder)
    entries = _entries_from_index(folder, files)
    if entries is None:
        return False
    for entry in entries:
        indexed = entry.private if entry.kind == "key" else entry.public
        assert isinstance(indexed, _Indexed)
        try:
            indexed.read()
        except _StaleIndex:
            return False
    return True


def write_index(folder: str | Path) -> Path:
    """Parse every key file of ``folder`` and write its ``keystore-index.json``."""
    serialization = _serialization()
    folder = Path(folder)
    rows: list[list[Any]] = []
    for name, eui, usage, kind in _key_files(folder):
        entry = _parse_entry(folder / name, eui, usage, kind)
        point = None
        if isinstance(entry.public, ec.EllipticCurvePublicKey):
            point = entry.public.public_bytes(serialization.Encoding.X962,
                                              serialization.PublicFormat.UncompressedPoint).hex()
        rows.append([name, entry.cert_eui.hex() if entry.cert_eui else None, entry.role,
                     entry.is_cert, point, _sha256((folder / name).read_bytes())])
    head = json.dumps({"version": INDEX_VERSION})[:-1]
    body = ",\n".join(json.dumps(row) for row in rows)  # one file a line
    target = folder / INDEX_NAME
    target.write_text(f'{head}, "files": [\n{body}\n]}}\n', encoding="utf-8")
    return target


def _serialization() -> ModuleType:
    """``cryptography``'s key serialization, imported when a key file is parsed (its SSH half
    costs milliseconds a keystore built from its index may never need)."""
    from cryptography.hazmat.primitives import serialization

    return serialization


def _check_usage(usage: str) -> None:
    if usage not in USAGES:
        raise ValueError(f"usage must be one of {USAGES}, got {usage!r}")


def _load_private(file: Path, data: bytes | None = None) -> ec.EllipticCurvePrivateKey:
    """The P-256 private key of ``file`` (its bytes ``data`` when already read)."""
    try:
        key = _serialization().load_pem_private_key(file.read_bytes() if data is None else data, password=None)
    except (ValueError, TypeError, OSError) as exc:
        raise KeystoreError(f"{file}: not a readable unencrypted PKCS#8 private key ({type(exc).__name__})") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise KeystoreError(f"{file}: not a P-256 private key")
    return key


def _load_public(file: Path) -> tuple[ec.EllipticCurvePublicKey, bytes | None, int | None, bool]:
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise KeystoreError(f"{file}: cannot read ({exc.strerror})") from None
    eui: bytes | None = None
    role: int | None = None
    is_cert = b"BEGIN CERTIFICATE" in data
    key: object
    try:
        if is_cert:
            from cryptography import x509

            cert = x509.load_pem_x509_certificate(data)
            key = cert.public_key()
            eui, role = certificate_identity(cert)
        else:
            key = _serialization().load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise KeystoreError(f"{file}: not a readable certificate or public key ({type(exc).__name__})") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise KeystoreError(f"{file}: not a P-256 public key")
    return key, eui, role, is_cert
