"""SECMP0002 suite fixtures: ``meter`` (the ESME or GSME of the test's ``fuel`` parameter as a
:class:`DebtMeter`), put in a payment mode that accepts debt updates on emulated benches."""

from __future__ import annotations

from typing import Any

import pytest

from ._support import DebtMeter


@pytest.fixture
def meter(request: pytest.FixtureRequest, bench: Any, fuel: str) -> DebtMeter:
    handle = request.getfixturevalue(fuel.lower())
    m = DebtMeter(bench, handle, fuel)
    m.use_update_mode()
    return m
