"""Meter use cases a bench without a control channel needs to prepare and observe a meter:
Set Payment Mode (ECS02/ECS03 on the ESME, GCS02/GCS03 on the GSME) and Read ESME Event Log
(ECS35a). Dispatched from :mod:`harness.gbcs.usecases`.

From the GBCS use-case catalogue:

* ECS02/ECS03 (DLMS, SME.C.C, Supplier): SET of the Account object (class 111,
  ``0-1:19.0.0.255``) attribute 2 ``account_mode_and_status`` {payment_mode enum 0x01 credit /
  0x02 prepayment, account_status enum 1} and attribute 13 ``account_activation_time``
  (octet-string(12); "if not high values (0xFF), the date-time at which the 'Next' parameters
  shall be used": high values, the builder's default, is read as "at once"). The catalogue's
  other rows (attribute 11 ``credit_charge_configuration``, "EXCEPTIONAL", and ECS03's
  disablement threshold) are not sent: our sources do not pin their encoding.
* GCS02/GCS03 (GBZ, SME.C.C, Supplier): ZSE Prepayment cluster 0x0705 Change Payment Mode 0x06
  {Provider ID uint32, Issuer Event ID uint32, Implementation Date/Time UTCTime (0 = immediate),
  Proposed Payment Control Configuration bitmap16, Cut Off Value int32 (0xFFFFFFFF: do not
  change)}, answered by Change Payment Mode Response 0x02 {Friendly Credit bitmap8, Friendly
  Credit Calendar ID uint32, Emergency Credit Limit uint32, Emergency Credit Threshold uint32}
  or a Default Response with a failure status. The catalogue lists five configurations;
  0b0000110010010100 (0x0C94, Prepayment Enabled bit 1 clear) is the credit one, the others
  (bit 1 set) prepayment.
* ECS35a (DLMS, Supplier / Network Operator / ACB): GET-with-selection of the Event Log (class 7,
  ``0-0:99.98.0.255``) attribute 2 (buffer), access selector 1 (range descriptor, from/to
  double-long-unsigned, ``selected_values`` an empty array); each buffer entry {timestamp
  double-long-unsigned, logCode long-unsigned, otherInformation octet-string(8)}.

**Provisional** (not pinned by our sources, like the SECMP0002 reset message codes): the
timestamp is read as seconds since 2000-01-01 UTC (the ZigBee UTCTime epoch), and the log codes
of the debt events (:data:`LOG_CODES`, in a block no GBCS alert uses) with the debt register in
``otherInformation`` as its OBIS code (6 octets) plus two zero octets.
"""

from __future__ import annotations

import datetime as _dt
import struct
from collections.abc import Mapping, Sequence
from typing import Any

from harness.errors import DecodeError, EncodeError
from harness.gbcs import dlms
from harness.gbcs.dlms import (
    AccessRequest,
    AccessResponse,
    Data,
    RequestSpec,
    invoke_id_for,
    obis_bytes,
    obis_text,
)
from harness.gbcs.gbz import GbzComponent, GbzPayload, finish_controls, parse_gbz
from harness.gbcs.zcl import CLUSTER_PREPAYMENT, CMD_DEFAULT_RESPONSE, DefaultResponse, ZclHeader

# -- payment mode ------------------------------------------------------------------------------

PAYMENT_MODE_USE_CASES: dict[str, str] = {"ECS02": "credit", "ECS03": "prepayment",
                                          "GCS02": "credit", "GCS03": "prepayment"}
#: The use case that puts a meter of ``role`` in ``mode``.
SET_PAYMENT_MODE: dict[tuple[str, str], str] = {("ESME", "credit"): "ECS02", ("ESME", "prepayment"): "ECS03",
                                                ("GSME", "credit"): "GCS02", ("GSME", "prepayment"): "GCS03"}
