"""DP093 (GBCS v3.2: IRP511 Set Clock alert 0x81C6, CRP535 CHF device logs): requirement ids and
the checks of the suite ``tests/compliance/dp093`` (docs/TRACEABILITY.md, section DP093).

Pure functions over what the bench returned (alerts, decoded device logs); nothing here talks
to a device."""

from __future__ import annotations

from typing import Any

from harness.bench.api import Verdict
from harness.gbcs.devicelog import SET_CLOCK_ALERT, DeviceLogs, LogEntry
from harness.suites import requirement

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


# -- DP093-A1 / A2: the Set Clock alert ----------------------------------------------------------

@requirement("DP093-A1")
def set_clock_alert_sent(alerts: list[Any], offset_s: int) -> Any:
    """DP093-A1: a Set Clock alert came after a HAN device woke ``offset_s`` off the CH; the first."""
    found = set_clock_alerts(alerts)
    seen = [f"0x{a.code:04X} from {a.originator.hex().upper()}" if a.code is not None else "undecoded" for a in alerts]
    if not found:
        raise AssertionError(f"{R_ALERT}: the GSME's clock is {offset_s:+d} s off the CH at its wake, but no Set Clock "
                             f"alert 0x{SET_CLOCK_ALERT:04X} came (alerts seen: {seen or 'none'})")
    return found[0]


@requirement("DP093-A1")
def check_set_clock_alert(alert: Any, chf_eui: bytes, gsme_eui: bytes, events: list[dict[str, Any]] | None) -> None:
    """DP093-A1: the alert is the CHF's, its MAC verifies, it names the GSME where its body carries a
    device, and the CHF's event log (when the bench can read it) has a Set Clock entry."""
    problems = []
    if alert.originator != chf_eui:
        problems.append(f"sent by {alert.originator.hex().upper()}, not the CHF {chf_eui.hex().upper()}")
    if alert.mac is not Verdict.VALID:
        problems.append(f"its MAC is {alert.mac.value}")
    if alert.device is not None and alert.device != gsme_eui:
        problems.append(f"it names HAN device {alert.device.hex().upper()}, not the GSME {gsme_eui.hex().upper()}")
    if events is not None and not any("set_clock" in str(e.get("what", "")) for e in events):
        problems.append(f"the CHF event log has no Set Clock entry: {events or 'empty'}")
    if problems:
        raise AssertionError(f"{R_ALERT} Set Clock alert 0x{SET_CLOCK_ALERT:04X}: " + "; ".join(problems))


@requirement("DP093-A2")
def check_no_set_clock_alert(alerts: list[Any]) -> None:
    """DP093-A2: no Set Clock alert for a HAN device whose clock is in step with the CH."""
    found = set_clock_alerts(alerts)
    assert not found, (f"{R_NO_ALERT}: the GSME's clock is in step with the CH, yet the CHF sent the Set Clock "
                       f"alert 0x{SET_CLOCK_ALERT:04X} ({len(found)} time(s))")


# -- DP093-L1..L3: the CHF device logs -----------------------------------------------------------

@requirement("DP093-L1")
def check_device_log(logs: DeviceLogs, present: dict[str, bytes]) -> None:
    """DP093-L1: every HAN device of the bench (role -> EUI) listed once in the Device Log, a
    16-octet TC Link Key hash for each joined device (none for the GPF) and in the historic log,
    an 8-octet HAN id."""
    listed = logs.euis("active")
    problems = [f"{role} {eui.hex().upper()} is not in the Device Log" for role, eui in present.items()
                if eui.hex().upper() not in listed]
    if len(set(listed)) != len(listed):
        problems.append("a device is listed twice")
    for role, eui in present.items():
        entry = logs.entry(eui)
        if entry is None or role == "GPF":  # "a GPF does not establish a TC Link Key with the CHF"
            continue
        if len(entry.hashed_tc_link_key) != HASH_LENGTH:
            problems.append(f"{role}: hashed TC link key of {len(entry.hashed_tc_link_key)} octets, expected "
                            f"{HASH_LENGTH} (a joined device has a TC Link Key)")
    for entry in logs.historic:
        if len(entry.hashed_tc_link_key) != HASH_LENGTH:
            problems.append(f"historic {entry.eui.hex().upper()}: hashed key of {len(entry.hashed_tc_link_key)} octets")
    if len(logs.han_id) != 8:
        problems.append(f"HAN identifier of {len(logs.han_id)} octets, expected 8")
    assert not problems, f"{R_READ} CCS07: " + "; ".join(problems) + f"\n  {describe(logs)}"


@requirement("DP093-L2")
def check_removed_to_historic(eui: bytes, entry: LogEntry, before: DeviceLogs, after: DeviceLogs) -> None:
    """DP093-L2: after CCS02 the device has left the Device Log and is in the Historic Device Log
    with the TC Link Key hash it had (``entry``)."""
    historic = after.entry(eui, "historic")
    problems = []
    if after.entry(eui) is not None:
        problems.append("still in the Device Log")
    if historic is None:
        problems.append("not recorded in the Historic Device Log")
    elif historic.hashed_tc_link_key != entry.hashed_tc_link_key:
        problems.append(f"recorded with hash {historic.hashed_tc_link_key.hex().upper()}, it had "
                        f"{entry.hashed_tc_link_key.hex().upper()}")
    assert not problems, (f"{R_REMOVE} CCS02 removed IHD {eui.hex().upper()}: " + "; ".join(problems)
                          + f"\n  before: {describe(before)}\n  after:  {describe(after)}")


@requirement("DP093-L3", "DP093-L2")
def check_restored_with_historic_key(eui: bytes, entry: LogEntry, removed: DeviceLogs, after: DeviceLogs) -> None:
    """DP093-L3 (with L2): the device removed with CCS02 was in the historic log, and CCS01 put it
    back in the Device Log with its historic TC Link Key hash, not one from the install code."""
    restored = after.entry(eui)
    problems = []
    if removed.entry(eui, "historic") is None:
        problems.append("after CCS02 it is not in the Historic Device Log, so it cannot be restored from it")
    if restored is None:
        problems.append("not back in the Device Log after CCS01")
    elif restored.hashed_tc_link_key != entry.hashed_tc_link_key:
        problems.append(f"back with hash {restored.hashed_tc_link_key.hex().upper() or 'none'}, not its historic "
                        f"{entry.hashed_tc_link_key.hex().upper()} (the historic TC Link Key was not reused)")
    assert not problems, (f"{R_RESTORE} CCS01 restore of IHD {eui.hex().upper()}: " + "; ".join(problems)
                          + f"\n  removed: {describe(removed)}\n  after:   {describe(after)}")
