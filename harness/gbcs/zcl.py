"""ZigBee Cluster Library pieces GBCS uses: declarative data types, the ZCL frame, the global
Read Attributes / Read Attributes Response / Default Response commands, the ZSE Prepayment
Change Debt command, status names and attribute names of the clusters the harness reads.

The ZSE clusters are declared here once (:data:`ATTRIBUTES`, :data:`COMMANDS` and the value
names of their enumerations): the codec, the raw ZigBee transport (:mod:`harness.zigbee.zse`) and
the zigpy cluster definitions (:mod:`harness.zigbee.clusters`) all read these tables.

All multi-byte ZCL values are little-endian. Decoders raise :class:`DecodeError` with offsets
relative to the bytes they were given; callers add their own base offset.
"""

from __future__ import annotations

import datetime as _dt
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.errors import DecodeError, EncodeError

# -- data types -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZclType:
    """One ZCL data type: wire id, name, size in bytes (None = length-prefixed), kind."""

    type_id: int
    name: str
    size: int | None
    kind: str  # "uint", "int", "bitmap", "enum", "bool", "data", "float", "octstr", "string", "utc"
    prefix: int = 1  # length-prefix size for variable-size types

    @property
    def signed(self) -> bool:
        return self.kind == "int"

    @property
    def invalid(self) -> int | None:
        """The 'invalid / not set' value of an integer type (ZCL convention), if any."""
        if self.size is None or self.kind not in ("uint", "int", "utc", "enum"):
            return None
        if self.kind == "int":
            return -(1 << (8 * self.size - 1))
        return (1 << (8 * self.size)) - 1


def _table() -> dict[int, ZclType]:
    t: dict[int, ZclType] = {}
    for i in range(8):
        t[0x08 + i] = ZclType(0x08 + i, f"DATA{8 * (i + 1)}", i + 1, "data")
        t[0x18 + i] = ZclType(0x18 + i, f"BITMAP{8 * (i + 1)}", i + 1, "bitmap")
        t[0x20 + i] = ZclType(0x20 + i, f"UINT{8 * (i + 1)}", i + 1, "uint")
        t[0x28 + i] = ZclType(0x28 + i, f"INT{8 * (i + 1)}", i + 1, "int")
    t[0x10] = ZclType(0x10, "BOOLEAN", 1, "bool")
    t[0x30] = ZclType(0x30, "ENUM8", 1, "enum")
    t[0x31] = ZclType(0x31, "ENUM16", 2, "enum")
    t[0x38] = ZclType(0x38, "SEMI_FLOAT", 2, "float")
    t[0x39] = ZclType(0x39, "SINGLE_FLOAT", 4, "float")
    t[0x3A] = ZclType(0x3A, "DOUBLE_FLOAT", 8, "float")
    t[0x41] = ZclType(0x41, "OCTET_STRING", None, "octstr", 1)
    t[0x42] = ZclType(0x42, "CHAR_STRING", None, "string", 1)
    t[0x43] = ZclType(0x43, "LONG_OCTET_STRING", None, "octstr", 2)
    t[0x44] = ZclType(0x44, "LONG_CHAR_STRING", None, "string", 2)
    t[0xE0] = ZclType(0xE0, "TIME_OF_DAY", 4, "data")
    t[0xE1] = ZclType(0xE1, "DATE", 4, "data")
    t[0xE2] = ZclType(0xE2, "UTC_TIME", 4, "utc")
    t[0xE8] = ZclType(0xE8, "CLUSTER_ID", 2, "uint")
    t[0xE9] = ZclType(0xE9, "ATTRIBUTE_ID", 2, "uint")
    t[0xEA] = ZclType(0xEA, "BACNET_OID", 4, "uint")
    t[0xF0] = ZclType(0xF0, "IEEE_ADDRESS", 8, "uint")
    t[0xF1] = ZclType(0xF1, "SECURITY_KEY128", 16, "data")
    return t


TYPES: dict[int, ZclType] = _table()
TYPE_BY_NAME: dict[str, ZclType] = {t.name: t for t in TYPES.values()}