CLASS_ACCOUNT_MODE = 111
ACCOUNT_OBJECT = "0-1:19.0.0.255"
ATTR_MODE_AND_STATUS, ATTR_ACTIVATION_TIME = 2, 13
DLMS_PAYMENT_MODE = {"credit": 0x01, "prepayment": 0x02}
ACCOUNT_STATUS = 1
NOT_SPECIFIED_DATE_TIME = bytes((0xFF,) * 12)

CMD_CHANGE_PAYMENT_MODE = 0x06  # Prepayment, client -> server
CMD_CHANGE_PAYMENT_MODE_RESPONSE = 0x02  # Prepayment, server -> client
PREPAYMENT_ENABLED = 0x0002  # Payment Control Configuration bit 1
#: The catalogue's configurations: credit (bit 1 clear) and the prepayment default sent.
PAYMENT_CONFIGURATION = {"credit": 0b0000110010010100, "prepayment": 0b0000110010010111}
DO_NOT_CHANGE = 0xFFFFFFFF
_CPM = struct.Struct("<IIIHI")
_CPM_RESPONSE = struct.Struct("<BIII")


def mode_of_configuration(configuration: int) -> str:
    """The payment mode a Payment Control Configuration asks for."""
    return "prepayment" if configuration & PREPAYMENT_ENABLED else "credit"


def build_payment_mode(use_case_id: str, counter: int, params: Mapping[str, Any]) -> bytes:
    """ECS02/ECS03: ``activation`` (12 DLMS date-time octets; default high values = at once).
    GCS02/GCS03: ``implementation_time`` (UTCTime, 0 = immediate), ``configuration`` (bitmap16;
    default the catalogue's configuration of the mode), ``cut_off`` (default do-not-change),
    ``provider_id``, ``issuer_event_id``."""
    mode = PAYMENT_MODE_USE_CASES[use_case_id]
    if use_case_id.startswith("E"):
        activation = bytes(params.get("activation") or NOT_SPECIFIED_DATE_TIME)
        if len(activation) != 12:
            raise EncodeError(f"{use_case_id} activation must be 12 octets, got {len(activation)}")
        obis = obis_bytes(ACCOUNT_OBJECT)
        specs = [RequestSpec(dlms.SET, CLASS_ACCOUNT_MODE, obis, ATTR_MODE_AND_STATUS),
                 RequestSpec(dlms.SET, CLASS_ACCOUNT_MODE, obis, ATTR_ACTIVATION_TIME)]
        data = [Data.struct(Data(dlms.ENUM, DLMS_PAYMENT_MODE[mode]), Data(dlms.ENUM, ACCOUNT_STATUS)),
                Data.octets(activation)]
        return AccessRequest(invoke_id_for(counter), specs, data).encode()
    try:
        body = _CPM.pack(int(params.get("provider_id", 0)), int(params.get("issuer_event_id", 0)),
                         int(params.get("implementation_time", 0)),
                         int(params.get("configuration", PAYMENT_CONFIGURATION[mode])),
                         int(params.get("cut_off", DO_NOT_CHANGE)) & 0xFFFFFFFF)
    except struct.error as exc:
        raise EncodeError(f"{use_case_id} field out of range: {exc}") from exc
    comp = GbzComponent(0, CLUSTER_PREPAYMENT, ZclHeader(0x01, 0, CMD_CHANGE_PAYMENT_MODE), body)
    return GbzPayload(finish_controls([comp])).encode()


