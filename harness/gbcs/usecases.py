"""Typed builders and readers for the mission's use cases, shared by emulators and the bench.

* ``build_command_content(use_case_id, **params)``: command payload bytes (RTDS-shaped).
* ``parse_command(use_case_id, content)``: what an emulator needs to act.
* ``build_response_content(use_case_id, values, statuses=..., results=..., request=..., cipher=...,
  counter=...)``.
* ``read_response(use_case_id, content, cipher=None, request=None, node=None) -> ResponseReading``
  (values, ordered per-item results of the debt use cases, name-keyed statuses view, success;
  ``node``: the content already parsed, so it is not parsed again);
  ``read_response_values`` is its ``(values, statuses, success)`` tuple.

Value names are the canonical ones of :mod:`harness.bench.api`. Statuses are ZCL statuses (GBZ)
or DLMS Data-Access/Action results (0 = success). The debt use cases (GCS04/GCS04r,
ECS07/ECS07r) answer item by item: their results are an ordered list of :class:`ItemResult`, one
per command component / request item (so the same register twice, or an amount type naming no
register, keeps its own status); the name-keyed dict is a view of that list (:func:`item_key`).
GCS04/GCS04r Default Responses echo the TSN of the component they answer.
Error shapes follow the RTDS: after the first failed GBZ component every later component is a
Default Response ``FF 01``; after the first failed DLMS item later items are ``other-reason``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.errors import DecodeError, EncodeError
from harness.gbcs import devicelog, dlms, meteruc, zcl
from harness.gbcs.cipher import ContentCipher
from harness.gbcs.dlms import AccessRequest, AccessResponse, Data, RequestSpec, invoke_id_for, obis_bytes
from harness.gbcs.gbz import CTRL_ENCRYPTED, GbzComponent, GbzPayload, finish_controls, parse_gbz
from harness.gbcs.zcl import (
    CLUSTER_METERING,
    CLUSTER_PREPAYMENT,
    CLUSTER_PRICE,
    ChangeDebt,
    DefaultResponse,
    ReadAttributes,
    ReadAttributesResponse,
    ZclHeader,
)
from harness.vocabulary import DEBT_REGISTER_NAMES as DEBT_REGISTERS

# -- GBZ reads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadComponent:
    """One component of a GBZ read: cluster, attributes, how the response carries it."""

    cluster: int
    attributes: tuple[int, ...]
    encrypted: bool
    response_fc: int


_M, _P = CLUSTER_METERING, CLUSTER_PREPAYMENT
GBZ_READS: dict[str, tuple[ReadComponent, ...]] = {
    "GCS13a": (ReadComponent(_M, (0x0302, 0x0301, 0x0300, 0x0000), True, 0x18),),
    "GCS13b": (ReadComponent(_M, (0x0700, 0x0701, 0x0702, 0x0703, 0x0302, 0x0301, 0x0300), True, 0x18),),
    "GCS13c": (ReadComponent(_M, (0x0302, 0x0301, 0x0300, 0x0100, 0x0102, 0x0104, 0x0106), True, 0x18),),
    "GCS14": (ReadComponent(CLUSTER_PRICE, (0x0617, 0x0616), False, 0x08),
              ReadComponent(_P, (0x0005, 0x0002, 0x0001, 0x0231, 0x0211, 0x0221), True, 0x08)),
    "GCS60": (ReadComponent(_M, (0x0A00,), False, 0x08), ReadComponent(_P, (0x0001,), False, 0x08)),
    "GCS60a": (ReadComponent(_M, (0x0A00,), False, 0x08), ReadComponent(_P, (0x0001,), False, 0x08)),
}

# -- GBZ debt ----------------------------------------------------------------------------------

# Per-register Change Debt defaults (the RTDS GCS04 command's recovery settings).
DEBT_DEFAULTS: dict[str, dict[str, int]] = {
    "TDR1": {"debt_recovery_method": 0, "debt_recovery_frequency": 1, "debt_recovery_amount": 50000,
             "debt_recovery_balance_percentage": 0},
    "TDR2": {"debt_recovery_method": 0, "debt_recovery_frequency": 0, "debt_recovery_amount": 50000,
             "debt_recovery_balance_percentage": 0},
    "PDR": {"debt_recovery_method": 1, "debt_recovery_frequency": 1, "debt_recovery_amount": 0,
            "debt_recovery_balance_percentage": 100},
}

# -- DLMS objects ------------------------------------------------------------------------------

CLASS_DATA, CLASS_DATA_PROTECTION, CLASS_ACCOUNT, CLASS_CHARGE = 1, 30, 112, 113
DEBT_OBJECTS = {"TDR1": "0-0:19.20.1.255", "TDR2": "0-0:19.20.2.255", "PDR": "0-0:19.20.3.255"}
METHOD_UPDATE_TOTAL_AMOUNT_REMAINING = 4
METHOD_SET_TOTAL_AMOUNT_REMAINING = 5
#: Class 113 Charge items of an ECS07's time-based recovery (the RTDS ECS07): the passive unit
#: charge (its charge table holds the rate per period), the collection period in seconds, the
#: method that makes the passive unit charge the active one.
ATTR_UNIT_CHARGE_PASSIVE = 6
ATTR_PERIOD = 8
METHOD_ACTIVATE_PASSIVE_UNIT_CHARGE = 2
#: The debt registers with a time-based rate an ECS07 ``recovery`` may set.
RECOVERY_REGISTERS = ("TDR1", "TDR2")
METER_BALANCE_OBJECT = "0-0:19.10.0.255"
# use case -> (data-protection object, protected Data object, value names by position)
PROTECTED_READS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "ECS17b": ("0-0:43.2.8.255", "0-0:94.44.34.10", ("active_import", "", "reactive_import", "", "active_import_2")),
    "ECS19": ("0-0:43.2.1.255", "0-0:94.44.34.30",
              ("meter_balance", "emergency_credit_balance", "accumulated_debt", "TDR1", "TDR2", "PDR")),
}
ECS17B_UNITS = (Data.struct(Data(dlms.INTEGER, 0), Data(dlms.ENUM, 30)),  # Wh
                Data.struct(Data(dlms.INTEGER, 0), Data(dlms.ENUM, 32)))  # varh

GBZ_USE_CASES = (*GBZ_READS, "GCS04", "GCS04r")
DLMS_USE_CASES = ("ECS07", "ECS07r", "ECS17b", "ECS19", "ECS82", *devicelog.DEVICE_LOG_USE_CASES)
#: Set Payment Mode and Read ESME Event Log (:mod:`harness.gbcs.meteruc`).
METER_USE_CASES = (*meteruc.PAYMENT_MODE_USE_CASES, *meteruc.EVENT_LOG_USE_CASES)
USE_CASES = (*GBZ_USE_CASES, *DLMS_USE_CASES, *METER_USE_CASES)


def _check(use_case_id: str) -> None:
    if use_case_id not in USE_CASES:
        raise EncodeError(f"use case {use_case_id!r} has no typed builder (known: {', '.join(USE_CASES)})")


def _register(name: str) -> str:
    if name not in DEBT_REGISTERS:
        raise EncodeError(f"debt register {name!r} is none of {', '.join(DEBT_REGISTERS)}")
    return name


# -- per-item results of the debt use cases -------------------------------------------------

DEBT_USE_CASES = ("GCS04", "GCS04r", "ECS07", "ECS07r")


@dataclass(frozen=True)
class CommandItem:
    """One item of a debt command as its response answers it: position, the debt register it
    names (None: an amount type or object naming none, or a non-debt DLMS item), the ZCL TSN of
    a GBZ component (None for DLMS) and the DLMS result kind (None for GBZ)."""

    index: int
    register: str | None
    tsn: int | None = None
    kind: int | None = None
    key: str = ""  # name in the statuses view (see item_key)


@dataclass(frozen=True)
class ItemResult:
    """The response to one :class:`CommandItem`: ZCL status (GBZ Default Response) or DLMS
    result (0 = success). After the first failure later items carry Default Response status
    FAILURE (command id 0xFF) or DLMS other-reason."""

    index: int
    register: str | None
    status: int
    tsn: int | None = None
    key: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "register": self.register, "status": self.status, "tsn": self.tsn,
                "key": self.key}


def item_key(index: int, register: str | None, registers: Sequence[str | None], *, gbz: bool) -> str:
    """Key of an item in the name-keyed statuses view: its register when that register is named
    by exactly one item of the command; otherwise ``component<i>`` (GBZ) / ``item<i>`` (DLMS)."""
    if register is not None and sum(1 for r in registers if r == register) == 1:
        return register
    return f"component{index}" if gbz else f"item{index}"


def item_statuses(results: Sequence[ItemResult]) -> dict[str, int]:
    """The name-keyed view of ordered item results."""
    return {r.key: r.status for r in results}


def command_items(use_case_id: str, request: Mapping[str, Any] | None) -> list[CommandItem]:
    """The items a response to ``use_case_id`` answers, in order, from :func:`parse_command`
    output (or a hand-made ``{"registers": [...]}`` / ``{"register": ...}``). Without one: one
    item per debt register (GCS04/ECS07) or TDR1 (resets)."""
    if use_case_id not in DEBT_USE_CASES:
        raise EncodeError(f"{use_case_id} is not a debt use case with per-item results")
    gbz = use_case_id in ("GCS04", "GCS04r")
    req = request or {}
    kinds: list[int | None]
    tsns: list[int | None]
    if gbz and req.get("debts"):
        regs: list[str | None] = [d.get("register") for d in req["debts"]]
        tsns = [d.get("tsn") for d in req["debts"]]
        kinds = [None] * len(regs)
    elif not gbz and req.get("specs"):
        by_index = {a["index"]: a["register"] for a in req.get("actions", [])}
        specs = req["specs"]
        regs = [by_index.get(i) for i in range(len(specs))]
        kinds = [_KIND.get(s.get("kind"), dlms.ACTION) for s in specs]
        tsns = [None] * len(regs)
    else:
        if req.get("registers"):
            regs = list(req["registers"])
        elif req.get("register"):
            regs = [req["register"]]
        else:
            regs = ["TDR1"] if use_case_id in ("GCS04r", "ECS07r") else list(DEBT_REGISTERS)
        tsns = list(range(len(regs))) if gbz else [None] * len(regs)
        kinds = [None if gbz else dlms.ACTION] * len(regs)
    out = []
    for i, reg in enumerate(regs):
        tsn = tsns[i]
        if gbz and tsn is None:
            tsn = i
        out.append(CommandItem(i, reg, tsn, kinds[i], item_key(i, reg, regs, gbz=gbz)))
    return out


_KIND = {"get": dlms.GET, "set": dlms.SET, "action": dlms.ACTION}


def _item_results(items: Sequence[CommandItem], statuses: Mapping[str, int],
                  results: Sequence[int] | None, use_case_id: str) -> list[int]:
    """Per-item statuses from ``results`` (ordered, one per item) or the name-keyed view."""
    if results is None:
        return [int(statuses.get(it.key, 0)) for it in items]
    if len(results) != len(items):
        raise EncodeError(f"{use_case_id}: {len(results)} item results for {len(items)} command items")
    return [int(r) for r in results]


# ============================================================================================
# Commands
# ============================================================================================


def build_command_content(use_case_id: str, **params: Any) -> bytes:
    """Command payload of ``use_case_id``. GBZ reads take no parameters; GCS04 takes
    ``tdr1``, ``tdr2``, ``pdr`` (incremental amounts, None = no component) and
    ``issuer_event_id``; GCS04r/ECS07r take ``register``; ECS07 ``tdr1``/``tdr2``/``pdr``,
    ``counter`` and ``recovery`` (TDR1/TDR2's time-based rate, ``{"TDR1": {"rate": 0}}``: the
    passive unit charge SET items and their activation ahead of the adjustments, as the RTDS
    ECS07; see :func:`_recovery_items`); ECS17b/ECS19 ``counter``, ``originator``, ``recipient``; ECS82 ``counter``."""
    _check(use_case_id)
    if use_case_id in meteruc.PAYMENT_MODE_USE_CASES:
        return meteruc.build_payment_mode(use_case_id, int(params.get("counter", 0)), params)
    if use_case_id in meteruc.EVENT_LOG_USE_CASES:
        return meteruc.build_event_log_read(int(params.get("counter", 0)), params)
    if use_case_id in GBZ_READS:
        comps = [GbzComponent(0, rc.cluster, ZclHeader(0x00, i, zcl.CMD_READ_ATTRIBUTES),
                              ReadAttributes(list(rc.attributes)).to_bytes())
                 for i, rc in enumerate(GBZ_READS[use_case_id])]
        return GbzPayload(finish_controls(comps)).encode()
    if use_case_id == "GCS04":
        amounts = {r: params.get(r.lower()) for r in DEBT_REGISTERS}
        debts = [(r, a) for r, a in amounts.items() if a is not None]
        if not debts:
            raise EncodeError("GCS04 needs at least one of tdr1, tdr2, pdr")
        event = int(params.get("issuer_event_id", 0))
        cds = [_change_debt(r, int(a), zcl.DEBT_TYPE_INCREMENTAL[r], event, params.get("recovery")) for r, a in debts]
        return _change_debt_payload(cds)
    if use_case_id == "GCS04r":
        reg = _register(params.get("register", ""))
        cd = _change_debt(reg, 0, zcl.DEBT_TYPE_ABSOLUTE[reg], int(params.get("issuer_event_id", 0)),
                          params.get("recovery"))
        return _change_debt_payload([cd])
    counter = int(params.get("counter", 0))
    if use_case_id in devicelog.DEVICE_LOG_USE_CASES:  # DP093: CCS01/CCS02/CCS07
        return devicelog.build_command(use_case_id, counter, **{k: v for k, v in params.items()
                                                                if k in ("eui", "install_code", "device_type",
                                                                         "join_timeout")})
    if use_case_id == "ECS07":
        specs, data = _recovery_items(params.get("recovery"))
        for reg in DEBT_REGISTERS:
            amount = params.get(reg.lower())
            if amount is not None:
                specs.append(RequestSpec(dlms.ACTION, CLASS_CHARGE, obis_bytes(DEBT_OBJECTS[reg]),
                                         METHOD_UPDATE_TOTAL_AMOUNT_REMAINING))
                data.append(Data(dlms.DOUBLE_LONG, int(amount)))
        if not any(s.kind == dlms.ACTION and s.index == METHOD_UPDATE_TOTAL_AMOUNT_REMAINING for s in specs):
            raise EncodeError("ECS07 needs at least one of tdr1, tdr2, pdr")
        return AccessRequest(invoke_id_for(counter), specs, data).encode()
    if use_case_id == "ECS07r":
        reg = _register(params.get("register", ""))
        spec = RequestSpec(dlms.ACTION, CLASS_CHARGE, obis_bytes(DEBT_OBJECTS[reg]), METHOD_SET_TOTAL_AMOUNT_REMAINING)
        return AccessRequest(invoke_id_for(counter), [spec], [Data(dlms.DOUBLE_LONG, 0)]).encode()
    if use_case_id == "ECS82":
        spec = RequestSpec(dlms.GET, CLASS_ACCOUNT, obis_bytes(METER_BALANCE_OBJECT), 2)
        return AccessRequest(invoke_id_for(counter), [spec], [Data.null()]).encode()
    # protected reads ECS17b / ECS19
    protection_obj, target_obj, _names = PROTECTED_READS[use_case_id]
    originator, recipient = params.get("originator"), params.get("recipient")
    if not isinstance(originator, bytes | bytearray) or not isinstance(recipient, bytes | bytearray):
        raise EncodeError(f"{use_case_id} needs originator and recipient EUIs (bytes)")
    object_list = Data.array(Data.struct(
        Data(dlms.LONG_UNSIGNED, CLASS_DATA), Data.octets(obis_bytes(target_obj)), Data(dlms.INTEGER, 2),
        Data(dlms.LONG_UNSIGNED, 0), Data.struct(Data(dlms.ENUM, 0), Data.null())))
    param = Data.struct(object_list, dlms.protection_parameters(counter, bytes(originator), bytes(recipient)))
    spec = RequestSpec(dlms.ACTION, CLASS_DATA_PROTECTION, obis_bytes(protection_obj), 1)
    return AccessRequest(invoke_id_for(counter), [spec], [param]).encode()


def _change_debt(reg: str, amount: int, amount_type: int, event: int, recovery: Any) -> ChangeDebt:
    fields = dict(DEBT_DEFAULTS[reg])
    if isinstance(recovery, dict) and isinstance(recovery.get(reg), dict):
        fields.update(recovery[reg])
    return ChangeDebt(issuer_event_id=event, debt_label=b"", debt_amount=amount, debt_amount_type=amount_type,
                      **fields)


def _change_debt_payload(cds: list[ChangeDebt]) -> bytes:
    comps = [GbzComponent(0, CLUSTER_PREPAYMENT, ZclHeader(0x01, i, zcl.CMD_CHANGE_DEBT), cd.to_bytes(), cd)
             for i, cd in enumerate(cds)]
    return GbzPayload(finish_controls(comps)).encode()


def unit_charge(rate: int) -> Data:
    """A class 113 unit charge as the RTDS ECS07 sets it: scaling {0, -1}, no commodity, one
    charge-table entry whose charge per unit is ``rate`` (the amount recovered per period)."""
    return Data.struct(
        Data.struct(Data(dlms.INTEGER, 0), Data(dlms.INTEGER, -1)),
        Data.struct(Data(dlms.LONG_UNSIGNED, 0), Data.octets(bytes(6)), Data(dlms.INTEGER, 0)),
        Data.array(Data.struct(Data.octets(b""), Data(dlms.LONG, rate))))


def unit_charge_rate(value: Any) -> int | None:
    """The rate (first charge-table entry's charge per unit) of a unit charge as
    :func:`parse_command` gives it (plain lists); None when it is not one."""
    try:
        rate = value[2][0][1]
    except (IndexError, KeyError, TypeError):
        return None
    return rate if isinstance(rate, int) and not isinstance(rate, bool) else None


def _recovery_items(recovery: Any) -> tuple[list[RequestSpec], list[Data]]:
    """The SET and ACTION items an ECS07 carries before its debt adjustments to set TDR1/TDR2's
    time-based recovery (``{"TDR1": {"rate": 0, "period": 3600}}``; ``period`` optional), in the
    RTDS ECS07's order: passive unit charges, periods, activations. None: no items."""
    if recovery is None:
        return [], []
    if not isinstance(recovery, Mapping):
        raise EncodeError("ECS07 recovery is a mapping of register -> {rate, period}")
    unknown = sorted(set(recovery) - set(RECOVERY_REGISTERS))
    if unknown:
        raise EncodeError(f"ECS07 recovery for {', '.join(unknown)}: only {', '.join(RECOVERY_REGISTERS)} "
                          "have a time-based rate")
    regs = [r for r in RECOVERY_REGISTERS if r in recovery]
    if any(not isinstance(recovery[r], Mapping) or "rate" not in recovery[r] for r in regs):
        raise EncodeError("ECS07 recovery names a rate per register ({'TDR1': {'rate': 0}})")
    ln = {r: obis_bytes(DEBT_OBJECTS[r]) for r in regs}
    specs = [RequestSpec(dlms.SET, CLASS_CHARGE, ln[r], ATTR_UNIT_CHARGE_PASSIVE) for r in regs]
    data = [unit_charge(int(recovery[r]["rate"])) for r in regs]
    for r in regs:
        if recovery[r].get("period") is not None:
            specs.append(RequestSpec(dlms.SET, CLASS_CHARGE, ln[r], ATTR_PERIOD))
            data.append(Data(dlms.DOUBLE_LONG_UNSIGNED, int(recovery[r]["period"])))
    specs += [RequestSpec(dlms.ACTION, CLASS_CHARGE, ln[r], METHOD_ACTIVATE_PASSIVE_UNIT_CHARGE) for r in regs]
    data += [Data(dlms.INTEGER, 0) for _ in regs]
    return specs, data


def build_ecs07_rtds_style(*, counter: int, tdr1: int, tdr2: int, pdr: int, tdr1_rate: int = 3,
                           tdr2_rate: int = 15, pdr_proportion: int = 1000, period: int = 86400) -> bytes:
    """The full 10-item ECS07 request as the RTDS has it (rates, periods, activation, then the
    three method-4 adjustments in the order PDR, TDR1, TDR2)."""
    specs, data = _recovery_items({"TDR1": {"rate": tdr1_rate, "period": period},
                                   "TDR2": {"rate": tdr2_rate, "period": period}})
    specs.insert(2, RequestSpec(dlms.SET, CLASS_CHARGE, obis_bytes(DEBT_OBJECTS["PDR"]), 13))  # PDR proportion
    data.insert(2, Data(dlms.LONG_UNSIGNED, pdr_proportion))
    for reg, amount in (("PDR", pdr), ("TDR1", tdr1), ("TDR2", tdr2)):
        specs.append(RequestSpec(dlms.ACTION, CLASS_CHARGE, obis_bytes(DEBT_OBJECTS[reg]),
                                 METHOD_UPDATE_TOTAL_AMOUNT_REMAINING))
        data.append(Data(dlms.DOUBLE_LONG, amount))
    return AccessRequest(invoke_id_for(counter), specs, data).encode()


def _recovery_request_items(specs: Sequence[RequestSpec], data: Sequence[Data]) -> list[dict[str, Any]]:
    """The class 113 recovery items of an ECS07 (:func:`_recovery_items`) with their position and
    register (None: not a debt register's object): ``item`` ``unit_charge_passive`` (``rate``,
    None when the value is no unit charge), ``period`` (``seconds``) or ``activate``."""
    by_obis = {obis_bytes(o): r for r, o in DEBT_OBJECTS.items()}
    out: list[dict[str, Any]] = []
    for i, (s, d) in enumerate(zip(specs, data)):
        if s.class_id != CLASS_CHARGE:
            continue
        entry: dict[str, Any] = {"index": i, "register": by_obis.get(s.obis)}
        if s.kind == dlms.SET and s.index == ATTR_UNIT_CHARGE_PASSIVE:
            entry.update(item="unit_charge_passive", rate=unit_charge_rate(_py(d)))
        elif s.kind == dlms.SET and s.index == ATTR_PERIOD:
            entry.update(item="period", seconds=d.value if isinstance(d.value, int) else None)
        elif s.kind == dlms.ACTION and s.index == METHOD_ACTIVATE_PASSIVE_UNIT_CHARGE:
            entry.update(item="activate")
        else:
            continue
        out.append(entry)
    return out


def _py(d: Data) -> Any:
    """A-XDR Data as plain Python (lists, ints, bytes, None)."""
    if d.tag in (dlms.ARRAY, dlms.STRUCTURE):
        return [_py(x) for x in d.value]
    return d.value


def parse_command(use_case_id: str, content: bytes, cipher: ContentCipher | None = None) -> dict[str, Any]:
    """What an emulator needs to act on a command of ``use_case_id``. Raises DecodeError."""
    _check(use_case_id)
    if use_case_id in meteruc.PAYMENT_MODE_USE_CASES:
        return meteruc.parse_payment_mode(use_case_id, content)
    if use_case_id in meteruc.EVENT_LOG_USE_CASES:
        return meteruc.parse_event_log_read(content)
    out: dict[str, Any] = {"use_case": use_case_id}
    if use_case_id in GBZ_USE_CASES:
        node = parse_gbz(content, cipher, alert=False)
        assert isinstance(node, GbzPayload)
        comps = []
        debts = []
        for c in node.components:
            entry: dict[str, Any] = {"cluster": c.cluster, "tsn": c.header.tsn, "control": c.control,
                                     "frame_control": c.header.frame_control, "command_id": c.header.command_id}
            if isinstance(c.body, ReadAttributes):
                entry["attributes"] = list(c.body.attribute_ids)
                entry["attribute_names"] = [zcl.attribute_name(c.cluster, a) for a in c.body.attribute_ids]
            elif isinstance(c.body, ChangeDebt):
                cd = c.body
                debt = {k: v for k, v in cd.__dict__.items()}
                debt.update(register=cd.register, absolute=cd.absolute, amount=cd.debt_amount, tsn=c.header.tsn)
                entry["change_debt"] = debt
                debts.append(debt)
            comps.append(entry)
        out["components"] = comps
        if use_case_id in ("GCS04", "GCS04r"):
            if len(debts) != len(comps):
                raise DecodeError("a component is not a Change Debt command", offset=0, field="GBZ component")
            out["debts"] = debts
            out["registers"] = [d["register"] for d in debts]
            if use_case_id == "GCS04r":
                out["register"] = debts[0]["register"] if debts else None
        return out
    if use_case_id in devicelog.DEVICE_LOG_USE_CASES:
        return devicelog.parse_command(use_case_id, content)
    apdu = dlms.parse_dlms(content)
    if not isinstance(apdu, AccessRequest):
        raise DecodeError("command is not an Access-Request", offset=0, field="APDU tag")
    out["invoke_id"] = apdu.invoke_id
    out["counter_low24"] = apdu.invoke_id & 0xFFFFFF
    out["specs"] = [{**s.describe(), "data": _py(d)} for s, d in zip(apdu.specs, apdu.data)]
    by_obis = {obis_bytes(o): r for r, o in DEBT_OBJECTS.items()}
    if use_case_id in ("ECS07", "ECS07r"):
        actions = []
        for i, (s, d) in enumerate(zip(apdu.specs, apdu.data)):
            if s.kind == dlms.ACTION and s.class_id == CLASS_CHARGE and s.index in (4, 5):
                actions.append({"register": by_obis.get(s.obis), "method": s.index, "amount": d.value,
                                "absolute": s.index == METHOD_SET_TOTAL_AMOUNT_REMAINING, "index": i})
        out["actions"] = actions
        out["registers"] = [a["register"] for a in actions]
        out["recovery_items"] = _recovery_request_items(apdu.specs, apdu.data)
        if use_case_id == "ECS07r":
            out["register"] = actions[0]["register"] if actions else None
    elif use_case_id in PROTECTED_READS:
        try:
            obj_list, params = apdu.data[0].value
            target = obj_list.value[0].value[1].value
            opts = params.value[0].value[1].value
            out["object"] = dlms.obis_text(target)
            out["protection"] = {"transaction_id": opts[0].value,
                                 "counter": int.from_bytes(opts[0].value[1:], "big"),
                                 "originator": opts[1].value, "recipient": opts[2].value}
        except (IndexError, TypeError, ValueError, AttributeError) as exc:
            raise DecodeError(f"not a get_protected_attributes parameter ({exc})", offset=0,
                              field="protection parameters") from exc
    return out


# ============================================================================================
# Responses
# ============================================================================================


def build_response_content(use_case_id: str, values: Mapping[str, Any], *,
                           statuses: Mapping[str, int] | None = None, results: Sequence[int] | None = None,
                           request: dict[str, Any] | None = None, cipher: ContentCipher | None = None,
                           counter: int = 0) -> bytes:
    """RTDS-shaped response payload. ``values`` by canonical name; ``statuses`` name -> non-zero
    status (ZCL status for GBZ, DLMS result for DLMS). For the debt use cases ``results`` is the
    ordered per-item status list (one per command component / request item, see
    :func:`command_items`); without it ``statuses`` is read as the name-keyed view.
    ``request`` is :func:`parse_command` output (TSNs, registers, protection parameters).
    ``cipher`` encrypts where the RTDS response is encrypted."""
    _check(use_case_id)
    statuses = statuses or {}
    if use_case_id in meteruc.PAYMENT_MODE_USE_CASES:  # results: [status]
        return meteruc.build_payment_mode_response(use_case_id, request or {}, int((results or [0])[0]), counter)
    if use_case_id in meteruc.EVENT_LOG_USE_CASES:  # values["events"]: [{at, what, detail}]
        return meteruc.build_event_log_response(request or {}, values.get("events") or [], counter,
                                                int(statuses.get("event_log", 0)))
    if use_case_id in devicelog.DEVICE_LOG_USE_CASES:  # values["logs"]: DeviceLogs (CCS07)
        return devicelog.build_response(use_case_id, request or {}, results=list(results) if results else None,
                                        logs=values.get("logs"))
    if use_case_id in GBZ_READS:
        return _gbz_read_response(use_case_id, values, statuses, request, cipher)
    if use_case_id in DEBT_USE_CASES:
        items = command_items(use_case_id, request)
        per_item = _item_results(items, statuses, results, use_case_id)
        if use_case_id in ("GCS04", "GCS04r"):
            return _default_responses(items, per_item)
        invoke = (request or {}).get("invoke_id", invoke_id_for(counter))
        kinds = [it.kind if it.kind is not None else dlms.ACTION for it in items]
        return AccessResponse(invoke, [Data.null()] * len(items), list(zip(kinds, _dlms_results(per_item)))).encode()
    invoke = (request or {}).get("invoke_id", invoke_id_for(counter))
    if use_case_id == "ECS82":
        st = int(statuses.get("meter_balance", 0))
        item = Data(dlms.DOUBLE_LONG, int(values["meter_balance"])) if st == 0 else Data.null()
        return AccessResponse(invoke, [item], [(dlms.GET, st)]).encode()
    # protected reads
    names = [n for n in PROTECTED_READS[use_case_id][2] if n]
    st = next((int(statuses[n]) for n in names if statuses.get(n)), 0)
    if st:
        return AccessResponse(invoke, [Data.null()], [(dlms.ACTION, st)]).encode()
    if cipher is None:
        raise EncodeError(f"{use_case_id} response is encrypted: a ContentCipher is needed")
    prot = (request or {}).get("protection")
    if not prot:
        raise EncodeError(f"{use_case_id} response needs request['protection'] (parse_command output)")
    params = dlms.protection_parameters(int(prot["counter"]), bytes(prot["recipient"]), bytes(prot["originator"]))
    plaintext = _protected_plaintext(use_case_id, values).to_bytes()
    return AccessResponse(invoke, [dlms.protected_result(params, plaintext, cipher)], [(dlms.ACTION, 0)]).encode()


def _default_responses(items: Sequence[CommandItem], statuses: Sequence[int]) -> bytes:
    """GCS04/GCS04r response: one Default Response per Change Debt component, echoing its TSN;
    after the first failure every later component is ``FF 01``."""
    comps = []
    failed = False
    for item, status in zip(items, statuses):
        if failed:
            body = DefaultResponse(0xFF, zcl.FAILURE)
        else:
            body = DefaultResponse(zcl.CMD_CHANGE_DEBT, status)
            failed = body.status != 0
        tsn = item.tsn if item.tsn is not None else item.index
        comps.append(GbzComponent(0, CLUSTER_PREPAYMENT, ZclHeader(0x08, tsn, zcl.CMD_DEFAULT_RESPONSE),
                                  body.to_bytes(), body))
    return GbzPayload(finish_controls(comps)).encode()


def _dlms_results(statuses: list[int]) -> list[int]:
    out, failed = [], False
    for s in statuses:
        out.append(dlms.OTHER_REASON if failed else s)
        failed = failed or s != 0
    return out


def _protected_plaintext(use_case_id: str, values: Mapping[str, Any]) -> Data:
    if use_case_id == "ECS19":
        items = [Data(dlms.DOUBLE_LONG, int(values[n])) for n in PROTECTED_READS["ECS19"][2]]
    else:
        items = [Data(dlms.DOUBLE_LONG_UNSIGNED, int(values["active_import"])), ECS17B_UNITS[0],
                 Data(dlms.DOUBLE_LONG_UNSIGNED, int(values["reactive_import"])), ECS17B_UNITS[1]]
        if values.get("active_import_2") is not None:
            items.append(Data(dlms.DOUBLE_LONG_UNSIGNED, int(values["active_import_2"])))
    return Data.struct(Data.struct(*items))


def _gbz_read_response(use_case_id: str, values: Mapping[str, Any], statuses: Mapping[str, int],
                       request: dict[str, Any] | None, cipher: ContentCipher | None) -> bytes:
    shapes = GBZ_READS[use_case_id]
    req_comps = (request or {}).get("components") or []
    comps: list[GbzComponent] = []
    failed = False
    for i, shape in enumerate(shapes):
        req = req_comps[i] if i < len(req_comps) else {}
        tsn = int(req.get("tsn", i))
        attrs = list(req.get("attributes", shape.attributes))
        if failed:
            body = DefaultResponse(0xFF, zcl.FAILURE)
            comps.append(GbzComponent(0, shape.cluster, ZclHeader(0x08, tsn, zcl.CMD_DEFAULT_RESPONSE),
                                      body.to_bytes(), body))
            continue
        records = []
        for aid in attrs:
            name = zcl.attribute_name(shape.cluster, aid)
            status = int(statuses.get(name, 0))
            type_id = zcl.attribute_type(shape.cluster, aid)
            if status == 0 and (name not in values or type_id is None):
                status = zcl.UNSUPPORTED_ATTRIBUTE
            if status:
                records.append(zcl.AttributeRecord(aid, status))
                failed = True
            else:
                records.append(zcl.AttributeRecord(aid, 0, type_id, values[name]))
        rar = ReadAttributesResponse(records)
        comp = GbzComponent(CTRL_ENCRYPTED if shape.encrypted else 0, shape.cluster,
                            ZclHeader(shape.response_fc, tsn, zcl.CMD_READ_ATTRIBUTES_RESPONSE), rar.to_bytes(), rar)
        if shape.encrypted and cipher is None:
            raise EncodeError(f"{use_case_id} response component is encrypted: a ContentCipher is needed")
        comps.append(comp)
    return GbzPayload(finish_controls(comps)).encode(cipher)


@dataclass
class ResponseReading:
    """What a response says: values by canonical name, the ordered per-item results of the debt
    use cases (empty for the others) and the name-keyed statuses (for debt use cases the view
    of ``items``)."""

    values: dict[str, Any] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    items: list[ItemResult] = field(default_factory=list)
    success: bool = False


def read_response_values(use_case_id: str, content: bytes, cipher: ContentCipher | None = None,
                         *, request: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, int], bool]:
    """Typed values of a response: (values by canonical name, statuses, success). See
    :func:`read_response` (which also gives the ordered per-item results)."""
    r = read_response(use_case_id, content, cipher, request=request)
    return r.values, r.statuses, r.success


