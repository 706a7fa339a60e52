"""Shared helpers for the compliance suites (SECMP0015, SECMP0002). Keep small: the checks live
in :mod:`harness.suites`; this only binds them to the plugin's fixtures."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from typing import Any

import pytest

from harness.suites.secmp0015 import check_hygiene

#: The seed this process draws test values from (register values, push times): ``HARNESS_SEED``
#: repeats a run; printed in the header and stored in every record (measurement ``seed``).
SEED = int(os.environ.get("HARNESS_SEED") or str(random.SystemRandom().randrange(1 << 31)), 0)


def pytest_report_header(config: pytest.Config) -> str:
    return f"compliance values drawn from HARNESS_SEED={SEED}"


@pytest.fixture
def draw(request: pytest.FixtureRequest, measure: Callable[..., Any]) -> random.Random:
    """A random source for the test's values (seeded from ``SEED`` and the test name), so a
    suite never relies on special values such as round numbers on round minutes; the seed goes
    into the record."""
    measure("seed", SEED)
    return random.Random(f"{SEED}:{request.node.name}")

@pytest.fixture
def send_checked(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """``send_checked(handle, use_case, requirement=..., **params) -> Response``: send, require a
    response (an AssertionError naming ``requirement`` when none came back), then assert
    SECMP0015-CR4 on it: :func:`harness.suites.secmp0015.check_hygiene`."""

    def send(handle: Any, use_case: str, *, requirement: str, **params: Any) -> Any:
        exchange = handle.send(use_case, **params)
        try:
            response = exchange.require()
        except AssertionError as exc:
            raise AssertionError(f"{requirement} {use_case}: {exc}") from None
        check_hygiene(response, use_case, while_checking=requirement, gpf_eui=_eui(request, "gpf"),
                      gsme_eui=_eui(request, "gsme"))
        return response

    return send


def _eui(request: pytest.FixtureRequest, role: str) -> bytes | None:
    """The EUI of the test's ``role`` handle (``gpf``/``gsme``) when the test uses it (bit 2 is
    only legal on responses from the GPF, or the GSME EUI it answers for); a test that does not
    use the fixture cannot have sent that device anything."""
    if role not in request.fixturenames:
        return None
    handle = request.getfixturevalue(role)
    eui = getattr(handle, "eui", None)
    if isinstance(eui, str):
        return bytes.fromhex(eui)
    return bytes(eui) if eui is not None else None