BITMAP8, BITMAP16 = 0x18, 0x19
UINT8, UINT16, UINT24, UINT32, UINT48 = 0x20, 0x21, 0x22, 0x23, 0x25
INT8, INT16, INT24, INT32 = 0x28, 0x29, 0x2A, 0x2B
ENUM8, ENUM16 = 0x30, 0x31
OCTET_STRING, CHAR_STRING = 0x41, 0x42
UTC_TIME = 0xE2
UTC_INVALID = 0xFFFFFFFF  # ReadingSnapshotTime "no valid time"
#: ZCL UTCTime counts seconds from here.
ZCL_EPOCH = _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc)


def utc_time_value(value: Any) -> _dt.datetime | None:
    """A ZCL UTCTime attribute value as an aware datetime; ``None`` for 0xFFFFFFFF (invalid time).
    Accepts the raw integer (seconds since 2000-01-01) or an already converted datetime."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)
    if isinstance(value, (bytes, bytearray)) and len(value) == 4:
        value = int.from_bytes(value, "little")
    seconds = int(value)
    if seconds == UTC_INVALID:
        return None
    return ZCL_EPOCH + _dt.timedelta(seconds=seconds)


def raw_utc_time(value: Any) -> int | None:
    """The raw UINT32 of a UTCTime value (so 0xFFFFFFFF can be told from 0)."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)
        return int((aware - ZCL_EPOCH).total_seconds())
    if isinstance(value, (bytes, bytearray)) and len(value) == 4:
        return int.from_bytes(value, "little")
    return int(value)


def decode_value(type_id: int, data: bytes, offset: int = 0) -> tuple[Any, int]:
    """Decode one value of ``type_id`` at ``offset``; return (value, offset after it).

    Integers (uint/int/bitmap/enum/utc/bool) become ``int``; data, float and octet strings
    ``bytes``; character strings ``str`` (latin-1, lossless)."""
    t = TYPES.get(type_id)
    if t is None:
        raise DecodeError(f"unknown ZCL data type 0x{type_id:02X}", offset=offset, field="ZCL data type")
    if t.size is None:
        end = offset + t.prefix
        if end > len(data):
            raise DecodeError("truncated string length", offset=offset, field=t.name)
        n = int.from_bytes(data[offset:end], "little")
        if n == (1 << (8 * t.prefix)) - 1:  # the "invalid" string: no content follows
            return None, end
        if end + n > len(data):
            raise DecodeError(f"string of {n} bytes truncated", offset=offset, field=t.name)
        raw = data[end : end + n]
        return (bytes(raw) if t.kind == "octstr" else raw.decode("latin-1")), end + n
    end = offset + t.size
    if end > len(data):
        raise DecodeError(f"truncated {t.name}", offset=offset, field=t.name)
    raw = data[offset:end]
    if t.kind in ("data", "float"):
        return bytes(raw), end
    return int.from_bytes(raw, "little", signed=t.signed), end


def encode_value(type_id: int, value: Any) -> bytes:
    """Encode ``value`` as ``type_id`` (inverse of :func:`decode_value`)."""
    t = TYPES.get(type_id)
    if t is None:
        raise EncodeError(f"unknown ZCL data type 0x{type_id:02X}")
    if t.size is None:
        if value is None:
            return b"\xff" * t.prefix
        raw = value.encode("latin-1") if isinstance(value, str) else bytes(value)
        if len(raw) >= (1 << (8 * t.prefix)) - 1:
            raise EncodeError(f"{t.name} of {len(raw)} bytes is too long")
        return len(raw).to_bytes(t.prefix, "little") + raw
    if t.kind in ("data", "float"):
        raw = bytes(value)
        if len(raw) != t.size:
            raise EncodeError(f"{t.name} needs {t.size} bytes, got {len(raw)}")
        return raw
    try:
        return int(value).to_bytes(t.size, "little", signed=t.signed)
    except OverflowError as exc:
        raise EncodeError(f"{value} does not fit {t.name}") from exc


def value_size(type_id: int) -> int | None:
    t = TYPES.get(type_id)
    return None if t is None else t.size


