"""Shared helpers for the payload-codec tests: RTDS files, a fixed-key content cipher (facts 5.3
test key) and, when the security package is available, the real per-message content cipher."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from harness.errors import SecurityError
from harness.gbcs.cipher import ContentCipher
from harness.gbcs.frame import GbcsMessage, parse_message

RTDS = Path(__file__).resolve().parents[2] / "data" / "rtds" / "RTDS-4.5.0"
# Content key of GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_RESPONSE (facts 5.3); IV = GPF EUI || 0.
GCS13A_GSME_KEY = bytes.fromhex("2b11caa7c88c7b480a8485a750d89420")
GPF = bytes.fromhex("00db1234567890a3")


class FixedKeyCipher:
    """AES-128-GCM with a given key, IV = originator EUI || 00000000, AAD 0x31, 12-byte tag."""

    def __init__(self, key: bytes, originator: bytes) -> None:
        self._aead = AESGCM(key)
        self._iv = originator + b"\x00\x00\x00\x00"

    def encrypt(self, plaintext: bytes) -> bytes:
        full = self._aead.encrypt(self._iv, plaintext, b"\x31")
        return full[:-16] + full[-16:-4]

    def decrypt(self, data: bytes) -> bytes:
        # AESGCM needs the full 16-byte tag; with a truncated tag, decrypt via CTR and recompute.
        ct, tag = data[:-12], data[-12:]
        plain = _ctr_decrypt(self._aead, self._iv, ct)
        if self.encrypt(plain)[-12:] != tag:
            raise SecurityError("content tag mismatch")
        return plain


def _ctr_decrypt(aead: AESGCM, iv: bytes, ct: bytes) -> bytes:
    # GCM keystream = the encryption of zeros of the same length: XOR recovers the plaintext.
    stream = aead.encrypt(iv, bytes(len(ct)), b"\x31")[: len(ct)]
    return bytes(a ^ b for a, b in zip(ct, stream))


def rtds_files() -> list[Path]:
    return sorted(RTDS.glob("*/*.HEX"))


def load(path: Path | str) -> GbcsMessage:
    p = Path(path)
    if not p.is_absolute():
        p = next(RTDS.glob(f"*/{p}"))
    return parse_message(bytes.fromhex(p.read_text().strip()))


@pytest.fixture
def rtds() -> Callable[[str], GbcsMessage]:
    return load


@pytest.fixture
def gsme_cipher() -> ContentCipher:
    return FixedKeyCipher(GCS13A_GSME_KEY, GPF)


@pytest.fixture(scope="session")
def real_cipher() -> Callable[[GbcsMessage], ContentCipher | None]:
    """Per-message content cipher from the security package (skips when not available)."""
    try:
        from harness.gbcs.security.content import content_cipher_for
        from harness.gbcs.security.keystore import Keystore
    except ImportError:  # pragma: no cover - depends on the parallel security work
        pytest.skip("harness.gbcs.security not available")
    ks = Keystore.packaged()

    def make(msg: GbcsMessage) -> ContentCipher | None:
        return content_cipher_for(msg, ks)

    return make


__all__ = ["FixedKeyCipher", "InvalidTag", "load", "rtds_files"]