def parse_payment_mode(use_case_id: str, content: bytes) -> dict[str, Any]:
    """What a Set Payment Mode command asks: ``mode`` (credit / prepayment, from the command's
    own content), ``activation`` / ``implementation_time`` and, for DLMS, ``invoke_id`` and
    ``specs``."""
    out: dict[str, Any] = {"use_case": use_case_id}
    if use_case_id.startswith("E"):
        apdu = dlms.parse_dlms(content)
        if not isinstance(apdu, AccessRequest):
            raise DecodeError("command is not an Access-Request", offset=0, field="APDU tag")
        out["invoke_id"] = apdu.invoke_id
        out["specs"] = [s.describe() for s in apdu.specs]
        modes = {v: k for k, v in DLMS_PAYMENT_MODE.items()}
        for spec, data in zip(apdu.specs, apdu.data):
            if spec.kind != dlms.SET or spec.class_id != CLASS_ACCOUNT_MODE or spec.obis != obis_bytes(ACCOUNT_OBJECT):
                continue
            if spec.index == ATTR_MODE_AND_STATUS and data.tag == dlms.STRUCTURE and data.value:
                out["mode"] = modes.get(int(data.value[0].value))
            elif spec.index == ATTR_ACTIVATION_TIME and isinstance(data.value, bytes):
                out["activation"] = data.value
        return out
    node = parse_gbz(content, None, alert=False)
    assert isinstance(node, GbzPayload)
    if len(node.components) != 1:
        raise DecodeError(f"{use_case_id} carries one component, got {len(node.components)}", offset=2,
                          field="GBZ component count")
    comp = node.components[0]
    if comp.cluster != CLUSTER_PREPAYMENT or comp.header.command_id != CMD_CHANGE_PAYMENT_MODE \
            or comp.payload is None or len(comp.payload) != _CPM.size:
        raise DecodeError(f"{use_case_id}: not a Change Payment Mode command", offset=0, field="ZCL command")
    provider, event, when, configuration, cut_off = _CPM.unpack(comp.payload)
    out.update(tsn=comp.header.tsn, provider_id=provider, issuer_event_id=event, implementation_time=when,
               configuration=configuration, cut_off=cut_off, mode=mode_of_configuration(configuration))
    return out


def build_payment_mode_response(use_case_id: str, request: Mapping[str, Any], status: int, counter: int) -> bytes:
    """The response: DLMS one result per item (``status`` for every item; after a failure the
    rest other-reason); GBZ a Change Payment Mode Response (``status`` 0) or a Default Response."""
    if use_case_id.startswith("E"):
        n = len(request.get("specs") or ()) or 2
        results = [status] + [dlms.OTHER_REASON if status else 0] * (n - 1)
        invoke = request.get("invoke_id", invoke_id_for(counter))
        return AccessResponse(invoke, [Data.null()] * n, [(dlms.SET, r) for r in results]).encode()
    tsn = int(request.get("tsn", 0))
    if status:
        body = DefaultResponse(CMD_CHANGE_PAYMENT_MODE, status)
        comp = GbzComponent(0, CLUSTER_PREPAYMENT, ZclHeader(0x08, tsn, CMD_DEFAULT_RESPONSE), body.to_bytes(), body)
    else:
        comp = GbzComponent(0, CLUSTER_PREPAYMENT, ZclHeader(0x09, tsn, CMD_CHANGE_PAYMENT_MODE_RESPONSE),
                            _CPM_RESPONSE.pack(0, 0, 0, 0))
    return GbzPayload(finish_controls([comp])).encode()