# -- status and names -------------------------------------------------------------------------

STATUS_NAMES: dict[int, str] = {
    0x00: "SUCCESS", 0x01: "FAILURE", 0x7E: "NOT_AUTHORIZED", 0x80: "MALFORMED_COMMAND",
    0x81: "UNSUP_CLUSTER_COMMAND", 0x82: "UNSUP_GENERAL_COMMAND", 0x85: "INVALID_FIELD",
    0x86: "UNSUPPORTED_ATTRIBUTE", 0x87: "INVALID_VALUE", 0x88: "READ_ONLY",
    0x89: "INSUFFICIENT_SPACE", 0x8B: "NOT_FOUND", 0x8C: "UNREPORTABLE_ATTRIBUTE",
    0x8D: "INVALID_DATA_TYPE", 0x94: "TIMEOUT", 0xC0: "HARDWARE_FAILURE", 0xC1: "SOFTWARE_FAILURE",
}
SUCCESS, FAILURE = 0x00, 0x01
UNSUPPORTED_ATTRIBUTE, INVALID_FIELD, INVALID_VALUE = 0x86, 0x85, 0x87
NOT_FOUND, HARDWARE_FAILURE, SOFTWARE_FAILURE = 0x8B, 0xC0, 0xC1


def status_name(status: int) -> str:
    return STATUS_NAMES.get(status, f"0x{status:02X}")


CLUSTER_PRICE, CLUSTER_METERING, CLUSTER_TUNNELING, CLUSTER_PREPAYMENT = 0x0700, 0x0702, 0x0704, 0x0705
CLUSTER_NAMES: dict[int, str] = {
    0x0000: "Basic", 0x000A: "Time", 0x0700: "Price", 0x0701: "DemandResponse", 0x0702: "Metering",
    0x0703: "Messaging", 0x0704: "Tunneling", 0x0705: "Prepayment", 0x0707: "Calendar",
    0x0708: "DeviceManagement", 0x0709: "Events",
}

