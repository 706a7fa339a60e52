"""Shared test data of the profile tests: a valid device profile and the ``write`` fixture's type."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

#: write(name, text) -> path (the ``write`` fixture).
Write = Callable[[str, str], Path]

#: A valid GSME device profile (11 lines).
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
