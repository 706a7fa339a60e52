"""Cycle store (SQLite), defect mask, pass-rate chart and the HTML compliance report."""

from harness.report.mask import DefectMask
from harness.report.store import CycleStore

__all__ = ["CycleStore", "DefectMask"]