# attribute id -> (name, ZCL type) per cluster
ATTRIBUTES: dict[int, dict[int, tuple[str, int]]] = {
    CLUSTER_METERING: {
        0x0000: ("CurrentSummationDelivered", UINT48),
        0x0007: ("ReadingSnapshotTime", UTC_TIME),
        0x0014: ("SupplyStatus", ENUM8),
        0x0100: ("CurrentTier1SummationDelivered", UINT48),
        0x0102: ("CurrentTier2SummationDelivered", UINT48),
        0x0104: ("CurrentTier3SummationDelivered", UINT48),
        0x0106: ("CurrentTier4SummationDelivered", UINT48),
        0x0200: ("Status", BITMAP8),
        0x0300: ("UnitofMeasure", ENUM8),
        0x0301: ("Multiplier", UINT24),
        0x0302: ("Divisor", UINT24),
        0x0303: ("SummationFormatting", BITMAP8),
        0x0306: ("MeteringDeviceType", BITMAP8),
        0x0307: ("SiteID", OCTET_STRING),
        0x0308: ("MeterSerialNumber", OCTET_STRING),
        0x0400: ("InstantaneousDemand", INT24),
        0x0700: ("CurrentNoTierBlock1SummationDelivered", UINT48),
        0x0701: ("CurrentNoTierBlock2SummationDelivered", UINT48),
        0x0702: ("CurrentNoTierBlock3SummationDelivered", UINT48),
        0x0703: ("CurrentNoTierBlock4SummationDelivered", UINT48),
        0x0A00: ("BillToDateDelivered", UINT32),
        0x0A01: ("BillToDateTimeStampDelivered", UTC_TIME),
    },
    CLUSTER_PREPAYMENT: {
        0x0000: ("PaymentControlConfiguration", BITMAP16),
        0x0001: ("CreditRemaining", INT32),
        0x0002: ("EmergencyCreditRemaining", INT32),
        0x0003: ("CreditStatus", BITMAP8),
        0x0004: ("CreditRemainingTimeStamp", UTC_TIME),
        0x0005: ("AccumulatedDebt", INT32),
        0x0006: ("OverallDebtCap", INT32),
        0x0010: ("EmergencyCreditLimitAllowance", UINT32),
        0x0011: ("EmergencyCreditThreshold", UINT32),
        0x0020: ("TotalCreditAdded", UINT48),
        0x0021: ("MaxCreditLimit", UINT32),
        0x0022: ("MaxCreditPerTopUp", UINT32),
        0x0031: ("LowCreditWarningLevel", UINT32),
        0x0210: ("DebtLabel1", OCTET_STRING),
        0x0211: ("DebtAmount1", UINT32),
        0x0212: ("DebtRecoveryMethod1", ENUM8),
        0x0213: ("DebtRecoveryStartTime1", UTC_TIME),
        0x0214: ("DebtRecoveryCollectionTime1", UINT16),
        0x0216: ("DebtRecoveryFrequency1", ENUM8),
        0x0217: ("DebtRecoveryAmount1", UINT32),
        0x0219: ("DebtRecoveryTopUpPercentage1", UINT16),
        0x0220: ("DebtLabel2", OCTET_STRING),
        0x0221: ("DebtAmount2", UINT32),
        0x0222: ("DebtRecoveryMethod2", ENUM8),
        0x0223: ("DebtRecoveryStartTime2", UTC_TIME),
        0x0224: ("DebtRecoveryCollectionTime2", UINT16),
        0x0226: ("DebtRecoveryFrequency2", ENUM8),
        0x0227: ("DebtRecoveryAmount2", UINT32),
        0x0229: ("DebtRecoveryTopUpPercentage2", UINT16),
        0x0230: ("DebtLabel3", OCTET_STRING),
        0x0231: ("DebtAmount3", UINT32),
        0x0232: ("DebtRecoveryMethod3", ENUM8),
        0x0233: ("DebtRecoveryStartTime3", UTC_TIME),
        0x0234: ("DebtRecoveryCollectionTime3", UINT16),
        0x0236: ("DebtRecoveryFrequency3", ENUM8),
        0x0237: ("DebtRecoveryAmount3", UINT32),
        0x0239: ("DebtRecoveryTopUpPercentage3", UINT16),
    },
    CLUSTER_PRICE: {
        0x0615: ("UnitofMeasure", ENUM8),
        0x0616: ("Currency", UINT16),
        0x0617: ("PriceTrailingDigit", BITMAP8),
    },
    CLUSTER_TUNNELING: {
        0x0000: ("CloseTunnelTimeout", UINT16),
    },
}

# -- ZSE cluster commands ---------------------------------------------------------------------

#: A field that runs to the end of the payload (TransferData's data).
BYTES_TO_END = -1
_STRUCT_CODES = {UINT8: "B", ENUM8: "B", BITMAP8: "B", 0x10: "B", UINT16: "H", ENUM16: "H", BITMAP16: "H",
                 UINT32: "I", UTC_TIME: "I", INT8: "b", INT16: "h", INT32: "i"}

#: Value names of the enumerations the commands carry.
TUNNEL_PROTOCOLS: dict[int, str] = {0: "DLMS_COSEM", 1: "IEC_61107", 2: "ANSI_C12", 3: "M_BUS", 4: "SML",
                                    5: "CLIMATE_TALK", 6: "GB_HRGP", 199: "TEST"}
TUNNEL_STATUS: dict[int, str] = {0: "SUCCESS", 1: "BUSY", 2: "NO_MORE_TUNNEL_IDS", 3: "PROTOCOL_NOT_SUPPORTED",
                                 4: "FLOW_CONTROL_NOT_SUPPORTED"}
TRANSFER_DATA_STATUS: dict[int, str] = {0: "NO_SUCH_TUNNEL", 1: "WRONG_DEVICE", 2: "DATA_OVERFLOW"}
DEBT_AMOUNT_TYPES: dict[int, str] = {0: "TYPE1_ABSOLUTE", 1: "TYPE1_INCREMENTAL", 2: "TYPE2_ABSOLUTE",
                                     3: "TYPE2_INCREMENTAL", 4: "TYPE3_ABSOLUTE", 5: "TYPE3_INCREMENTAL"}


