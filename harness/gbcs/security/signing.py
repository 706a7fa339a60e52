"""ECDSA P-256 / SHA-256 signatures of GBCS messages: raw r||s (64 bytes) over
``msg.signed_bytes()`` (after the DF tag through the last content byte), made with the grouping
originator's DS key. Verification is over the bytes as received (``received_signed_bytes``)."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from harness.errors import SecurityError
from harness.gbcs.frame import SIGNATURE_LENGTH, GbcsMessage
from harness.gbcs.security.keystore import Keystore

VALID = "valid"
INVALID = "invalid"
UNKNOWN = "unknown"
_algorithm: list[ec.ECDSA] = []  # ECDSA(SHA-256), made on first use: it imports the OpenSSL backend


def _ecdsa() -> ec.ECDSA:
    """The one ECDSA/SHA-256 algorithm object (an unsigned message never needs it)."""
    if not _algorithm:
        _algorithm.append(ec.ECDSA(hashes.SHA256()))
    return _algorithm[0]


def sign_bytes(data: bytes, private: ec.EllipticCurvePrivateKey) -> bytes:
    """Raw 64-byte r||s ECDSA signature of ``data``."""
    r, s = decode_dss_signature(private.sign(data, _ecdsa()))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify_bytes(data: bytes, signature: bytes, public: ec.EllipticCurvePublicKey) -> bool:
    """ECDSA P-256/SHA-256 verification of a raw r||s signature, done every time: verdicts are
    never cached (a cache would answer for bytes it did not check)."""
    if len(signature) != SIGNATURE_LENGTH:
        return False
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public.verify(der, data, _ecdsa())
    except InvalidSignature:
        return False
    return True


def sign_message(msg: GbcsMessage, signer: Keystore | ec.EllipticCurvePrivateKey) -> GbcsMessage:
    """``msg`` with its signature element set, signed by the originator's DS key."""
    if isinstance(signer, Keystore):
        private = signer.ds_private(msg.originator)
        if private is None:
            raise SecurityError(f"no DS private key for {msg.originator.hex().upper()}")
    else:
        private = signer
    return msg.with_signature(sign_bytes(msg.signed_bytes(), private))


def verify_signature(msg: GbcsMessage, keys: Keystore | ec.EllipticCurvePublicKey) -> str | None:
    """"valid", "invalid" or "unknown" (no DS public key for the originator); None when unsigned."""
    if not msg.signature:
        return None
    if isinstance(keys, Keystore):
        public = keys.ds_public(msg.originator)
        if public is None:
            return UNKNOWN
    else:
        public = keys
    return VALID if verify_bytes(msg.received_signed_bytes(), msg.signature, public) else INVALID
