"""GCS60 vs GCS60a (DCC IA Appendix A, GFI 3.6): GCS60 carries no date-time, GCS60a always does;
the same command parameters and the same payload otherwise (CR5: no structural change). GCS60a
is new with SECMP0015: a CH without it refuses GCS60a (COMP2)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pytest

from harness.suites.secmp0015 import GSME_READ_MESSAGE_CODES, describe_date_time

from ._support import after_push


@pytest.mark.requirement("SECMP0015-CR5", "SECMP0015-FR4", "SECMP0015-TR4e", "SECMP0015-COMP2", "GFI-7")
@pytest.mark.device("GPF", "GSME")
@pytest.mark.severity("S2")
def test_gcs60_has_no_date_time_gcs60a_has(gpf: Any, clock: Any, push: Any, record_case: Any,
                                          send_checked: Any) -> None:
    """A CH with SECMP0015: GCS60 without, GCS60a with a date-time, same values. An old CH (no
    SECMP0015, no ``gcs60a`` capability): GCS60a is a use case it does not have ("where
    supported by the Device"), so it refuses it; GCS60 is its read and carries no date-time."""
    push()
    clock.advance(after_push(record_case, _dt.timedelta(seconds=3)))
    old = send_checked(gpf, "GCS60", requirement="SECMP0015-CR5")
    assert old.message.message_code == GSME_READ_MESSAGE_CODES["GCS60"], (
        f"SECMP0015-CR5 GCS60: message code 0x{old.message.message_code:04X}, expected 0x008D")
    assert old.date_time is None, (
        f"SECMP0015-CR5 GCS60: the response must carry no date-time (its structure is unchanged), "
        f"got {describe_date_time(old.date_time)}")
    if not record_case.gcs60a:
        exchange = gpf.send("GCS60a")
        response = exchange.response
        assert response is None or not response.success, (
            f"SECMP0015-COMP2 GCS60a: a CH without SECMP0015 does not have GCS60a and must refuse it; it "
            f"answered with {describe_date_time(response.date_time)} and values {response.values} "
            f"[{record_case.describe()}]")
        return
    new = send_checked(gpf, "GCS60a", requirement="SECMP0015-FR4")
    assert new.message.message_code == GSME_READ_MESSAGE_CODES["GCS60a"], (
        f"SECMP0015-FR4 GCS60a: message code 0x{new.message.message_code:04X}, expected 0x012A")
    assert new.date_time is not None, (
        "SECMP0015-FR4 GCS60a: the response must carry the grouping-header date-time (mapping table 'Y'), "
        "got none")
    assert new.values == old.values, (
        f"SECMP0015-CR5 GCS60a: payload values {new.values} differ from GCS60's {old.values} "
        f"(same push, same parameters)")
