"""DP093 suite support: requirement ids, the CHF device-log reads (CCS07) and the alert look-up.
The device logs are read, removed from and restored to as the Access Control Broker (the
catalogue's access permission for CCS01/CCS02/CCS07)."""

from __future__ import annotations

from typing import Any

from harness.gbcs.devicelog import SET_CLOCK_ALERT, DeviceLogs, LogEntry

R_ALERT = "DP093-A1"  # IRP511: a HAN device clock outside the tolerance -> Set Clock alert 0x81C6, logged
R_NO_ALERT = "DP093-A2"  # ... and no such alert for a device clock in step with the CH
R_READ = "DP093-L1"  # CRP535 / SR 8.9: CCS07 reads the CHF Device Log and Historic Device Log
R_REMOVE = "DP093-L2"  # CCS02: a removed device is recorded, with its TC Link Key hash, in the historic log
R_RESTORE = "DP093-L3"  # CCS01 of a historic device restores it with its historic TC Link Key
ORIGINATOR = "acb"
HASH_LENGTH = 16


def read_logs(chf: Any, requirement: str) -> tuple[DeviceLogs, Any]:
    """Both device logs through CCS07; an AssertionError naming ``requirement`` otherwise."""
    exchange = chf.send("CCS07", originator=ORIGINATOR)
    try:
        response = exchange.require()
    except AssertionError as exc:
        raise AssertionError(f"{requirement} CCS07: {exc}") from None
    if not response.success:
        raise AssertionError(f"{requirement} CCS07 Read CHF Device Logs failed: statuses {response.statuses}")
    v = response.values
    logs = DeviceLogs([_entry(e) for e in v.get("device_log", [])], [_entry(e) for e in v.get("historic_device_log", [])],
                      bytes.fromhex(v.get("han_id", "")))
    return logs, exchange


def _entry(d: dict[str, str]) -> LogEntry:
    return LogEntry(bytes.fromhex(d["eui"]), bytes.fromhex(d["hashed_tc_link_key"]))


def describe(logs: DeviceLogs) -> str:
    def side(entries: list[LogEntry]) -> str:
        return ", ".join(f"{e.eui.hex().upper()}({e.hashed_tc_link_key.hex().upper() or 'no key'})"
                         for e in entries) or "empty"
    return f"Device Log [{side(logs.active)}]; Historic Device Log [{side(logs.historic)}]"


def set_clock_alerts(alerts: list[Any]) -> list[Any]:
    return [a for a in alerts if a.code == SET_CLOCK_ALERT]
