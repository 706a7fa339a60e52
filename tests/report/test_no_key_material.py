"""Private key material never appears in any output of a cycle.

A real ``harness run`` on the emulated default bench with both suites (every command is MACed
with the ACB key, critical ones signed with the Supplier key; emulated devices sign and MAC
with theirs), plus ``harness decode --keys default`` and ``harness send``: every file the cycle
writes (report, pytest-html pages, JUnit, records, logs, captures, the SQLite store) and every
command's output is searched for each private key of the keystores in every spelling it could
leak in (PEM body, PKCS#8 DER, the raw 32-byte scalar in hex and base64).
"""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

REPO = Path(__file__).resolve().parents[2]
KEY_FOLDERS = (REPO / "harness" / "data" / "keystore", REPO / "harness" / "data" / "emulator-keys")


def _spellings(path: Path) -> list[bytes]:
    """Byte strings any leak of this private key would contain."""
    pem = path.read_bytes()
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    scalar = key.private_numbers().private_value.to_bytes(32, "big")
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    body = b"".join(line for line in pem.splitlines() if line and not line.startswith(b"-----"))
    return [scalar, der, body[16:64], scalar.hex().encode(), scalar.hex().upper().encode(),
            base64.b64encode(scalar), b"PRIVATE KEY"]


def _secrets() -> dict[str, list[bytes]]:
    keys = {p.name: _spellings(p) for folder in KEY_FOLDERS for p in sorted(folder.glob("*.key"))}
    assert len(keys) >= 10, "the keystores hold the remote-party and emulated-device private keys"
    return keys


def _leaks(blob: bytes, where: str, secrets: dict[str, list[bytes]]) -> list[str]:
    return [f"{where}: {name}" for name, spellings in secrets.items() if any(s in blob for s in spellings)]


def _harness(*argv: str, cwd: Path = REPO) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "harness.cli", *argv], cwd=cwd, capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def cycle_outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[bytes]]:
    lab = tmp_path_factory.mktemp("keys")
    done = _harness("run", "--all-captures", "--bench", "device_profiles/benches/emulated-default.yaml",
                    "--suites", "tests/compliance/secmp0002", "--suites", "tests/compliance/secmp0015",
                    "--cycle-id", "CKEYS", "--store", str(lab / "cycles.sqlite"), "--reports", str(lab / "reports"))
    return lab, done


def test_the_spellings_would_be_found() -> None:
    """The search can fail: a PEM file itself is flagged."""
    secrets = _secrets()
    some = next(iter(secrets))
    folder = next(f for f in KEY_FOLDERS if (f / some).exists())
    assert _leaks((folder / some).read_bytes(), "key file", secrets)


def test_no_private_key_in_any_file_of_a_cycle(cycle_outputs: tuple[Path, subprocess.CompletedProcess[bytes]]) -> None:
    lab, done = cycle_outputs
    assert done.returncode == 0, (done.stdout + done.stderr).decode(errors="replace")[-2000:]
    secrets = _secrets()
    files = [p for p in lab.rglob("*") if p.is_file()]
    names = {p.suffix for p in files}
    assert {".html", ".xml", ".jsonl", ".pcapng", ".sqlite"} <= names, names
    leaks = [leak for p in files for leak in _leaks(p.read_bytes(), str(p.relative_to(lab)), secrets)]
    leaks += _leaks(done.stdout + done.stderr, "harness run output", secrets)
    assert not leaks, leaks


def test_no_private_key_in_decode_or_send_output() -> None:
    secrets = _secrets()
    rtds = REPO / "tests" / "data" / "rtds" / "RTDS-4.5.0"
    files = [str(p) for p in sorted(rtds.glob("2.3_*/*.HEX"))]  # signed critical debt commands/responses
    decoded = _harness("decode", "--keys", "default", "--json", *files)
    assert decoded.returncode == 0 and decoded.stdout.count(b"\n") == len(files)
    sent = _harness("send", "--json", "GCS04r", "register=TDR1")
    assert sent.returncode == 0, sent.stderr.decode(errors="replace")
    leaks = _leaks(decoded.stdout + decoded.stderr, "harness decode", secrets)
    leaks += _leaks(sent.stdout + sent.stderr, "harness send", secrets)
    assert not leaks, leaks