def read_response(use_case_id: str, content: bytes, cipher: ContentCipher | None = None,
                  *, request: dict[str, Any] | None = None, node: object = None) -> ResponseReading:
    """Read a response. Encrypted parts without a ``cipher`` (or failing decryption) contribute
    no values and status -1. For the debt use cases ``request`` (:func:`parse_command` output of
    the command) names each item's register; GBZ Default Responses are matched to the command's
    components by TSN (by position when no component has that TSN).

    ``node``: ``content`` already parsed, as :func:`harness.gbcs.payload.decode_payload` leaves
    it in ``Payload.node`` (a GBZ payload parsed as a non-alert, a DLMS APDU), decrypted with
    ``cipher``'s key (or not decrypted when ``cipher`` is None); it is read as it is, so nothing
    is parsed or decrypted twice. ``content`` is parsed here (with ``cipher``) when ``node`` is
    None or of another kind than this use case reads (the payload did not decode, was another
    family, or was a GBZ alert), so a content this reader cannot read fails as it always did."""
    _check(use_case_id)
    out = ResponseReading()
    values, statuses = out.values, out.statuses
    if use_case_id in METER_USE_CASES:
        if use_case_id in meteruc.PAYMENT_MODE_USE_CASES:
            got, st, out.success = meteruc.read_payment_mode_response(use_case_id, content, node)
        else:
            got, st, out.success = meteruc.read_event_log_response(content, node)
        values.update(got)
        statuses.update(st)
        return out
    if use_case_id in GBZ_USE_CASES:
        if not isinstance(node, GbzPayload):
            node = parse_gbz(content, cipher, alert=False)
        assert isinstance(node, GbzPayload)
        if use_case_id in DEBT_USE_CASES:
            out.items = _gbz_item_results(use_case_id, node, request)
            out.statuses.update(item_statuses(out.items))
            out.success = bool(out.items) and all(r.status == 0 for r in out.items)
            return out
        for i, c in enumerate(node.components):
            if c.encrypted and c.payload is None:
                statuses[f"component{i}"] = -1
                continue
            if isinstance(c.body, ReadAttributesResponse):
                for rec in c.body.records:
                    name = zcl.attribute_name(c.cluster, rec.attribute_id)
                    statuses[name] = rec.status
                    if rec.status == 0:
                        values[name] = rec.value
            elif isinstance(c.body, DefaultResponse):
                statuses[f"component{i}"] = c.body.status
            else:
                statuses[f"component{i}"] = -1
        out.success = all(s == 0 for s in statuses.values())
        return out
    apdu = node if isinstance(node, dlms.APDU_TYPES) else dlms.parse_dlms(content, cipher)
    if use_case_id == "CCS07":
        logs, results = devicelog.logs_of(apdu)
        values.update(logs.to_json())
        statuses.update(dict(zip(("device_log", "historic_device_log"), results)))
        out.success = bool(results) and all(r == 0 for r in results)
        return out
    if not isinstance(apdu, AccessResponse):
        raise DecodeError("response is not an Access-Response", offset=0, field="APDU tag")
    results = [r for _k, r in apdu.results]
    if use_case_id in ("ECS07", "ECS07r"):
        items = command_items(use_case_id, request) if request else []
        regs = [it.register for it in items] + [None] * max(0, len(results) - len(items))
        for i, r in enumerate(results):
            reg = regs[i]
            out.items.append(ItemResult(i, reg, r, None, item_key(i, reg, regs, gbz=False)))
        statuses.update(item_statuses(out.items))
    elif use_case_id in devicelog.DEVICE_LOG_USE_CASES:  # CCS01 / CCS02: one result per item
        statuses.update({f"item{i}": r for i, r in enumerate(results)})
    elif use_case_id == "ECS82":
        statuses["meter_balance"] = results[0] if results else -1
        if results and results[0] == 0 and apdu.data and apdu.data[0].tag != dlms.NULL:
            values["meter_balance"] = apdu.data[0].value
    else:
        names = [n for n in PROTECTED_READS[use_case_id][2] if n]
        r0 = results[0] if results else -1
        item = apdu.data[0] if apdu.data else Data.null()
        inner = item.decrypted if isinstance(item.decrypted, Data) else None
        if r0 == 0 and inner is None:
            r0 = -1  # encrypted and not readable here
        if inner is not None:
            pos = PROTECTED_READS[use_case_id][2]
            elems = inner.value[0].value if inner.tag == dlms.STRUCTURE and inner.value and \
                inner.value[0].tag == dlms.STRUCTURE else []
            for name, el in zip(pos, elems):
                if name:
                    values[name] = el.value
            names = [n for n in pos if n and (n in values or n != "active_import_2")]
        for n in names:
            statuses[n] = r0
    out.success = bool(statuses) and all(s == 0 for s in statuses.values())
    return out


def _gbz_item_results(use_case_id: str, node: GbzPayload, request: dict[str, Any] | None) -> list[ItemResult]:
    """One result per Default Response of a GCS04/GCS04r response, matched to the command's
    components by the echoed TSN (each component answered once), else by position."""
    items = command_items(use_case_id, request) if request else []
    unused = list(items)
    regs: list[str | None] = []
    matched: list[tuple[int, int | None, int]] = []  # (index, tsn, status) per response component
    for i, c in enumerate(node.components):
        tsn = c.header.tsn
        if c.encrypted and c.payload is None or not isinstance(c.body, DefaultResponse):
            status = -1
        else:
            status = c.body.status
        item = next((it for it in unused if it.tsn == tsn), None)
        if item is None and i < len(items) and items[i] in unused:
            item = items[i]
        if item is not None:
            unused.remove(item)
        regs.append(item.register if item is not None else None)
        matched.append((item.index if item is not None else i, tsn, status))
    return [ItemResult(index, reg, status, tsn, item_key(index, reg, regs, gbz=True))
            for (index, tsn, status), reg in zip(matched, regs)]
