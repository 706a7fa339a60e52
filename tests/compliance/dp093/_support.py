"""DP093 suite plumbing: the CHF device-log reads (CCS07). The device logs are read, removed from
and restored to as the Access Control Broker (the catalogue's access permission for
CCS01/CCS02/CCS07). The ids and checks: :mod:`harness.suites.dp093`."""

from __future__ import annotations

from typing import Any

from harness.gbcs.devicelog import DeviceLogs, LogEntry

ORIGINATOR = "acb"


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
