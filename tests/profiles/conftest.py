"""Fixtures for profile tests: write small YAML files; a valid device profile."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ._support import DEVICE, Write


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """write(name, text) -> path; text is dedented."""

    def _write(name: str, text: str) -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"))
        return p

    return _write


@pytest.fixture
def device_yaml() -> str:
    """A valid GSME device profile (11 lines)."""
    return DEVICE
