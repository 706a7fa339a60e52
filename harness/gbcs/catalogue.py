"""The use-case catalogue as data (``catalogue.yaml``): id, name, message code, payload family,
target device role, critical (SME.C.C), replay protection, date-time in the response.

Provisional codes (the SECMP0002 debt-register resets) can be overridden per profile:
``Catalogue.load({"ECS07r": 0x0F11})``.

``catalogue.yaml`` is the source; ``catalogue_compiled.py`` is generated from it
(``python3 -m harness.gbcs.catalogue``) so that a process does not parse YAML at start-up. The
compiled module records the YAML's SHA-256 (what ``tests/gbcs/test_cold_start.py`` checks) and its
length and CRC-32 (what start-up checks: no hashlib, whose OpenSSL costs milliseconds to load):
when the YAML was edited without recompiling, the YAML is parsed instead (correct, just slower)
and the test fails.
"""

from __future__ import annotations

import binascii
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from harness.errors import EncodeError

FAMILIES = ("gbz", "dlms", "asn1")


@dataclass(frozen=True)
class UseCase:
    id: str
    name: str
    message_code: int
    family: str
    target: str
    critical: bool
    replay_protected: bool
    response_date_time: bool
    kind: str = "command"  # or "alert"
    provisional: bool = False

    @property
    def title(self) -> str:
        return f"{self.id} {self.name}"


class Catalogue:
    """Look-ups by id and by message code."""

    def __init__(self, use_cases: list[UseCase]) -> None:
        self._by_id: dict[str, UseCase] = {}
        self._by_code: dict[int, UseCase] = {}
        for uc in use_cases:
            if uc.id in self._by_id:
                raise ValueError(f"duplicate use case id {uc.id}")
            if uc.message_code in self._by_code:
                other = self._by_code[uc.message_code].id
                raise ValueError(f"message code 0x{uc.message_code:04X} used by {other} and {uc.id}")
            self._by_id[uc.id] = uc
            self._by_code[uc.message_code] = uc

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, use_case_id: object) -> bool:
        return use_case_id in self._by_id

    def by_id(self, use_case_id: str) -> UseCase:
        try:
            return self._by_id[use_case_id]
        except KeyError:
            raise KeyError(f"unknown use case {use_case_id!r}") from None

    def by_code(self, code: int) -> UseCase | None:
        return self._by_code.get(code)

    @classmethod
    def load(cls, overrides: dict[str, int] | None = None, *, text: str | None = None) -> Catalogue:
        """Load the packaged catalogue (or ``text``), applying message-code ``overrides``."""
        items = packaged_use_cases() if text is None else parse_yaml(text)
        for uid, code in (overrides or {}).items():
            idx = next((i for i, uc in enumerate(items) if uc.id == uid), None)
            if idx is None:
                raise EncodeError(f"override for unknown use case {uid!r}")
            if not isinstance(code, int) or not 0 <= code <= 0xFFFF:
                raise EncodeError(f"override for {uid}: message code {code!r} is not 0..0xFFFF")
            items[idx] = replace(items[idx], message_code=code)
        return cls(items)


def _use_case(d: dict[str, Any]) -> UseCase:
    family = d["family"]
    if family not in FAMILIES:
        raise ValueError(f"use case {d.get('id')}: family {family!r}")
    return UseCase(
        id=str(d["id"]), name=str(d["name"]), message_code=int(d["message_code"]), family=family,
        target=str(d["target"]), critical=bool(d["critical"]), replay_protected=bool(d["replay_protected"]),
        response_date_time=bool(d["response_date_time"]), kind=str(d.get("kind", "command")),
        provisional=bool(d.get("provisional", False)),
    )


def parse_yaml(text: str) -> list[UseCase]:
    """Use cases of a catalogue YAML text (the slow path: PyYAML imported on demand)."""
    import yaml

    raw = yaml.safe_load(text) or {}
    return [_use_case(d) for d in raw.get("use_cases", [])]


def _yaml_text() -> str:
    # Next to this module, as write_compiled() writes (importlib.resources costs ms to import).
    return Path(__file__).with_name("catalogue.yaml").read_text(encoding="utf-8")


def yaml_digest(text: str) -> str:
    """The YAML's SHA-256 (recorded in the compiled module; the test compares it)."""
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def yaml_fingerprint(text: str) -> tuple[int, int]:
    """(length in bytes, CRC-32) of the YAML: the start-up check that the compiled module is it."""
    data = text.encode("utf-8")
    return len(data), binascii.crc32(data)


def packaged_use_cases() -> list[UseCase]:
    """The packaged use cases: the compiled module when it matches ``catalogue.yaml``."""
    text = _yaml_text()
    try:
        from harness.gbcs import catalogue_compiled as compiled
    except ImportError:
        compiled = None  # type: ignore[assignment]
    if (compiled is not None and getattr(compiled, "YAML_FINGERPRINT", None) == yaml_fingerprint(text)
            and compiled.FIELDS == tuple(f.name for f in fields(UseCase))):
        return [UseCase(*row) for row in compiled.USE_CASES]
    return parse_yaml(text)


def compiled_source(text: str) -> str:
    """The text of ``catalogue_compiled.py`` for the catalogue YAML ``text``."""
    names = [f.name for f in fields(UseCase)]
    lines = [
        '"""Generated from catalogue.yaml by ``python3 -m harness.gbcs.catalogue``: do not edit."""',
        "",
        f"YAML_SHA256 = {yaml_digest(text)!r}",
        f"YAML_FINGERPRINT = {yaml_fingerprint(text)!r}  # (length, CRC-32): the start-up check",
        f"FIELDS = {tuple(names)!r}",
        "USE_CASES = (",
    ]
    for uc in parse_yaml(text):
        lines.append(f"    {tuple(getattr(uc, n) for n in names)!r},")
    lines.append(")")
    return "\n".join(lines) + "\n"


def write_compiled() -> Path:
    """Regenerate ``catalogue_compiled.py`` next to this module from ``catalogue.yaml``."""
    target = Path(__file__).with_name("catalogue_compiled.py")
    target.write_text(compiled_source(_yaml_text()), encoding="utf-8")
    return target


CATALOGUE = Catalogue.load()

if __name__ == "__main__":  # python3 -m harness.gbcs.catalogue
    print(f"wrote {write_compiled()}", file=sys.stderr)
