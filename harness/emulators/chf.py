"""The emulated Communications Hub Function's DP093 side (GBCS v3.2): the CHF Device Log and
Historic Device Log (CCS01 add / restore, CCS02 remove, CCS07 read), and the Set Clock alert
0x81C6 raised, and logged in the CHF event log, when a HAN device's clock is found outside the
tolerance at a time synchronisation (its clock is not adjusted: the user must correct the device).

Emulator choices (not GBCS text): a TC Link Key is derived from the device's install code, and
its "hash" is SHA-256 of the key cut to 16 octets (``cryptography``); the HAN devices of the bench
have joined before the first test (GPF without a key: "a GPF does not establish a TC Link Key");
a removed device still on the bench resumes at once when re-added, so a restore reuses its
historic key; the clock tolerance is ``han_clock_tolerance_s`` (provisional, default 10 s)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from cryptography.hazmat.primitives import hashes

from harness.emulators.clock import VirtualClock
from harness.emulators.config import DeviceConfig
from harness.emulators.meter import Event
from harness.gbcs import devicelog
from harness.gbcs.datetime import ClockStatus, DateTime
from harness.gbcs.devicelog import DeviceLogs, LogEntry
from harness.gbcs.dlms import OTHER_REASON, SUCCESS

HISTORIC_LOG_SIZE = 15  # CCS02: "If there are already 15 entries ... overwrite the oldest entry"
DEFAULT_INSTALL_CODE = bytes(range(16))


def _sha256(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SHA256())
    h.update(data)
    return h.finalize()


def tc_link_key(eui: bytes, install_code: bytes) -> bytes:
    """The emulator's TC Link Key for a device joined with ``install_code``."""
    return _sha256(b"harness TC link key" + eui + install_code)[:16]


def hashed(key: bytes) -> bytes:
    return _sha256(key)[:16] if key else b""


class Chf:
    role = "CHF"

    def __init__(self, cfg: DeviceConfig, clock: VirtualClock, han_devices: dict[bytes, str]) -> None:
        """``han_devices``: EUI -> role of every other device on the bench (on the HAN)."""
        self.cfg = cfg
        self.clock = clock
        self.faults = tuple(cfg.faults)
        self.present = dict(han_devices)
        self.han_id = _sha256(b"harness HAN" + cfg.eui_bytes)[:8]
        self.keys: dict[bytes, bytes] = {}  # EUI -> TC Link Key (established)
        self.log: list[bytes] = []  # the CHF Device Log, in joining order
        self.historic: list[LogEntry] = []  # oldest first
        self.historic_keys: dict[bytes, bytes] = {}  # EUI -> the TC Link Key it had when removed
        self.events: list[Event] = []
        self.outbox: list[tuple[bytes, DateTime]] = []  # Set Clock alerts raised, for the host to send
        for eui, role in han_devices.items():
            self.log.append(eui)
            if role != "GPF":
                self.keys[eui] = tc_link_key(eui, DEFAULT_INSTALL_CODE)

    def _event(self, what: str, **detail: Any) -> None:
        self.events.append(Event(self.clock.now().isoformat(), what, detail))

    # -- device logs ------------------------------------------------------------------------------
    def logs(self) -> DeviceLogs:
        keys = {} if "device_log_missing_keys" in self.faults else self.keys
        active = [LogEntry(e, hashed(keys.get(e, b""))) for e in self.log]
        return DeviceLogs(active, list(self.historic), self.han_id, DateTime.from_datetime(self.clock.now(),
                                                                                          ClockStatus(0x00)))

    def handle(self, use_case: str, content: bytes) -> bytes:
        request = devicelog.parse_command(use_case, content)
        if use_case == "CCS07":
            return devicelog.build_response(use_case, request, logs=self.logs())
        if use_case == "CCS01":
            results = [self._add(request["eui"], request["install_code"])] + [SUCCESS] * (len(request["kinds"]) - 1)
        else:
            results = [self._remove(request["eui"])]
        return devicelog.build_response(use_case, request, results=results)

    def _add(self, eui: bytes, install_code: bytes) -> int:
        """CCS01: already in the log -> success, key untouched; in the historic log and on the
        HAN -> back with the historic key (CRP535 restore); else joins with the install code
        (on the bench) or waits with no key."""
        if eui in self.log:
            return SUCCESS
        self.log.append(eui)
        old = next((h for h in self.historic if h.eui == eui), None)
        if eui in self.present:
            if old is not None and "device_log_restore_new_key" not in self.faults:
                self.keys[eui] = self.historic_keys[eui]
                self._event("device_restored", device=eui.hex().upper())
            else:
                self.keys[eui] = tc_link_key(eui, install_code)
                self._event("device_joined", device=eui.hex().upper())
        else:
            self._event("device_added", device=eui.hex().upper())
        return SUCCESS

    def _remove(self, eui: bytes) -> int:
        """CCS02: record device and TC Link Key in the Historic Device Log (15 at most, oldest
        overwritten), then remove it from the Device Log."""
        if eui not in self.log:
            return OTHER_REASON
        key = self.keys.pop(eui, b"")
        if key and "device_log_removal_not_historic" not in self.faults:
            self.historic = [h for h in self.historic if h.eui != eui]
            self.historic.append(LogEntry(eui, hashed(key)))
            self.historic = self.historic[-HISTORIC_LOG_SIZE:]
            self.historic_keys[eui] = key
        self.log.remove(eui)
        self._event("device_removed", device=eui.hex().upper())
        return SUCCESS

    # -- the Set Clock alert (IRP511) ---------------------------------------------------------------
    def han_time_sync(self, eui: bytes, device_time: _dt.datetime | None) -> None:
        """A HAN device synchronises its clock with the CH: outside the tolerance its clock is
        not adjusted; the CHF logs the Set Clock event and raises alert 0x81C6 naming it."""
        now = self.clock.now()
        tolerance = _dt.timedelta(seconds=self.cfg.han_clock_tolerance_s)
        outside = device_time is None or abs(device_time - now) > tolerance
        if "set_clock_alert_in_tolerance" in self.faults:
            outside = True
        if not outside or "set_clock_alert_missing" in self.faults:
            return
        off = "invalid" if device_time is None else f"{(device_time - now).total_seconds():+.0f} s"
        self._event("set_clock_not_adjusted", device=eui.hex().upper(), alert=f"0x{devicelog.SET_CLOCK_ALERT:04X}",
                    offset=off)
        self.outbox.append((eui, DateTime.from_datetime(now, ClockStatus(0x00))))

    # -- state ----------------------------------------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        return {"device_log": [e.to_json() for e in self.logs().active],
                "historic_device_log": [e.to_json() for e in self.historic],
                "events": [e.__dict__ for e in self.events]}
