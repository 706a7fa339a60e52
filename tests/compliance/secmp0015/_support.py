"""SECMP0015 suite plumbing: the use cases as pytest params, the register each test moves, the
pause after a push. The oracles (the compatibility case, the checks) are
:mod:`harness.suites.secmp0015`."""

from __future__ import annotations

import datetime as _dt

import pytest

from harness.suites.secmp0015 import SECMP0015_USE_CASES, SRV_REQUIREMENT, Secmp0015Case


def after_push(case: Secmp0015Case, wanted: _dt.timedelta) -> _dt.timedelta:
    """A pause between a push and the reading: ``wanted``, but well inside the GSME's wake
    interval, so on a bench where the GSME wakes on its own no further push lands before it."""
    return min(wanted, case.wake_interval * 0.4)


#: One register per use case that the test changes between pushes, and its response value name.
TRACKED_REGISTER = {
    "GCS13a": "CurrentSummationDelivered",
    "GCS13b": "CurrentNoTierBlock1SummationDelivered",
    "GCS13c": "CurrentTier1SummationDelivered",
    "GCS14": "AccumulatedDebt",
    "GCS60a": "BillToDateDelivered",
}


#: The five use cases as pytest params, each marked with its SRV testing requirement.
USE_CASES = [pytest.param(uc, marks=pytest.mark.requirement(SRV_REQUIREMENT[uc]), id=uc)
             for uc in SECMP0015_USE_CASES]
