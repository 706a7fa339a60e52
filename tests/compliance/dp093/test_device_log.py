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
from harness.suites.dp093 import (
    R_READ,
    R_REMOVE,
    R_RESTORE,
    check_device_log,
    check_removed_to_historic,
    check_restored_with_historic_key,
)
from harness.suites.s1sr import rng

from ._support import ORIGINATOR, read_logs

pytestmark = [pytest.mark.device("CHF"), pytest.mark.gbcs(">=3.2")]


@pytest.mark.requirement(R_READ)
@pytest.mark.severity("S2")
def test_device_log_lists_the_han_devices(bench: Any, chf: Any) -> None:
    logs, exchange = read_logs(chf, R_READ)
    present = {r: h for r in ("GPF", "GSME", "ESME", "IHD") if (h := bench.handle(r)) is not None}
    check_device_log(logs, {role: bytes(h.eui) for role, h in present.items()})


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
    check_removed_to_historic(eui, entry, before, after)


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
    check_restored_with_historic_key(eui, entry, removed, after)
