"""``harness emulate`` (a separate process) uses the key pairs a device profile names, as the
in-process bench does: a generated variant with fresh TEST-ONLY keys verifies either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.bench.api import Verdict
from harness.bench.bench import Bench
from harness.emulators.keys import write_device_keys

DEVICES = Path(__file__).resolve().parents[2] / "device_profiles" / "devices"
GPF_EUI = "00DB12345678E0A3"


@pytest.mark.parametrize("connection", ["emulated", "emulated-process"])
def test_a_device_with_its_own_keys_answers_with_a_mac_that_verifies(tmp_path: Path, connection: str) -> None:
    keys = tmp_path / "keys"
    write_device_keys(keys, GPF_EUI)
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
