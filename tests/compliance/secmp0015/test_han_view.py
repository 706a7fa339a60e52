"""HAN view of the GPF's copy (FR3, CR3, COMP3, GFI 3.6): a HAN device reading Metering
ReadingSnapshotTime (0x0702/0x0007) from the GPF gets the GSME's latest snapshot time; 0xFFFFFFFF
(invalid time) when the GSME never supplied one (Annex A; a profile may declare
``never_populated_read: unsupported_attribute`` per DCC IA 3.1.1); UNSUPPORTED_ATTRIBUTE (0x86)
from a GPF without the change."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pytest

from harness.suites.secmp0015 import Secmp0015Case, check_read

from ._support import after_push


@pytest.mark.requirement("SECMP0015-FR3", "SECMP0015-CR3", "SECMP0015-COMP3", "SIA15-T-A4",
                         "GFI-1", "GFI-2", "GFI-3", "GFI-4")
@pytest.mark.device("GPF", "GSME", "IHD")
@pytest.mark.severity("S2")
def test_han_read_of_snapshot_time(clock: Any, push: Any, record_case: Secmp0015Case,
                                   read_snapshot_time: Any) -> None:
    case = record_case
    for n in range(2):
        pushed_at = push()
        clock.advance(after_push(case, min(_dt.timedelta(seconds=13), case.wake_interval / 4)))
        read = read_snapshot_time()
        if read is None:
            pytest.skip("the bench has no HAN device to read the GPF with")
        check_read(read, case, pushed_at, clock.now())
        clock.advance(case.wake_interval)
        del n
