"""DP093 (GBCS v3.2: IRP511 and CRP535): the CHF Device Log and Historic Device Log, their DLMS
use cases, and the Set Clock alert 0x81C6.

From the GBCS use-case catalogue (DeviceLog(CHF), class 104 ZigBee network control):

* CCS01 Add Device to CHF device log (0x0001): ACTION ``0-0:30.3.0.255`` method 1
  ``register_device`` {ieee_address octet-string(8), key_type enum (1 = install code), key
  octet-string(16), device_type enum}, SET attribute 3 ``join_timeout`` (long-unsigned) and
  attribute 2 ``enable_disable_joining`` (TRUE).
* CCS02 Remove device from CHF device log (0x0002): ACTION method 2 ``unregister_device``
  (octet-string(8)); the CHF records the device and its TC Link Key in the Historic Device Log.
* CCS07 Read CHF Device Logs (0x00FE, SR 8.9 "Read Device Log"): ACTION method 4 ``backup_PAN``
  (null) on ``0-0:30.3.0.255`` (Device Log) and ``0-0:30.3.1.255`` (Historic Device Log); each
  returns a date-time (octet-string(12)), the extended PAN id (octet-string(8)) and
  devices[0..16] {MAC address octet-string(8), hashed TC link key octet-string(16), empty where
  none}.

PROVISIONAL (not pinned by our sources; docs/ARCHITECTURE.md "Decisions"): the order of the
elements inside each request/response structure (the catalogue defers to GBCS 19.2.1, which we do
not have), the order of the three CCS01 request items, and the Set Clock alert's body after its
code and date-time (the HAN device's EUI, octet-string(8)) and its carrier (a DLMS
Data-Notification under message code 0x1001 Generic Non Critical Alert, as the RTDS's GNCA-DLMS).
The alert code 0x81C6 itself is the seed's (DP093: "the Set Clock Alert 0x81C6").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.errors import DecodeError, EncodeError
from harness.gbcs import dlms
from harness.gbcs.alerts import GENERIC_NON_CRITICAL_ALERT
from harness.gbcs.datetime import DateTime
from harness.gbcs.dlms import (
    AccessRequest,
    AccessResponse,
    Data,
    DataNotification,
    RequestSpec,
    invoke_id_for,
    obis_bytes,
)

CLASS_ZIGBEE_NETWORK_CONTROL = 104
DEVICE_LOG_OBJECT = "0-0:30.3.0.255"
HISTORIC_DEVICE_LOG_OBJECT = "0-0:30.3.1.255"
METHOD_REGISTER_DEVICE, METHOD_UNREGISTER_DEVICE, METHOD_BACKUP_PAN = 1, 2, 4
ATTR_ENABLE_DISABLE_JOINING, ATTR_JOIN_TIMEOUT = 2, 3
KEY_TYPE_INSTALL_CODE = 1
#: register_device device_type values (catalogue, CCS01).
DEVICE_TYPES: dict[str, int] = {"ESME": 0, "GSME": 1, "HCALCS": 13, "IHD": 128, "CAD": 130, "PPMID": 132}
DEVICE_LOG_USE_CASES = ("CCS01", "CCS02", "CCS07")
#: DP093 / IRP511: "the Set Clock Alert 0x81C6 to the Event log" (gbcs-facts 8: "Clock not adjusted
#: (outside tolerance)").
SET_CLOCK_ALERT = 0x81C6
#: The message code the emulated CHF sends it under (provisional, see the module docstring).
SET_CLOCK_ALERT_MESSAGE_CODE = GENERIC_NON_CRITICAL_ALERT


@dataclass(frozen=True)
class LogEntry:
    """One device in a CHF (Historic) Device Log."""

    eui: bytes
    hashed_tc_link_key: bytes = b""  # empty: no TC Link Key established

    def to_json(self) -> dict[str, str]:
        return {"eui": self.eui.hex().upper(), "hashed_tc_link_key": self.hashed_tc_link_key.hex().upper()}


@dataclass
class DeviceLogs:
    """What CCS07 returns: both logs, each with its read date-time and the HAN identifier."""

    active: list[LogEntry] = field(default_factory=list)
    historic: list[LogEntry] = field(default_factory=list)
    han_id: bytes = b""
    read_date_time: DateTime | None = None

    def euis(self, which: str = "active") -> list[str]:
        return [e.eui.hex().upper() for e in (self.active if which == "active" else self.historic)]

    def entry(self, eui: bytes | str, which: str = "active") -> LogEntry | None:
        key = bytes.fromhex(eui) if isinstance(eui, str) else bytes(eui)
        return next((e for e in (self.active if which == "active" else self.historic) if e.eui == key), None)

    def to_json(self) -> dict[str, Any]:
        return {"han_id": self.han_id.hex().upper(),
                "read_date_time": str(self.read_date_time) if self.read_date_time else None,
                "device_log": [e.to_json() for e in self.active],
                "historic_device_log": [e.to_json() for e in self.historic]}


def _eui(value: Any, what: str) -> bytes:
    raw = bytes.fromhex(value) if isinstance(value, str) else bytes(value) if value is not None else b""
    if len(raw) != 8:
        raise EncodeError(f"{what} needs an 8-octet EUI, got {value!r}")
    return raw


# -- commands ---------------------------------------------------------------------------------

def build_command(use_case_id: str, counter: int, **params: Any) -> bytes:
    """CCS01 (``eui``, ``install_code`` 16 octets, ``device_type`` role name or number,
    ``join_timeout`` s), CCS02 (``eui``), CCS07 (no parameters)."""
    log = obis_bytes(DEVICE_LOG_OBJECT)
    c = CLASS_ZIGBEE_NETWORK_CONTROL
    if use_case_id == "CCS01":
        code = bytes(params.get("install_code") or bytes(16))
        if len(code) != 16:
            raise EncodeError("CCS01 install_code must be 16 octets (no CRC)")
        dtype = params.get("device_type", "IHD")
        dnum = DEVICE_TYPES[dtype] if isinstance(dtype, str) else int(dtype)
        reg = Data.struct(Data.octets(_eui(params.get("eui"), "CCS01")), Data(dlms.ENUM, KEY_TYPE_INSTALL_CODE),
                          Data.octets(code), Data(dlms.ENUM, dnum))
        specs = [RequestSpec(dlms.ACTION, c, log, METHOD_REGISTER_DEVICE),
                 RequestSpec(dlms.SET, c, log, ATTR_JOIN_TIMEOUT),
                 RequestSpec(dlms.SET, c, log, ATTR_ENABLE_DISABLE_JOINING)]
        data = [reg, Data(dlms.LONG_UNSIGNED, int(params.get("join_timeout", 3600))), Data(dlms.BOOLEAN, True)]
        return AccessRequest(invoke_id_for(counter), specs, data).encode()
    if use_case_id == "CCS02":
        spec = RequestSpec(dlms.ACTION, c, log, METHOD_UNREGISTER_DEVICE)
        return AccessRequest(invoke_id_for(counter), [spec], [Data.octets(_eui(params.get("eui"), "CCS02"))]).encode()
    if use_case_id == "CCS07":
        specs = [RequestSpec(dlms.ACTION, c, obis_bytes(o), METHOD_BACKUP_PAN)
                 for o in (DEVICE_LOG_OBJECT, HISTORIC_DEVICE_LOG_OBJECT)]
        return AccessRequest(invoke_id_for(counter), specs, [Data.null(), Data.null()]).encode()
    raise EncodeError(f"{use_case_id} is not a device-log use case")


def parse_command(use_case_id: str, content: bytes) -> dict[str, Any]:
    """What the CHF needs to act: ``invoke_id``, ``eui`` (CCS01/CCS02), ``install_code``,
    ``device_type``, ``join_timeout`` (CCS01), ``logs`` (CCS07: the objects read). DecodeError
    on anything else."""
    apdu = dlms.parse_dlms(content)
    if not isinstance(apdu, AccessRequest):
        raise DecodeError("command is not an Access-Request", offset=0, field="APDU tag")
    out: dict[str, Any] = {"use_case": use_case_id, "invoke_id": apdu.invoke_id, "kinds": [s.kind for s in apdu.specs]}
    for s, d in zip(apdu.specs, apdu.data):
        if s.class_id != CLASS_ZIGBEE_NETWORK_CONTROL:
            raise DecodeError(f"{use_case_id}: class {s.class_id} is not 104", offset=0, field="request spec")
        obj = dlms.obis_text(s.obis)
        if s.kind == dlms.ACTION and s.index == METHOD_REGISTER_DEVICE and obj == DEVICE_LOG_OBJECT:
            try:
                eui, _key_type, key, dtype = (x.value for x in d.value)
            except (TypeError, ValueError) as exc:
                raise DecodeError(f"register_device parameter ({exc})", offset=0, field="register_device") from None
            out.update(eui=bytes(eui), install_code=bytes(key), device_type=int(dtype))
        elif s.kind == dlms.ACTION and s.index == METHOD_UNREGISTER_DEVICE and obj == DEVICE_LOG_OBJECT:
            out["eui"] = bytes(d.value) if isinstance(d.value, bytes | bytearray) else b""
        elif s.kind == dlms.ACTION and s.index == METHOD_BACKUP_PAN:
            out.setdefault("logs", []).append(obj)
        elif s.kind == dlms.SET and s.index == ATTR_JOIN_TIMEOUT:
            out["join_timeout"] = int(d.value)
    if use_case_id in ("CCS01", "CCS02") and len(out.get("eui", b"")) != 8:
        raise DecodeError(f"{use_case_id} names no 8-octet device", offset=0, field="ieee_address")
    if use_case_id == "CCS07" and not out.get("logs"):
        raise DecodeError("CCS07 reads no device log (backup_PAN)", offset=0, field="request spec")
    return out


# -- responses --------------------------------------------------------------------------------

def _log_data(entries: list[LogEntry], han_id: bytes, when: DateTime) -> Data:
    devices = Data.array(*(Data.struct(Data.octets(e.eui), Data.octets(e.hashed_tc_link_key)) for e in entries))
    return Data.struct(Data.octets(when.to_bytes()), Data.octets(han_id), devices)


def build_response(use_case_id: str, request: dict[str, Any], *, results: list[int] | None = None,
                   logs: DeviceLogs | None = None) -> bytes:
    """The Access-Response: per-item results (CCS01/CCS02) or both logs (CCS07)."""
    invoke = int(request.get("invoke_id", 0))
    kinds = list(request.get("kinds") or [dlms.ACTION])
    if use_case_id == "CCS07":
        if logs is None or logs.read_date_time is None:
            raise EncodeError("CCS07 response needs the logs and their read date-time")
        by_obj = {DEVICE_LOG_OBJECT: logs.active, HISTORIC_DEVICE_LOG_OBJECT: logs.historic}
        data = [_log_data(by_obj[o], logs.han_id, logs.read_date_time) for o in request.get("logs", [])]
        return AccessResponse(invoke, data, [(dlms.ACTION, 0)] * len(data)).encode()
    statuses = list(results or [0] * len(kinds))
    return AccessResponse(invoke, [Data.null()] * len(kinds), list(zip(kinds, statuses))).encode()


def read_logs(content: bytes) -> tuple[DeviceLogs, list[int]]:
    """Both logs from a CCS07 response (the first data item is the Device Log, the second the
    Historic Device Log), and the action results."""
    return logs_of(dlms.parse_dlms(content))


def logs_of(apdu: dlms.Apdu) -> tuple[DeviceLogs, list[int]]:
    """:func:`read_logs` of a CCS07 response already parsed (by :func:`harness.gbcs.dlms.parse_dlms`)."""
    if not isinstance(apdu, AccessResponse):
        raise DecodeError("response is not an Access-Response", offset=0, field="APDU tag")
    results = [r for _k, r in apdu.results]
    logs = DeviceLogs()
    for i, item in enumerate(apdu.data):
        if item.tag != dlms.STRUCTURE:
            continue
        try:
            stamp, han, devices = item.value
            entries = [LogEntry(bytes(d.value[0].value), bytes(d.value[1].value)) for d in devices.value]
        except (TypeError, ValueError, IndexError, AttributeError) as exc:
            raise DecodeError(f"device log structure ({exc})", offset=0, field=f"data item {i}") from None
        logs.han_id = bytes(han.value)
        logs.read_date_time = DateTime.from_bytes(bytes(stamp.value))
        if i == 0:
            logs.active = entries
        else:
            logs.historic = entries
    return logs, results


# -- the Set Clock alert ------------------------------------------------------------------------

def build_set_clock_alert(counter: int, when: DateTime, device: bytes) -> bytes:
    """DLMS Data-Notification {alert code 0x81C6, date-time, HAN device EUI (provisional)}."""
    body = Data.struct(Data(dlms.LONG_UNSIGNED, SET_CLOCK_ALERT), Data.octets(when.to_bytes()),
                       Data.octets(_eui(device, "Set Clock alert")))
    return DataNotification(invoke_id_for(counter), body).encode()


@dataclass(frozen=True)
class AlertBody:
    """A DLMS alert body: its code, date-time and (Set Clock alert) the HAN device named."""

    code: int
    date_time: DateTime | None
    device: bytes | None


def read_dlms_alert(content: bytes) -> AlertBody:
    apdu = dlms.parse_dlms(content)
    if not isinstance(apdu, DataNotification) or apdu.body.tag != dlms.STRUCTURE or not apdu.body.value:
        raise DecodeError("not a DLMS alert (Data-Notification with a structure)", offset=0, field="APDU tag")
    items = apdu.body.value
    code = int(items[0].value)
    stamp = DateTime.from_bytes(bytes(items[1].value)) if len(items) > 1 and items[1].tag == dlms.OCTET_STRING \
        and len(items[1].value) == 12 else None
    device = bytes(items[2].value) if len(items) > 2 and items[2].tag == dlms.OCTET_STRING \
        and len(items[2].value) == 8 else None
    return AlertBody(code, stamp, device)
