"""Fixtures for profile tests: write small YAML files; a valid device profile."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
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


DEVICE = """
kind: device
role: GSME
eui: 00DB12345678E0A1
name: test GSME
firmware: "1.0"
gbcs: "4.0"
capabilities: [reading_snapshot_time]
keys: builtin
behaviours:
  secmp0015: true
  gsme_clock: reliable
"""
