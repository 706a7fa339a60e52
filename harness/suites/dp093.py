"""DP093 (GBCS v3.2: IRP511 Set Clock alert 0x81C6, CRP535 CHF device logs): requirement ids and
the checks of the suite ``tests/compliance/dp093`` (docs/TRACEABILITY.md, section DP093).

Pure functions over what the bench returned (alerts, decoded device logs); nothing here talks
to a device."""

from __future__ import annotations

from typing import Any

from harness.gbcs.devicelog import SET_CLOCK_ALERT, DeviceLogs, LogEntry

R_ALERT = "DP093-A1"  # IRP511: a HAN device clock outside the tolerance -> Set Clock alert 0x81C6, logged
R_NO_ALERT = "DP093-A2"  # ... and no such alert for a device clock in step with the CH
R_READ = "DP093-L1"  # CRP535 / SR 8.9: CCS07 reads the CHF Device Log and Historic Device Log
R_REMOVE = "DP093-L2"  # CCS02: a removed device is recorded, with its TC Link Key hash, in the historic log
R_RESTORE = "DP093-L3"  # CCS01 of a historic device restores it with its historic TC Link Key
#: Octets of a TC Link Key hash in a device-log entry.
HASH_LENGTH = 16


def describe(logs: DeviceLogs) -> str:
    """Both logs in one line: each entry's EUI and TC Link Key hash."""
    def side(entries: list[LogEntry]) -> str:
        return ", ".join(f"{e.eui.hex().upper()}({e.hashed_tc_link_key.hex().upper() or 'no key'})"
                         for e in entries) or "empty"
    return f"Device Log [{side(logs.active)}]; Historic Device Log [{side(logs.historic)}]"


def set_clock_alerts(alerts: list[Any]) -> list[Any]:
    """The Set Clock alerts (0x81C6) among ``alerts``."""
    return [a for a in alerts if a.code == SET_CLOCK_ALERT]