def read_payment_mode_response(use_case_id: str, content: bytes, node: object = None,
                               ) -> tuple[dict[str, Any], dict[str, int], bool]:
    """(values, statuses, success) of a Set Payment Mode response. ``node``: ``content`` already
    parsed (a DLMS APDU / a GBZ payload, see :func:`harness.gbcs.usecases.read_response`); the
    content is parsed here when it is none of these. The response is read as plaintext (the RTDS
    sends it unencrypted): an encrypted component is unreadable (-1) whether or not it was
    decrypted."""
    statuses: dict[str, int] = {}
    if use_case_id.startswith("E"):
        apdu = node if isinstance(node, dlms.APDU_TYPES) else dlms.parse_dlms(content)
        if not isinstance(apdu, AccessResponse):
            raise DecodeError("response is not an Access-Response", offset=0, field="APDU tag")
        statuses.update({f"item{i}": r for i, (_k, r) in enumerate(apdu.results)})
        return {}, statuses, bool(statuses) and all(s == 0 for s in statuses.values())
    if not isinstance(node, GbzPayload):
        node = parse_gbz(content, None, alert=False)
    assert isinstance(node, GbzPayload)
    values: dict[str, Any] = {}
    for i, c in enumerate(node.components):
        if c.encrypted:
            statuses[f"component{i}"] = -1
        elif isinstance(c.body, DefaultResponse):
            statuses[f"component{i}"] = c.body.status
        elif c.header.command_id == CMD_CHANGE_PAYMENT_MODE_RESPONSE and c.header.server_to_client \
                and c.payload is not None and len(c.payload) == _CPM_RESPONSE.size:
            statuses[f"component{i}"] = 0
            fc, calendar, limit, threshold = _CPM_RESPONSE.unpack(c.payload)
            values.update(friendly_credit=fc, friendly_credit_calendar_id=calendar,
                          emergency_credit_limit=limit, emergency_credit_threshold=threshold)
        else:
            statuses[f"component{i}"] = -1
    return values, statuses, bool(statuses) and all(s == 0 for s in statuses.values())


# -- ESME event log (ECS35a) --------------------------------------------------------------------

EVENT_LOG_USE_CASES = ("ECS35a",)
CLASS_PROFILE_GENERIC = 7
EVENT_LOG_OBJECT = "0-0:99.98.0.255"
CLOCK_OBJECT = "0-0:1.0.0.255"
UTC_EPOCH_2000 = _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc)
#: Provisional log codes of the meter events the suites look for (name <-> code).
LOG_CODES: dict[str, int] = {"change_debt": 0x0F21, "change_debt_refused": 0x0F22, "reset": 0x0F23,
                             "reset_refused": 0x0F24, "reset_failed": 0x0F25, "payment_mode": 0x0F26,
                             "restart": 0x0F27, "power_off": 0x0F28, "debt_recovered": 0x0F29}
LOG_NAMES = {v: k for k, v in LOG_CODES.items()}
DEBT_OBJECTS = {"TDR1": "0-0:19.20.1.255", "TDR2": "0-0:19.20.2.255", "PDR": "0-0:19.20.3.255"}
MAX_ENTRIES = 100


def seconds_2000(when: _dt.datetime) -> int:
    return max(0, int((when - UTC_EPOCH_2000).total_seconds()))


def build_event_log_read(counter: int, params: Mapping[str, Any]) -> bytes:
    """ECS35a: ``from_time`` / ``to_time`` (datetimes; default the whole log)."""
    start = params.get("from_time")
    end = params.get("to_time")
    lo = seconds_2000(start) if isinstance(start, _dt.datetime) else 0
    hi = seconds_2000(end) if isinstance(end, _dt.datetime) else 0xFFFFFFFF
    restricting = Data.struct(Data(dlms.LONG_UNSIGNED, 8), Data.octets(obis_bytes(CLOCK_OBJECT)),
                              Data(dlms.INTEGER, 2), Data(dlms.LONG_UNSIGNED, 0))
    selection = Data.struct(restricting, Data(dlms.DOUBLE_LONG_UNSIGNED, lo), Data(dlms.DOUBLE_LONG_UNSIGNED, hi),
                            Data.array())
    spec = RequestSpec(dlms.GET_WITH_SELECTION, CLASS_PROFILE_GENERIC, obis_bytes(EVENT_LOG_OBJECT), 2, 1, selection)
    return AccessRequest(invoke_id_for(counter), [spec], [Data.null()]).encode()


