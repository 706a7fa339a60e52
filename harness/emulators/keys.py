"""Fresh TEST-ONLY key pairs for an emulated device, in the layout of
``harness/data/emulator-keys`` (``<eui>-ka.key`` private, ``<eui>-ka.pem`` public, the same for
``ds``): a generated bench variant names the folder as its devices' ``keys:``."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def write_device_keys(folder: Path, eui: str) -> None:
    """New P-256 KA and DS key pairs for ``eui`` in ``folder`` (never for a real device)."""
    folder.mkdir(parents=True, exist_ok=True)
    for usage in ("ka", "ds"):
        key = ec.generate_private_key(ec.SECP256R1())
        (folder / f"{eui.lower()}-{usage}.key").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        (folder / f"{eui.lower()}-{usage}.pem").write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
