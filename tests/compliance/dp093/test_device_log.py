"""DP093 / CRP535: the CHF Device Log and Historic Device Log, read with CCS07 (SR 8.9 "Read
Device Log"): the active log lists the HAN devices with the hash of their TC Link Key; a device
removed with CCS02 is recorded in the historic log with its hash; re-adding it with CCS01 restores
it with that historic key (its communications resume), whatever install code the command carries.

Removal and restore change the HAN: they run only where the CHF declares the capability
``han_device_removal`` and the bench has an IHD to remove; the IHD is re-added at the end."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from harness.gbcs.devicelog import DeviceLogs, LogEntry
from harness.suites.dp093 import HASH_LENGTH, R_READ, R_REMOVE, R_RESTORE, describe
from harness.suites.s1sr import rng

from ._support import ORIGINATOR, read_logs

pytestmark = [pytest.mark.device("CHF"), pytest.mark.gbcs(">=3.2")]


@pytest.mark.requirement(R_READ)
@pytest.mark.severity("S2")
def test_device_log_lists_the_han_devices(bench: Any, chf: Any) -> None:
    logs, exchange = read_logs(chf, R_READ)
    present = {r: h for r in ("GPF", "GSME", "ESME", "IHD") if (h := bench.handle(r)) is not None}
    listed = logs.euis("active")
    problems = [f"{role} {bytes(h.eui).hex().upper()} is not in the Device Log" for role, h in present.items()
                if bytes(h.eui).hex().upper() not in listed]
    if len(set(listed)) != len(listed):
        problems.append("a device is listed twice")
    for role, h in present.items():
        entry = logs.entry(bytes(h.eui))
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


def _ihd_entry(bench: Any, chf: Any, requirement: str) -> tuple[bytes, DeviceLogs, LogEntry]:
    """The bench's IHD (skip without one), the logs before and its Device Log entry."""
    ihd = bench.handle("IHD")
    if ihd is None:
        pytest.skip("needs an IHD on the bench to remove from and restore to the HAN")
    eui = bytes(ihd.eui)
    before, _ = read_logs(chf, requirement)
    entry = before.entry(eui)
    assert entry is not None, f"{requirement}: the IHD {eui.hex().upper()} is not in the Device Log to start with"
    return eui, before, entry


def _remove(chf: Any, eui: bytes, requirement: str) -> None:
    exchange = chf.send("CCS02", originator=ORIGINATOR, eui=eui)
    response = exchange.require()
    assert response.success, f"{requirement} CCS02 remove {eui.hex().upper()}: statuses {response.statuses}"


def _add(chf: Any, eui: bytes, install_code: bytes, requirement: str) -> None:
    exchange = chf.send("CCS01", originator=ORIGINATOR, eui=eui, install_code=install_code, device_type="IHD")
    response = exchange.require()
    assert response.success, f"{requirement} CCS01 add {eui.hex().upper()}: statuses {response.statuses}"


@pytest.mark.requirement(R_REMOVE, R_READ)
@pytest.mark.capability("han_device_removal")
@pytest.mark.severity("S2")
def test_removed_device_moves_to_historic_log(bench: Any, chf: Any, measure: Any) -> None:
    eui, before, entry = _ihd_entry(bench, chf, R_REMOVE)
    try:
        _remove(chf, eui, R_REMOVE)
        after, _ = read_logs(chf, R_REMOVE)
    finally:
        with contextlib.suppress(Exception):
            _add(chf, eui, bytes(16), R_REMOVE)  # leave the HAN as found
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


@pytest.mark.requirement(R_RESTORE, R_REMOVE)
@pytest.mark.capability("han_device_removal")
@pytest.mark.severity("S2")
def test_restored_device_reuses_its_historic_key(bench: Any, chf: Any, measure: Any) -> None:
    eui, before, entry = _ihd_entry(bench, chf, R_RESTORE)
    install_code = rng(measure).randbytes(16)  # any: the historic key, not the install code, must be used
    _remove(chf, eui, R_RESTORE)
    removed, _ = read_logs(chf, R_RESTORE)
    _add(chf, eui, install_code, R_RESTORE)
    after, _ = read_logs(chf, R_RESTORE)
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