@dataclass(frozen=True)
class FieldDef:
    """One field of a cluster command: name, ZCL type (or :data:`BYTES_TO_END`), and the value
    names when it is an enumeration."""

    name: str
    type_id: int
    names: Mapping[int, str] | None = None


@dataclass(frozen=True)
class CommandDef:
    """A cluster-specific command: cluster, id, name, direction, fields in wire order."""

    cluster: int
    command_id: int
    name: str
    to_client: bool  # generated by the server (server -> client)
    fields: tuple[FieldDef, ...]

    def layout(self, start: int = 0) -> struct.Struct:
        """The little-endian struct of the fixed-size fields from ``start`` on, up to the first
        field of variable size (a string, or the bytes running to the end of the payload)."""
        codes = []
        for f in self.fields[start:]:
            if f.type_id == BYTES_TO_END or TYPES[f.type_id].size is None:
                break
            codes.append(_STRUCT_CODES[f.type_id])
        return struct.Struct("<" + "".join(codes))


def _cmd(cluster: int, command_id: int, name: str, to_client: bool, *fields: tuple[Any, ...]) -> CommandDef:
    return CommandDef(cluster, command_id, name, to_client, tuple(FieldDef(*f) for f in fields))


_TID = ("tunnel_id", UINT16)
COMMANDS: tuple[CommandDef, ...] = (
    # Tunneling (ZSE), the commands GBCS uses with protocol GB-HRGP; received by the server ...
    _cmd(CLUSTER_TUNNELING, 0x00, "request_tunnel", False, ("protocol_id", ENUM8, TUNNEL_PROTOCOLS),
         ("manufacturer_code", UINT16), ("flow_control_support", 0x10), ("max_incoming_transfer_size", UINT16)),
    _cmd(CLUSTER_TUNNELING, 0x01, "close_tunnel", False, _TID),
    _cmd(CLUSTER_TUNNELING, 0x02, "transfer_data", False, _TID, ("data", BYTES_TO_END)),
    _cmd(CLUSTER_TUNNELING, 0x03, "transfer_data_error", False, _TID, ("status", ENUM8, TRANSFER_DATA_STATUS)),
    _cmd(CLUSTER_TUNNELING, 0x04, "ack_transfer_data", False, _TID, ("number_of_bytes_left", UINT16)),
    _cmd(CLUSTER_TUNNELING, 0x05, "ready_data", False, _TID, ("number_of_octets_left", UINT16)),
    _cmd(CLUSTER_TUNNELING, 0x06, "get_supported_tunnel_protocols", False, ("protocol_offset", UINT8)),
    # ... and generated by the server
    _cmd(CLUSTER_TUNNELING, 0x00, "request_tunnel_response", True, _TID, ("tunnel_status", ENUM8, TUNNEL_STATUS),
         ("max_incoming_transfer_size", UINT16)),
    _cmd(CLUSTER_TUNNELING, 0x01, "transfer_data_server", True, _TID, ("data", BYTES_TO_END)),
    _cmd(CLUSTER_TUNNELING, 0x02, "transfer_data_error_server", True, _TID,
         ("status", ENUM8, TRANSFER_DATA_STATUS)),
    _cmd(CLUSTER_TUNNELING, 0x03, "ack_transfer_data_server", True, _TID, ("number_of_bytes_left", UINT16)),
    _cmd(CLUSTER_TUNNELING, 0x04, "ready_data_server", True, _TID, ("number_of_octets_left", UINT16)),
    _cmd(CLUSTER_TUNNELING, 0x06, "tunnel_closure_notification", True, _TID),
    # Prepayment: Change Debt (GCS04 and the SECMP0002 reset GCS04r)
    _cmd(CLUSTER_PREPAYMENT, 0x02, "change_debt", False, ("issuer_event_id", UINT32),
         ("debt_label", OCTET_STRING), ("debt_amount", INT32), ("debt_recovery_method", ENUM8),
         ("debt_amount_type", ENUM8, DEBT_AMOUNT_TYPES), ("debt_recovery_start_time", UTC_TIME),
         ("debt_recovery_collection_time", UINT16), ("debt_recovery_frequency", ENUM8),
         ("debt_recovery_amount", INT32), ("debt_recovery_balance_percentage", UINT16)),
)
_COMMANDS_BY_NAME = {c.name: c for c in COMMANDS}


