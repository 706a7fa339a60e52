"""The use-case catalogue as data (``catalogue.yaml``): id, name, message code, payload family,
target device role, critical (SME.C.C), replay protection, date-time in the response.

Provisional codes (the SECMP0002 debt-register resets) can be overridden per profile:
``Catalogue.load({"ECS07r": 0x0F11})``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

import yaml

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
        if text is None:
            text = resources.files("harness.gbcs").joinpath("catalogue.yaml").read_text(encoding="utf-8")
        raw = yaml.safe_load(text) or {}
        items = [_use_case(d) for d in raw.get("use_cases", [])]
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


CATALOGUE = Catalogue.load()
