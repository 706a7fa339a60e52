"""The GBCS message MAC (General-Ciphering): AES-128-GCM, empty plaintext, 12-byte tag.

Key pair (facts 5.2): a command is MACed by the ACB (ACB KA private x recipient device KA public)
even when the grouping originator is the Supplier or the Network Operator; a response or alert by
the originating device (device KA private x grouping recipient KA public). Either side of the pair
verifies: the remote party with its private key and the device's public key, an emulated device
with its private key and the remote party's public key. Device-to-device commands (a device as
grouping originator, e.g. PCS01 from a PPMID) cannot be checked without device keys: "unknown".

KDF OtherInfo: grouping originator, 09, CRA flag, grouping counter, grouping recipient. IV:
originator EUI || 00000000. AAD: 11 00000000 00 || the grouping bytes (DF .. signature element).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from harness.errors import SecurityError
from harness.gbcs.frame import MAC_LENGTH, Cra, GbcsMessage, mac_aad
from harness.gbcs.security.kdf import derive_key, other_info
from harness.gbcs.security.keystore import Keystore

VALID = "valid"
INVALID = "invalid"
UNKNOWN = "unknown"
INVOCATION_COUNTER = b"\x00\x00\x00\x00"

_aead: dict[bytes, AESGCM] = {}


@dataclass(frozen=True)
class KeyPair:
    """One side's private key and the other side's public key."""

    private: ec.EllipticCurvePrivateKey
    public: ec.EllipticCurvePublicKey


def _aesgcm(key: bytes) -> AESGCM:
    aead = _aead.get(key)
    if aead is None:
        if len(_aead) >= 4096:
            _aead.clear()
        aead = _aead[key] = AESGCM(key)
    return aead


def mac_other_info(msg: GbcsMessage) -> bytes:
    return other_info(msg.originator, int(msg.cra), msg.originator_counter, msg.recipient)


def mac_key(msg: GbcsMessage, pair: KeyPair) -> bytes:
    """The AES key of this message's MAC (cached per key pair and header)."""
    return derive_key(pair.private, pair.public, mac_other_info(msg))


def compute_mac(msg: GbcsMessage, pair: KeyPair) -> bytes:
    """The 12-byte MAC of ``msg`` (its ``mac`` field is ignored)."""
    iv = msg.originator + INVOCATION_COUNTER
    tag = _aesgcm(mac_key(msg, pair)).encrypt(iv, b"", mac_aad(msg))
    return tag[:MAC_LENGTH]


def mac_matches(msg: GbcsMessage, pair: KeyPair, mac: bytes) -> bool:
    """Whether ``mac`` is the 12-byte MAC of ``msg``: GCM's own (constant-time) check of a
    truncated tag, as ``hmac.compare_digest(compute_mac(msg, pair), mac)`` without loading a
    second OpenSSL for ``hmac``."""
    if len(mac) != MAC_LENGTH:
        return False
    iv = msg.originator + INVOCATION_COUNTER
    check = Cipher(algorithms.AES(mac_key(msg, pair)), modes.GCM(iv, mac, min_tag_length=MAC_LENGTH)).decryptor()
    check.authenticate_additional_data(mac_aad(msg))
    try:
        check.finalize()
    except InvalidTag:
        return False
    return True


def mac_parties(msg: GbcsMessage, keystore: Keystore, acb: bytes | None = None) -> tuple[bytes, bytes] | None:
    """(remote party, device) whose KA keys protect the MAC, or None for device-to-device."""
    if msg.cra is Cra.COMMAND:
        if keystore.is_device(msg.originator):
            return None
        acb = acb or keystore.acb
        return None if acb is None else (acb, msg.recipient)
    return msg.recipient, msg.originator


def mac_key_pair(msg: GbcsMessage, keystore: Keystore, acb: bytes | None = None) -> KeyPair | None:
    """The key pair this keystore can use for the MAC of ``msg``, or None when it has neither
    side's private key (or the message is device-to-device)."""
    parties = mac_parties(msg, keystore, acb)
    if parties is None:
        return None
    remote, device = parties
    private = keystore.ka_private(remote)
    public = keystore.ka_public(device)
    if private is not None and public is not None:
        return KeyPair(private, public)
    private = keystore.ka_private(device)
    public = keystore.ka_public(remote)
    if private is not None and public is not None:
        return KeyPair(private, public)
    return None


def verify_mac(msg: GbcsMessage, keystore: Keystore | KeyPair, acb: bytes | None = None) -> str | None:
    """"valid", "invalid" or "unknown" (no usable key pair); None when ``msg`` has no MAC."""
    if msg.mac is None:
        return None
    pair = keystore if isinstance(keystore, KeyPair) else mac_key_pair(msg, keystore, acb)
    if pair is None:
        return UNKNOWN
    return VALID if mac_matches(msg, pair, msg.mac) else INVALID


def apply_mac(msg: GbcsMessage, keys: Keystore | KeyPair, acb: bytes | None = None) -> GbcsMessage:
    """``msg`` MAC-wrapped with its correct MAC. A pre-command gets an empty signature element."""
    if msg.signature is None:
        msg = msg.with_signature(b"")
    pair = keys if isinstance(keys, KeyPair) else mac_key_pair(msg, keys, acb)
    if pair is None:
        raise SecurityError(
            f"no KA key pair to MAC a {msg.cra.word} from {msg.originator.hex().upper()} "
            f"to {msg.recipient.hex().upper()}")
    return msg.with_mac(compute_mac(msg, pair))


def clear_caches() -> None:
    _aead.clear()