def command(name: str) -> CommandDef:
    """The declared cluster command called ``name``."""
    return _COMMANDS_BY_NAME[name]


def attribute_name(cluster: int, attr_id: int) -> str:
    entry = ATTRIBUTES.get(cluster, {}).get(attr_id)
    return entry[0] if entry else f"0x{attr_id:04X}"


def attribute_id(cluster: int, name: str) -> int:
    for aid, (n, _t) in ATTRIBUTES.get(cluster, {}).items():
        if n == name:
            return aid
    raise EncodeError(f"no attribute {name!r} in cluster 0x{cluster:04X}")


def attribute_type(cluster: int, attr_id: int) -> int | None:
    entry = ATTRIBUTES.get(cluster, {}).get(attr_id)
    return entry[1] if entry else None


# -- frame ------------------------------------------------------------------------------------

FC_CLUSTER_SPECIFIC = 0x01
FC_MANUFACTURER = 0x04
FC_SERVER_TO_CLIENT = 0x08
FC_DISABLE_DEFAULT_RESPONSE = 0x10

CMD_READ_ATTRIBUTES = 0x00
CMD_READ_ATTRIBUTES_RESPONSE = 0x01
CMD_DEFAULT_RESPONSE = 0x0B
CMD_CHANGE_DEBT = command("change_debt").command_id  # Prepayment, client -> server


@dataclass
class ZclHeader:
    """ZCL frame header: frame control, optional manufacturer code, TSN, command id."""

    frame_control: int
    tsn: int
    command_id: int
    manufacturer_code: int | None = None

    @property
    def cluster_specific(self) -> bool:
        return bool(self.frame_control & 0x03 == FC_CLUSTER_SPECIFIC)

    @property
    def server_to_client(self) -> bool:
        return bool(self.frame_control & FC_SERVER_TO_CLIENT)

    @property
    def size(self) -> int:
        return 5 if self.frame_control & FC_MANUFACTURER else 3

    def to_bytes(self) -> bytes:
        out = bytes((self.frame_control,))
        if self.frame_control & FC_MANUFACTURER:
            out += (self.manufacturer_code or 0).to_bytes(2, "little")
        return out + bytes((self.tsn, self.command_id))

    @classmethod
    def parse(cls, data: bytes, offset: int = 0, end: int | None = None) -> tuple[ZclHeader, int]:
        """The header at ``offset``, read within ``data[:end]`` (all of ``data`` by default)."""
        lim = len(data) if end is None else end
        if offset >= lim:
            raise DecodeError("ZCL frame control missing", offset=offset, field="ZCL frame control")
        fc = data[offset]
        o = offset + 1
        manuf = None
        if fc & FC_MANUFACTURER:
            if o + 2 > lim:
                raise DecodeError("truncated manufacturer code", offset=o, field="ZCL manufacturer code")
            manuf = int.from_bytes(data[o : o + 2], "little")
            o += 2
        if o + 2 > lim:
            raise DecodeError("truncated ZCL header", offset=o, field="ZCL header")
        return cls(fc, data[o], data[o + 1], manuf), o + 2

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {"frame_control": self.frame_control, "tsn": self.tsn, "command_id": self.command_id}
        if self.manufacturer_code is not None:
            d["manufacturer_code"] = self.manufacturer_code
        return d


# -- command bodies ---------------------------------------------------------------------------


@dataclass
class ReadAttributes:
    attribute_ids: list[int]

    def to_bytes(self) -> bytes:
        return b"".join(a.to_bytes(2, "little") for a in self.attribute_ids)

    @classmethod
    def parse(cls, data: bytes) -> ReadAttributes:
        if len(data) % 2:
            raise DecodeError("odd length attribute list", offset=len(data) - 1, field="attribute id")
        return cls([int.from_bytes(data[i : i + 2], "little") for i in range(0, len(data), 2)])


