"""Compatibility matrix (Annex A Compatibility Requirements 1-2, SIA15-T-A1, TR10, GFI 3.6 last
paragraph): the same checks over several GSME pushes, expectations from the bench's case. A GSME
that reports ReadingSnapshotTime only sometimes is caught: after every push with a time, every
response must carry it."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pytest

from harness.suites.secmp0015 import (
    SECMP0015_USE_CASES,
    check_date_time,
    check_every_push,
)

from ._support import after_push

PUSHES = 6


@pytest.mark.requirement("SECMP0015-FR1", "SECMP0015-CR1", "SECMP0015-COMP1", "SECMP0015-COMP2",
                         "SECMP0015-TR10", "SIA15-T-A1", "GFI-8")
@pytest.mark.device("GPF", "GSME")
@pytest.mark.severity("S1")
def test_every_push_carries_snapshot_time(gpf: Any, clock: Any, push: Any, record_case: Any,
                                          send_checked: Any, measure: Any) -> None:
    case = record_case
    failures: list[str] = []
    for n in range(PUSHES):
        clock.advance(after_push(case, _dt.timedelta(minutes=2, seconds=n)))
        pushed_at = push()
        use_case = case.read_use_case(SECMP0015_USE_CASES[n % len(SECMP0015_USE_CASES)])
        response = send_checked(gpf, use_case, requirement="SECMP0015-FR1")
        try:
            check_date_time(response, case, use_case, pushed_at=pushed_at, now=clock.now(), measure=measure,
                            label=f"_push{n + 1}")
        except AssertionError as exc:
            failures.append(f"push {n + 1}: {exc}")
    measure("pushes_without_expected_time", len(failures), None, 0, 0)
    check_every_push(failures, PUSHES, case)
