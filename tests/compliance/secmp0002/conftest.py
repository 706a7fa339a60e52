"""SECMP0002 suite fixtures: ``meter`` (the ESME or GSME of the test's ``fuel`` parameter as a
:class:`DebtMeter`), put in a payment mode that accepts debt updates on emulated benches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.suites import s1sr

from ._support import DebtMeter, draw_targets


@pytest.fixture
def meter(request: pytest.FixtureRequest, bench: Any, fuel: str, draw: Any, measure: Any) -> Iterator[DebtMeter]:
    handle = request.getfixturevalue(fuel.lower())
    targets = draw_targets(draw, whole_pence=s1sr.whole_pence(handle))
    for register, value in targets.items():
        measure(f"{register}_target", value)
    m = DebtMeter(bench, handle, fuel, targets)
    m.use_update_mode()
    yield m
    m.finish()
