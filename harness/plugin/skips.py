"""Honest skips: a :class:`~harness.errors.CapabilityMissing` raised while a test is set up or
runs (the bench lacks a device, a capability or a stimulus) skips the test with the reason and
the profile key that would add it; it never becomes a failure or an error."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from harness.errors import CapabilityMissing


def skip_text(exc: CapabilityMissing) -> str:
    return f"bench lacks it: {exc}"


def _skipping() -> Generator[None, Any, Any]:
    try:
        return (yield)
    except CapabilityMissing as exc:
        pytest.skip(skip_text(exc))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _skipping())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _skipping())
