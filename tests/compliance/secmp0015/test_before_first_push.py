"""Before the GSME has supplied any snapshot time (fresh bench, no push yet): the GPF has no valid
copy, so it uses the CH time with bit 2 clear (CR2, DCC IA 3.1.2 "null or not available", GFI 3.6
first bullet) and a HAN read gives 0xFFFFFFFF (CR3, GFI initial value) or, as the profile
declares, UNSUPPORTED_ATTRIBUTE.

Needs a bench whose state can be reset to "never pushed" (emulated benches reset per test); a
real bench whose GSME already reported is skipped by the ``pristine_gpf`` check."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pytest

from harness.suites.secmp0015 import Secmp0015Case, check_date_time, check_read

from ._support import USE_CASES


@pytest.mark.requirement("SECMP0015-CR2", "SECMP0015-COMP1", "GFI-5")
@pytest.mark.device("GPF", "GSME")
@pytest.mark.severity("S2")
@pytest.mark.parametrize("use_case", USE_CASES)
def test_gpf_time_before_first_push(use_case: str, gpf: Any, gsme: Any, clock: Any, pristine_gpf: None,
                                    record_case: Secmp0015Case, send_checked: Any, measure: Any) -> None:
    case = record_case
    use_case = case.read_use_case(use_case)
    clock.advance(min(_dt.timedelta(seconds=20), case.wake_interval / 2))  # before the GSME's first wake
    response = send_checked(gpf, use_case, requirement="SECMP0015-CR2")
    try:
        check_date_time(response, case, use_case, pushed_at=None, now=clock.now(), measure=measure)
    except AssertionError as exc:
        raise AssertionError(f"SECMP0015-CR2 (no GSME snapshot time yet): {exc}") from None


@pytest.mark.requirement("SECMP0015-CR3", "SECMP0015-COMP3", "GFI-2")
@pytest.mark.device("GPF", "GSME", "IHD")
@pytest.mark.severity("S3")
def test_han_read_before_first_push(clock: Any, pristine_gpf: None, record_case: Secmp0015Case,
                                    read_snapshot_time: Any) -> None:
    clock.advance(min(_dt.timedelta(seconds=20), record_case.wake_interval / 2))  # before the first wake
    read = read_snapshot_time()
    if read is None:
        pytest.skip("the bench has no HAN device to read the GPF with")
    check_read(read, record_case, None)
