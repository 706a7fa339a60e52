"""Cold start of `harness decode`: the compiled catalogue is catalogue.yaml, and a decode imports
only what it uses (no YAML, no other command, no certificate parser, no bitstring, no store or
serial or lab libraries)."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from harness.gbcs import catalogue, catalogue_compiled
from harness.gbcs.catalogue import CATALOGUE, Catalogue, UseCase

ROOT = Path(__file__).resolve().parents[2]


def _yaml() -> str:
    return resources.files("harness.gbcs").joinpath("catalogue.yaml").read_text(encoding="utf-8")


def test_compiled_module_is_the_yaml() -> None:
    assert catalogue_compiled.YAML_SHA256 == catalogue.yaml_digest(_yaml()), (
        "catalogue.yaml changed: run `python3 -m harness.gbcs.catalogue` and commit catalogue_compiled.py")
    compiled_file = Path(catalogue_compiled.__file__).read_text(encoding="utf-8")
    assert compiled_file == catalogue.compiled_source(_yaml())


def test_compiled_use_cases_equal_the_parsed_yaml() -> None:
    parsed = catalogue.parse_yaml(_yaml())
    assert list(CATALOGUE) == parsed
    assert len(parsed) > 100


def test_an_edited_yaml_without_recompiling_falls_back_to_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    edited = _yaml().replace('name: "Remove device from CHF device log"', 'name: "Edited name"')
    monkeypatch.setattr(catalogue, "_yaml_text", lambda: edited)
    assert Catalogue.load().by_id("CCS02").name == "Edited name"


def test_overrides_apply_to_the_compiled_catalogue() -> None:
    loaded = Catalogue.load({"ECS07r": 0x0F11})
    assert loaded.by_id("ECS07r").message_code == 0x0F11
    assert loaded.by_code(0x0F11) == loaded.by_id("ECS07r")
    assert isinstance(loaded.by_id("CCS02"), UseCase)


def test_harness_decode_imports_only_what_it_uses() -> None:
    """A cold ``harness decode --keys default FILE`` parses no YAML and imports no other command
    (run: multiprocessing, jinja2 reports), yet still names the use case from the catalogue."""
    hex_file = next((ROOT / "tests" / "data" / "rtds" / "RTDS-4.5.0").rglob("*.HEX"))
    code = (
        "import sys, io, contextlib; from harness.cli import main\n"
        "out = io.StringIO()\n"
        f"with contextlib.redirect_stdout(out): rc = main(['decode', '--json', '--keys', 'default', {str(hex_file)!r}])\n"
        "assert rc == 0 and '\"use_case\": \"' in out.getvalue(), out.getvalue()\n"
        "print(sorted({m.split('.')[0] if m.split('.')[0] not in ('harness', 'cryptography') else m"
        " for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    loaded = set(eval(out.stdout))  # noqa: S307 - our own subprocess's printed list
    for unwanted in ("yaml", "jinja2", "multiprocessing", "concurrent", "harness.commands.run",
                     "harness.report", "harness.emulators", "harness.bench", "bitstring", "sqlalchemy",
                     "serial", "zigpy", "labgrid", "pytest", "logging", "harness.profiles"):
        assert unwanted not in loaded, f"harness decode imported {unwanted}"
    assert "cryptography.x509" not in loaded, "the packaged keystore index spares certificate parsing"
    for second_openssl in ("hmac", "hashlib"):  # _hashlib loads a second OpenSSL: cryptography has one
        assert second_openssl not in loaded, f"harness decode imported {second_openssl}"
    assert "harness.gbcs.catalogue_compiled" in loaded


def test_clock_status_bits_without_bitstring_equal_bitstring() -> None:
    from harness.gbcs.datetime import ClockStatus

    for raw in range(256):
        status = ClockStatus(raw)
        assert [status.bit(n) for n in range(8)] == [bool(status.bits[7 - n]) for n in range(8)]


def test_payload_dispatch_knows_the_dlms_tags_without_importing_dlms() -> None:
    from harness.gbcs import dlms, payload

    assert payload.DLMS_FIRST_BYTES == (dlms.TAG_ACCESS_REQUEST, dlms.TAG_ACCESS_RESPONSE,
                                        dlms.TAG_DATA_NOTIFICATION)


def test_a_gbz_decode_imports_neither_the_dlms_nor_the_asn1_codec() -> None:
    gbz = ROOT / "tests" / "data" / "rtds" / "RTDS-4.5.0" / "1.2.1_GCS01b" / \
        "GCS01b_1.2.1_CANCELLATION_BLOCK_SUCCESS_COMMAND_GBCS.HEX"
    code = (
        "import sys, io, contextlib; from harness.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()): rc = main(['decode', '--keys', 'default', {str(gbz)!r}])\n"
        "print(rc, 'harness.gbcs.gbz' in sys.modules, 'harness.gbcs.dlms' in sys.modules,"
        " 'harness.gbcs.asn1' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); {code}"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["0", "True", "False", "False"]


def test_an_unsigned_message_decode_makes_no_ecdsa_object() -> None:
    """ECDSA(SHA-256) imports cryptography's OpenSSL backend: made only when a signature is checked."""
    unsigned = ROOT / "tests" / "data" / "rtds" / "RTDS-4.5.0" / "11.2_ECS52" / "ECS52_11.2_ERROR_COMMAND_GBCS.HEX"
    code = (
        "import sys, io, contextlib; from harness.cli import main\n"
        "out = io.StringIO()\n"
        f"with contextlib.redirect_stdout(out): rc = main(['decode', '--keys', 'default', {str(unsigned)!r}])\n"
        "print(rc, 'MAC: valid; signature: none' in out.getvalue(),"
        " 'cryptography.hazmat.backends.openssl.backend' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.stdout.split() == ["0", "True", "False"]
