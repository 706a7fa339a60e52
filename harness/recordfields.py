"""Reading one JSON object of a result record into typed values (``harness.records``'s
``from_dict``): a missing key gives the field's default (records of older harness versions), a
value of the wrong type raises :class:`~harness.errors.RecordError` naming the field's path
(``exchanges[2].hex``)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from harness.errors import RecordError

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


class Fields:
    """The typed fields of one object of a record, at ``where`` (``""``: the record itself)."""

    def __init__(self, data: Any, where: str = "") -> None:
        if not isinstance(data, Mapping):
            raise RecordError(f"expected an object, got {_kind(data)}", field=where or "record")
        self.data: Mapping[str, Any] = data
        self.where = where

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def _wrong(self, key: str, expected: str, value: Any) -> RecordError:
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        return RecordError(f"expected {expected}, got {_kind(value)} {shown}", field=self.path(key))

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self._wrong(key, "a string", value)
        return value

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if self.data.get(key) is not None else None

    def number(self, key: str, default: float) -> float:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._wrong(key, "a number", value)
        return float(value)

    def optional_number(self, key: str) -> float | None:
        return self.number(key, 0.0) if self.data.get(key) is not None else None

    def whole(self, key: str, default: int) -> int:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(key, "a whole number", value)
        return value

    def texts(self, key: str) -> list[str]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, (list, tuple)):
            raise self._wrong(key, "a list of strings", value)
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise self._wrong(f"{key}[{i}]", "a string", item)
        return list(value)

    def choice(self, key: str, kind: type[E], default: E, *, upper: bool = False) -> E:
        """A vocabulary member (``harness.vocabulary``) from its spelling."""
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, kind):
            return value
        if not isinstance(value, str):
            raise self._wrong(key, f"one of {', '.join(str(m.value) for m in kind)}", value)
        try:
            return kind(value.strip().upper() if upper else value)
        except ValueError:
            raise self._wrong(key, f"one of {', '.join(str(m.value) for m in kind)}", value) from None

    def tree(self, key: str) -> dict[str, Any] | None:
        """A JSON object kept as it is (a decoded payload tree), or None."""
        value = self.data.get(key)
        if value is not None and not isinstance(value, dict):
            raise self._wrong(key, "an object", value)
        return value

    def one(self, key: str, build: Callable[[Fields], T]) -> T | None:
        """The nested object at ``key`` built by ``build`` (None when missing or null)."""
        value = self.data.get(key)
        return None if value is None else build(Fields(value, self.path(key)))

    def many(self, key: str, build: Callable[[Fields], T]) -> list[T]:
        """The list of nested objects at ``key``, each built by ``build``."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, (list, tuple)):
            raise self._wrong(key, "a list", value)
        return [build(Fields(item, f"{self.path(key)}[{i}]")) for i, item in enumerate(value)]
