"""Date-times of a decoded tree in words, for records and reports: found once where the frame
was decoded, so the report never decodes hex again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.errors import HarnessError
from harness.gbcs.datetime import DateTime


def date_times(tree: Any, path: str = "") -> list[list[str]]:
    """``[[field path, words], ...]`` for every date-time field anywhere in ``tree`` (a decoded
    payload tree as the codec gives it: 12-octet hex, or a mapping carrying ``hex``)."""
    found: list[list[str]] = []
    if isinstance(tree, Mapping):
        for key, value in tree.items():
            here = f"{path}.{key}" if path else str(key)
            lowered = str(key).lower().replace("-", "_")
            if ("date_time" in lowered or "datetime" in lowered) and not isinstance(value, (list, tuple)):
                if value not in (None, "", {}):
                    found.append([here, words(value)])
            else:
                found.extend(date_times(value, here))
    elif isinstance(tree, (list, tuple)):
        for i, value in enumerate(tree):
            found.extend(date_times(value, f"{path}[{i}]"))
    return found


def words(value: Any) -> str:
    """One date-time in words: its fields and clock status, with the octets it came from."""
    hex_text = value.get("hex") if isinstance(value, Mapping) else value
    if isinstance(hex_text, str) and len(hex_text) == 24:
        try:
            return f"{DateTime.from_bytes(bytes.fromhex(hex_text))} [{hex_text.upper()}]"
        except (ValueError, HarnessError):
            pass
    return str(value)