@dataclass
class AttributeRecord:
    """One Read Attributes Response record; type and value only when status is SUCCESS."""

    attribute_id: int
    status: int
    type_id: int | None = None
    value: Any = None

    def to_bytes(self) -> bytes:
        out = self.attribute_id.to_bytes(2, "little") + bytes((self.status,))
        if self.status == SUCCESS:
            if self.type_id is None:
                raise EncodeError(f"attribute 0x{self.attribute_id:04X}: SUCCESS needs a type")
            out += bytes((self.type_id,)) + encode_value(self.type_id, self.value)
        return out


@dataclass
class ReadAttributesResponse:
    records: list[AttributeRecord]

    def to_bytes(self) -> bytes:
        return b"".join(r.to_bytes() for r in self.records)

    @classmethod
    def parse(cls, data: bytes) -> ReadAttributesResponse:
        records = []
        o = 0
        while o < len(data):
            record, o = parse_attribute_record(data, o)
            records.append(record)
        return cls(records)


def parse_attribute_record(data: bytes, offset: int = 0) -> tuple[AttributeRecord, int]:
    """One Read Attributes Response record at ``offset``; return (record, offset after it)."""
    o, n = offset, len(data)
    if o + 3 > n:
        raise DecodeError("truncated attribute record", offset=o, field="attribute record")
    aid = int.from_bytes(data[o : o + 2], "little")
    status = data[o + 2]
    o += 3
    if status != SUCCESS:
        return AttributeRecord(aid, status), o
    if o >= n:
        raise DecodeError("data type missing", offset=o, field="ZCL data type")
    tid = data[o]
    value, o = decode_value(tid, data, o + 1)
    return AttributeRecord(aid, status, tid, value), o


@dataclass
class DefaultResponse:
    command_id: int
    status: int

    def to_bytes(self) -> bytes:
        return bytes((self.command_id, self.status))

    @classmethod
    def parse(cls, data: bytes) -> DefaultResponse:
        if len(data) != 2:
            raise DecodeError(f"Default Response of {len(data)} bytes, expected 2", offset=0,
                              field="Default Response")
        return cls(data[0], data[1])


DEBT_TYPE_ABSOLUTE = {"TDR1": 0x00, "TDR2": 0x02, "PDR": 0x04}
DEBT_TYPE_INCREMENTAL = {"TDR1": 0x01, "TDR2": 0x03, "PDR": 0x05}
DEBT_TYPE_REGISTER = {0: "TDR1", 1: "TDR1", 2: "TDR2", 3: "TDR2", 4: "PDR", 5: "PDR"}

_CD_HEAD = command("change_debt").layout()  # issuer event id; then the Debt Label octet string
_CD_TAIL = command("change_debt").layout(2)


@dataclass
class ChangeDebt:
    """ZSE Prepayment Change Debt (cluster 0x0705, client -> server command 0x02)."""

    issuer_event_id: int
    debt_label: bytes
    debt_amount: int  # INT32 per GBCS
    debt_recovery_method: int
    debt_amount_type: int
    debt_recovery_start_time: int = 0
    debt_recovery_collection_time: int = 0
    debt_recovery_frequency: int = 0
    debt_recovery_amount: int = 0
    debt_recovery_balance_percentage: int = 0

    @property
    def register(self) -> str | None:
        return DEBT_TYPE_REGISTER.get(self.debt_amount_type)

    @property
    def absolute(self) -> bool:
        return self.debt_amount_type in (0, 2, 4)

    def to_bytes(self) -> bytes:
        try:
            return (_CD_HEAD.pack(self.issuer_event_id) + encode_value(OCTET_STRING, self.debt_label)
                    + _CD_TAIL.pack(self.debt_amount, self.debt_recovery_method, self.debt_amount_type,
                                    self.debt_recovery_start_time, self.debt_recovery_collection_time,
                                    self.debt_recovery_frequency, self.debt_recovery_amount,
                                    self.debt_recovery_balance_percentage))
        except struct.error as exc:
            raise EncodeError(f"Change Debt field out of range: {exc}") from exc

    @classmethod
    def parse(cls, data: bytes) -> ChangeDebt:
        if len(data) < 5:
            raise DecodeError("truncated Change Debt", offset=0, field="Change Debt")
        (event,) = _CD_HEAD.unpack_from(data, 0)
        n = data[4]
        o = 5 + n
        if n == 0xFF or o + _CD_TAIL.size != len(data):
            raise DecodeError(f"Change Debt of {len(data)} bytes does not match its layout", offset=4,
                              field="Debt Label")
        label = bytes(data[5:o])
        return cls(event, label, *_CD_TAIL.unpack_from(data, o))


