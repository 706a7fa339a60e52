"""The suites' oracles: one module per modification (``secmp0015``, ``secmp0002``, ``s1sr``,
``dp093``), each holding that modification's requirement ids, checks and failure texts.

The rule: a check that asserts a requirement is named after it and marked with its id, written
literally at the check (``@requirement("SECMP0015-FR4")``), so ``grep -rn SECMP0015-FR4
harness/suites`` finds the assertion. The test suites (``tests/compliance/``) keep only plumbing
(fixtures, bench strategies, device driving) and call these checks. :func:`requirement` records
the ids on the function (``__requirements__``) and in :data:`CHECKS`; :func:`index` imports every
suite module and returns it."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])

#: The suite modules, one per modification.
MODULES: tuple[str, ...] = ("secmp0015", "secmp0002", "s1sr", "dp093")
#: Requirement id -> the checks (``module.qualname``) that assert it.
CHECKS: dict[str, list[str]] = {}


def requirement(*ids: str) -> Callable[[F], F]:
    """Mark a check with the requirement ids it asserts (kept on it as ``__requirements__``)."""
    if not ids:
        raise ValueError("a check names at least one requirement id")

    def mark(check: F) -> F:
        vars(check)["__requirements__"] = tuple(ids)
        name = f"{check.__module__}.{check.__qualname__}"
        for rid in ids:
            CHECKS.setdefault(rid, []).append(name)
        return check

    return mark


def index() -> dict[str, list[str]]:
    """Every suite module imported; requirement id -> the checks that assert it."""
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
    return {rid: list(checks) for rid, checks in CHECKS.items()}
