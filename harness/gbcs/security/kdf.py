"""ECDH (P-256) and the GBCS single-step concatenation KDF (SHA-256, one round).

key = first 16 bytes of SHA-256(00000001 || Z || OtherInfo), OtherInfo 33 bytes:
AlgorithmID 60857406080300 || originator EUI || 09 || CRA (or 04 for content) || counter (8) ||
recipient EUI. Shared secrets are cached per (private key, public key) pair and derived keys per
(Z, OtherInfo): verification of many messages between the same parties costs one ECDH.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash

ALGORITHM_ID = bytes.fromhex("60857406080300")  # OID 2.16.756.5.8.3.0, value octets only
CONTENT_FLAG = 0x04  # replaces the CRA flag in the OtherInfo of content-encryption keys
KEY_LENGTH = 16
_CACHE_LIMIT = 4096

# id(private), id(public) -> (private, public, Z); the key objects are held so ids stay unique.
_shared: dict[tuple[int, int], tuple[ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey, bytes]] = {}
_derived: dict[tuple[bytes, bytes], bytes] = {}


def other_info(originator: bytes, flag: int, counter: int, recipient: bytes) -> bytes:
    """The 33-byte OtherInfo of GBCS key derivation."""
    return ALGORITHM_ID + originator + bytes((0x09, flag)) + counter.to_bytes(8, "big") + recipient


def shared_secret(private: ec.EllipticCurvePrivateKey, public: ec.EllipticCurvePublicKey) -> bytes:
    """Z: the 32-byte x-coordinate of ECDH(private, public), cached per key pair."""
    slot = (id(private), id(public))
    hit = _shared.get(slot)
    if hit is not None and hit[0] is private and hit[1] is public:
        return hit[2]
    z = private.exchange(ec.ECDH(), public)
    if len(_shared) >= _CACHE_LIMIT:
        _shared.clear()
    _shared[slot] = (private, public, z)
    return z


def concat_kdf(z: bytes, info: bytes, length: int = KEY_LENGTH) -> bytes:
    """NIST SP 800-56A single-step KDF with SHA-256 (cryptography's ConcatKDFHash), cached."""
    slot = (z, info)
    key = _derived.get(slot)
    if key is None:
        key = ConcatKDFHash(algorithm=hashes.SHA256(), length=length, otherinfo=info).derive(z)
        if len(_derived) >= _CACHE_LIMIT:
            _derived.clear()
        _derived[slot] = key
    return key


def derive_key(private: ec.EllipticCurvePrivateKey, public: ec.EllipticCurvePublicKey, info: bytes) -> bytes:
    """The 16-byte AES key of one (key pair, OtherInfo)."""
    return concat_kdf(shared_secret(private, public), info)


def clear_caches() -> None:
    _shared.clear()
    _derived.clear()