Body = ReadAttributes | ReadAttributesResponse | DefaultResponse | ChangeDebt


def parse_body(cluster: int, header: ZclHeader, payload: bytes) -> Body | None:
    """Typed body of a ZCL command, or None when the command is not one we model."""
    if header.frame_control & FC_MANUFACTURER:
        return None
    if not header.cluster_specific:
        if header.command_id == CMD_READ_ATTRIBUTES and not header.server_to_client:
            return ReadAttributes.parse(payload)
        if header.command_id == CMD_READ_ATTRIBUTES_RESPONSE:
            return ReadAttributesResponse.parse(payload)
        if header.command_id == CMD_DEFAULT_RESPONSE:
            return DefaultResponse.parse(payload)
        return None
    if cluster == CLUSTER_PREPAYMENT and header.command_id == CMD_CHANGE_DEBT and not header.server_to_client:
        return ChangeDebt.parse(payload)
    return None


def try_parse_body(cluster: int, header: ZclHeader, payload: bytes) -> Body | None:
    """Like :func:`parse_body` but a payload that does not fit the model stays opaque (None)."""
    try:
        return parse_body(cluster, header, payload)
    except DecodeError:
        return None


def _json_value(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.hex().upper()
    return v


def describe_body(cluster: int, body: Body | None, payload: bytes) -> dict[str, Any]:
    """JSON-able view of a command body (named attributes, status names)."""
    if body is None:
        return {"raw": payload.hex().upper()}
    if isinstance(body, ReadAttributes):
        return {"command": "ReadAttributes",
                "attributes": [{"id": a, "name": attribute_name(cluster, a)} for a in body.attribute_ids]}
    if isinstance(body, ReadAttributesResponse):
        recs = []
        for r in body.records:
            d: dict[str, Any] = {"id": r.attribute_id, "name": attribute_name(cluster, r.attribute_id),
                                 "status": r.status, "status_name": status_name(r.status)}
            if r.type_id is not None:
                d["type"] = TYPES[r.type_id].name
                d["value"] = _json_value(r.value)
            recs.append(d)
        return {"command": "ReadAttributesResponse", "records": recs}
    if isinstance(body, DefaultResponse):
        return {"command": "DefaultResponse", "command_id": body.command_id, "status": body.status,
                "status_name": status_name(body.status)}
    d = {k: _json_value(v) for k, v in body.__dict__.items()}
    return {"command": "ChangeDebt", **d, "register": body.register}


@dataclass
class ZclFrame:
    """A ZCL frame: header, raw payload bytes and (when modelled) its typed body."""

    header: ZclHeader
    payload: bytes
    body: Body | None = field(default=None)

    def to_bytes(self) -> bytes:
        return self.header.to_bytes() + self.payload

    @classmethod
    def parse(cls, cluster: int, data: bytes) -> ZclFrame:
        header, o = ZclHeader.parse(data, 0)
        payload = bytes(data[o:])
        return cls(header, payload, try_parse_body(cluster, header, payload))

    @classmethod
    def build(cls, frame_control: int, tsn: int, command_id: int, body: Body) -> ZclFrame:
        return cls(ZclHeader(frame_control, tsn, command_id), body.to_bytes(), body)
