"""``harness emulate`` (a separate process) uses the key pairs a device profile names, as the
in-process bench does: a generated variant with fresh TEST-ONLY keys verifies either way."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from harness.bench.api import Verdict
from harness.bench.bench import Bench

DEVICES = Path(__file__).resolve().parents[2] / "device_profiles" / "devices"
GPF_EUI = "00DB12345678E0A3"


def _fresh_keys(folder: Path, eui: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for usage in ("ka", "ds"):
        key = ec.generate_private_key(ec.SECP256R1())
        (folder / f"{eui.lower()}-{usage}.key").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        (folder / f"{eui.lower()}-{usage}.pem").write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


@pytest.mark.parametrize("connection", ["emulated", "emulated-process"])
def test_a_device_with_its_own_keys_answers_with_a_mac_that_verifies(tmp_path: Path, connection: str) -> None:
    keys = tmp_path / "keys"
    _fresh_keys(keys, GPF_EUI)
    profile = tmp_path / "bench.yaml"
    profile.write_text("\n".join([
        "kind: bench", "name: fresh-keys", "connection:", f"  type: {connection}",
        "timeouts:", "  response_s: 20", "  han_s: 20", "devices:",
        f"  - profile: {DEVICES / 'chf-sbch-new.yaml'}",
        f"  - profile: {DEVICES / 'gpf-sbch-new.yaml'}", f"    keys: {keys}",
        f"  - profile: {DEVICES / 'gsme-new.yaml'}",
    ]) + "\n")
    with Bench.from_profile(profile) as bench:
        bench.reset()
        gpf = bench.handle("GPF")
        assert gpf is not None
        exchange = gpf.send("GCS13a")
        assert exchange.response is not None, exchange.error
        assert exchange.response.mac is Verdict.VALID  # the emulator MACs with the fresh KA key
