"""Fixtures for the report/store tests: a fresh cycle store and the record factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from report_factory import record

from harness.report.store import CycleStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CycleStore]:
    s = CycleStore(tmp_path / "cycles.sqlite")
    yield s
    s.close()


@pytest.fixture
def make_record() -> Callable[..., dict[str, Any]]:
    return record
