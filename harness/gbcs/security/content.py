"""Content encryption (facts 5.3): encrypted GBZ components and protected DLMS attributes.

ECDH between the device (grouping originator) and the target remote party (the Supplementary
Remote Party ID when present, else the grouping recipient). OtherInfo: originator, 09, 04, counter
(the Supplementary Originator Counter when the other-information is 26 bytes long, else the
grouping counter), remote party. AES-128-GCM, IV = originator EUI || 00000000, AAD = 31, 12-byte
tag after the ciphertext.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from harness.errors import SecurityError
from harness.gbcs.cipher import ContentCipher
from harness.gbcs.frame import GbcsMessage
from harness.gbcs.security.kdf import CONTENT_FLAG, derive_key, other_info
from harness.gbcs.security.keystore import Keystore

AAD = b"\x31"
TAG_LENGTH = 12


class GcmContentCipher:
    """AES-128-GCM with one message's content key and IV (a :class:`ContentCipher`)."""

    __slots__ = ("_key", "_iv", "_aead")

    def __init__(self, key: bytes, iv: bytes) -> None:
        if len(key) != 16 or len(iv) != 12:
            raise ValueError("content cipher needs a 16-byte key and a 12-byte IV")
        self._key = key
        self._iv = iv
        self._aead: AESGCM | None = None  # built on first encrypt (decoding never needs it)

    def encrypt(self, plaintext: bytes) -> bytes:
        aead = self._aead
        if aead is None:
            aead = self._aead = AESGCM(self._key)
        sealed = aead.encrypt(self._iv, plaintext, AAD)
        return sealed[: len(plaintext) + TAG_LENGTH]

    def decrypt(self, data: bytes) -> bytes:
        if len(data) < TAG_LENGTH:
            raise SecurityError(f"encrypted content of {len(data)} bytes is shorter than its 12-byte tag")
        body, tag = data[:-TAG_LENGTH], data[-TAG_LENGTH:]
        decryptor = Cipher(algorithms.AES(self._key), modes.GCM(self._iv, tag, min_tag_length=TAG_LENGTH)).decryptor()
        decryptor.authenticate_additional_data(AAD)
        try:
            return decryptor.update(body) + decryptor.finalize()
        except InvalidTag:
            raise SecurityError("encrypted content failed its GCM tag check (wrong key or tampered)") from None

    def __repr__(self) -> str:
        return "GcmContentCipher(<key hidden>)"


def content_remote_party(msg: GbcsMessage) -> bytes:
    """Whom the content is encrypted for: the Supplementary Remote Party ID, else the recipient."""
    return msg.other_information.supplementary_remote_party_id or msg.recipient


def content_counter(msg: GbcsMessage) -> int:
    oi = msg.other_information
    if oi.supplementary_originator_counter is not None:
        return oi.supplementary_originator_counter
    return msg.originator_counter


def content_other_info(msg: GbcsMessage) -> bytes:
    return other_info(msg.originator, CONTENT_FLAG, content_counter(msg), content_remote_party(msg))


def _content_key_pair(msg: GbcsMessage, keystore: Keystore) -> tuple[ec.EllipticCurvePrivateKey,
                                                                     ec.EllipticCurvePublicKey] | None:
    remote = content_remote_party(msg)
    private = keystore.ka_private(msg.originator)
    public = keystore.ka_public(remote)
    if private is None or public is None:
        private = keystore.ka_private(remote)
        public = keystore.ka_public(msg.originator)
        if private is None or public is None:
            return None
    return private, public


def content_cipher_for(msg: GbcsMessage, keystore: Keystore) -> ContentCipher | None:
    """The content cipher of ``msg`` from whichever side the keystore holds a private key for:
    the originating device (emulators) or the target remote party (the bench). None if neither."""
    pair = _content_key_pair(msg, keystore)
    if pair is None:
        return None
    key = derive_key(pair[0], pair[1], content_other_info(msg))
    return GcmContentCipher(key, msg.originator + b"\x00\x00\x00\x00")


class DeferredContentCipher:
    """:func:`content_cipher_for`'s cipher with the key derived on first use: most decoded
    messages carry nothing encrypted, so the KDF is skipped for them (a :class:`ContentCipher`)."""

    __slots__ = ("_msg", "_pair", "_cipher")

    def __init__(self, msg: GbcsMessage, pair: tuple[ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey]) -> None:
        self._msg = msg
        self._pair = pair
        self._cipher: GcmContentCipher | None = None

    def _get(self) -> GcmContentCipher:
        cipher = self._cipher
        if cipher is None:
            msg = self._msg
            key = derive_key(self._pair[0], self._pair[1], content_other_info(msg))
            cipher = self._cipher = GcmContentCipher(key, msg.originator + b"\x00\x00\x00\x00")
        return cipher

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._get().encrypt(plaintext)

    def decrypt(self, data: bytes) -> bytes:
        return self._get().decrypt(data)

    def __repr__(self) -> str:
        return "DeferredContentCipher(<key hidden>)"


def deferred_content_cipher_for(msg: GbcsMessage, keystore: Keystore) -> ContentCipher | None:
    """Like :func:`content_cipher_for` (None exactly when it gives None), deriving the key only
    when something is encrypted or decrypted."""
    pair = _content_key_pair(msg, keystore)
    return None if pair is None else DeferredContentCipher(msg, pair)
