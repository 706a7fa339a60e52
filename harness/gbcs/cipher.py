"""The interface between payload codecs and security: encryption of GBZ components and
protected DLMS attributes. Implemented in :mod:`harness.gbcs.security.content`."""

from __future__ import annotations

from typing import Protocol


class ContentCipher(Protocol):
    """AES-128-GCM with the key and IV of one message (GBCS content protection)."""

    def encrypt(self, plaintext: bytes) -> bytes:
        """Return ciphertext || 12-byte tag."""
        ...

    def decrypt(self, data: bytes) -> bytes:
        """``data`` is ciphertext || 12-byte tag; raise SecurityError on a bad tag."""
        ...