def parse_event_log_read(content: bytes) -> dict[str, Any]:
    """``invoke_id``, ``object``, ``from`` / ``to`` (seconds since 2000) of an ECS35a command."""
    apdu = dlms.parse_dlms(content)
    if not isinstance(apdu, AccessRequest) or len(apdu.specs) != 1:
        raise DecodeError("ECS35a is one Access-Request item", offset=0, field="APDU")
    spec = apdu.specs[0]
    out: dict[str, Any] = {"use_case": "ECS35a", "invoke_id": apdu.invoke_id, "object": obis_text(spec.obis),
                           "class_id": spec.class_id, "attribute": spec.index, "selector": spec.selector}
    try:
        sel = spec.selection
        assert sel is not None and sel.tag == dlms.STRUCTURE
        out["from"], out["to"] = int(sel.value[1].value), int(sel.value[2].value)
    except (AssertionError, IndexError, TypeError, ValueError) as exc:
        raise DecodeError(f"ECS35a needs a range descriptor ({exc})", offset=0, field="access selection") from exc
    return out


def log_entry(at: _dt.datetime, what: str, detail: Mapping[str, Any]) -> Data | None:
    """One buffer entry for a meter event (None: an event with no log code)."""
    code = LOG_CODES.get(what)
    if code is None:
        return None
    register = str(detail.get("register", ""))
    other = obis_bytes(DEBT_OBJECTS[register]) + b"\x00\x00" if register in DEBT_OBJECTS else bytes(8)
    return Data.struct(Data(dlms.DOUBLE_LONG_UNSIGNED, seconds_2000(at)), Data(dlms.LONG_UNSIGNED, code),
                       Data.octets(other))


def build_event_log_response(request: Mapping[str, Any], events: Sequence[Mapping[str, Any]], counter: int,
                             status: int = 0) -> bytes:
    """ECS35a response: the entries of ``events`` ({at: ISO text, what, detail}) within the
    request's range, oldest first, at most the last :data:`MAX_ENTRIES`."""
    invoke = request.get("invoke_id", invoke_id_for(counter))
    if status:
        return AccessResponse(invoke, [Data.null()], [(dlms.GET, status)]).encode()
    lo, hi = int(request.get("from", 0)), int(request.get("to", 0xFFFFFFFF))
    entries = []
    for event in events:
        at = _dt.datetime.fromisoformat(str(event["at"]))
        entry = log_entry(at, str(event.get("what", "")), event.get("detail") or {})
        if entry is not None and lo <= seconds_2000(at) <= hi:
            entries.append(entry)
    return AccessResponse(invoke, [Data.array(*entries[-MAX_ENTRIES:])], [(dlms.GET, 0)]).encode()


def read_event_log_response(content: bytes, node: object = None) -> tuple[dict[str, Any], dict[str, int], bool]:
    """(values, statuses, success): ``values["events"]`` is a list of {at (ISO), code, what (the
    provisional name, else ``code 0x....``), detail {register when named}, other (hex)}.
    ``node``: ``content`` already parsed (a DLMS APDU), else it is parsed here."""
    apdu = node if isinstance(node, dlms.APDU_TYPES) else dlms.parse_dlms(content)
    if not isinstance(apdu, AccessResponse):
        raise DecodeError("response is not an Access-Response", offset=0, field="APDU tag")
    result = apdu.results[0][1] if apdu.results else -1
    statuses = {"event_log": result}
    if result != 0 or not apdu.data or apdu.data[0].tag != dlms.ARRAY:
        return {}, statuses, False
    registers = {obis_bytes(o): r for r, o in DEBT_OBJECTS.items()}
    events = []
    for entry in apdu.data[0].value:
        try:
            stamp, code, other = (x.value for x in entry.value)
            at = UTC_EPOCH_2000 + _dt.timedelta(seconds=int(stamp))
        except (TypeError, ValueError, AttributeError) as exc:
            raise DecodeError(f"ECS35a buffer entry is not {{timestamp, logCode, otherInformation}} ({exc})",
                              offset=0, field="event log entry") from exc
        other = bytes(other) if isinstance(other, bytes | bytearray) else b""
        register = registers.get(other[:6])
        events.append({"at": at.isoformat(), "code": int(code),
                       "what": LOG_NAMES.get(int(code), f"code 0x{int(code):04X}"),
                       "detail": {"register": register} if register else {}, "other": other.hex().upper()})
    return {"events": events}, statuses, True
