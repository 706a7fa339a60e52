"""GBCS security with `cryptography`: keystore, KDF, MAC, ECDSA signatures, content encryption."""

from harness.gbcs.security import kdf, mac
from harness.gbcs.security.content import GcmContentCipher, content_cipher_for
from harness.gbcs.security.keystore import Keystore
from harness.gbcs.security.mac import KeyPair, apply_mac, compute_mac, mac_key_pair, verify_mac
from harness.gbcs.security.signing import sign_bytes, sign_message, verify_bytes, verify_signature

__all__ = [
    "GcmContentCipher",
    "KeyPair",
    "Keystore",
    "apply_mac",
    "clear_caches",
    "compute_mac",
    "content_cipher_for",
    "mac_key_pair",
    "sign_bytes",
    "sign_message",
    "verify_bytes",
    "verify_mac",
    "verify_signature",
]


def clear_caches() -> None:
    """Empty every module-level security cache (shared secrets, derived keys, AES contexts; no
    verdict is ever cached): the next decode pays what a fresh process pays."""
    kdf.clear_caches()
    mac.clear_caches()
