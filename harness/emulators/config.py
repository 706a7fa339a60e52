"""Host and device configuration: plain dataclasses a profile fills from a dict."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from harness.faults import check_faults
from harness.vocabulary import Role

ROLES = tuple(r.value for r in Role if r is not Role.PPMID)  # the roles the emulators model
DATE_TIME_STYLE_KEYS = ("day_of_week", "hundredths_unspecified", "deviation")
CLOCK_STATES = ("reliable", "unreliable", "invalid")
DEFAULT_EUIS = {"ESME": "00DB12345678E0A0", "GSME": "00DB12345678E0A1", "CHF": "00DB12345678E0A2",
                "GPF": "00DB12345678E0A3", "IHD": "00DB12345678E0A5"}

GSME_REGISTERS: dict[str, int] = {
    "CurrentSummationDelivered": 12345, "Divisor": 1000, "Multiplier": 1, "UnitofMeasure": 1,
    "CurrentNoTierBlock1SummationDelivered": 0, "CurrentNoTierBlock2SummationDelivered": 1,
    "CurrentNoTierBlock3SummationDelivered": 2, "CurrentNoTierBlock4SummationDelivered": 3,
    "CurrentTier1SummationDelivered": 1000, "CurrentTier2SummationDelivered": 2000,
    "CurrentTier3SummationDelivered": 3000, "CurrentTier4SummationDelivered": 4000,
    "PriceTrailingDigit": 0x50, "Currency": 826,
    "CreditRemaining": 2_500_000, "EmergencyCreditRemaining": 500_000, "AccumulatedDebt": 2_500_000,
    "DebtAmount1": 5_000, "DebtAmount2": 5_000, "DebtAmount3": 5_000, "BillToDateDelivered": 3_500_000,
}
ESME_REGISTERS: dict[str, int] = {
    "meter_balance": 250_000, "emergency_credit_balance": 95_000, "accumulated_debt": 187_000,
    "TDR1": 203_000, "TDR2": 243_000, "PDR": 46_000, "active_import": 10, "reactive_import": 10,
}


@dataclass
class DeviceConfig:
    """One emulated device. Fields that do not apply to a role are ignored by it."""

    role: str
    eui: str = ""
    name: str = ""
    manufacturer: str = "Harness"
    model: str = "emulator"
    firmware: str = "1.0-secmp0015"
    secmp0015: bool = True
    faults: list[str] = field(default_factory=list)
    # CHF/GPF
    gpf_time_reliability: str = "unreliable"  # reliability marked on CH time (GFI: unreliable)
    ch_clock: str = "reliable"
    never_populated_read: str = "invalid_time"  # or "unsupported_attribute"
    # GSME
    wake_interval_s: float = 1800
    gsme_clock: str = "reliable"  # "invalid": GSME reports 0xFFFFFFFF as its snapshot time
    clock_offset_s: int = 0  # GSME clock = host clock + offset
    consumption_per_wake: int = 10
    # meters
    payment_mode: str = "prepayment"
    debt_update_modes: list[str] = field(default_factory=lambda: ["credit", "prepayment"])
    # S1SR device-specific behaviours (declared in the profile's behaviours)
    local_time_instead_of_utc: bool = False  # stamps UK local time where GBCS wants UTC
    debt_amount_unit: str = "millipence"  # or "whole_pence": debt changes applied in whole pence
    debt_recovery: dict[str, dict[str, Any]] = field(default_factory=dict)  # TDR1: {amount, per}
    registers: dict[str, int] = field(default_factory=dict)
    # CHF (DP093): a HAN device clock further than this from the CH time at a time sync is not
    # adjusted and raises the Set Clock alert 0x81C6 (provisional: our sources give no tolerance)
    han_clock_tolerance_s: int = 10
    # legal variations a compliant device may show (the self-test's generated variants draw them):
    # how long it takes to answer (virtual clock), and how it encodes its date-times:
    # {day_of_week: bool, hundredths_unspecified: bool, deviation: "unspecified" | 0}
    reply_latency_ms: int = 0
    # meters on a wall-clock host (harness emulate --no-control): how long executing a critical
    # command takes (verifying its signature, then executing it), in real time; a supply cut inside
    # that window interrupts the command (nothing sent; nothing applied, unless a fault says
    # otherwise). None: the host's default (harness.emulators.wallclock.PROCESSING_MS)
    processing_ms: int | None = None
    date_time_style: dict[str, Any] = field(default_factory=dict)
    # message codes this device's use cases use instead of the catalogue's (provisional ones, e.g.
    # the SECMP0002 resets); merged into HostConfig.message_codes
    message_codes: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.role = self.role.upper()
        if self.role not in ROLES:
            raise ValueError(f"device role '{self.role}' is none of {ROLES}")
        self.eui = (self.eui or DEFAULT_EUIS[self.role]).upper()
        if len(bytes.fromhex(self.eui)) != 8:
            raise ValueError(f"device eui '{self.eui}' is not 16 hex digits")
        self.name = self.name or self.role.lower()
        for fld, allowed in (("ch_clock", CLOCK_STATES), ("gsme_clock", CLOCK_STATES),
                             ("gpf_time_reliability", ("reliable", "unreliable")),
                             ("never_populated_read", ("invalid_time", "unsupported_attribute")),
                             ("payment_mode", ("credit", "prepayment")),
                             ("debt_amount_unit", ("millipence", "whole_pence"))):
            if getattr(self, fld) not in allowed:
                raise ValueError(f"device '{self.name}' field '{fld}': {getattr(self, fld)!r} is none of {allowed}")
        for mode in self.debt_update_modes:
            if mode not in ("credit", "prepayment"):
                raise ValueError(f"device '{self.name}' debt_update_modes: {mode!r}")
        unknown = sorted(set(self.date_time_style) - set(DATE_TIME_STYLE_KEYS))
        if unknown or self.date_time_style.get("deviation", "unspecified") not in ("unspecified", 0):
            raise ValueError(f"device '{self.name}' date_time_style: keys {DATE_TIME_STYLE_KEYS}, deviation "
                             f"'unspecified' or 0 (got {self.date_time_style})")
        if not 0 <= self.reply_latency_ms <= 60_000:
            raise ValueError(f"device '{self.name}' reply_latency_ms must be 0..60000")
        if self.processing_ms is not None and not 0 <= self.processing_ms <= 60_000:
            raise ValueError(f"device '{self.name}' processing_ms must be 0..60000")
        if self.wake_interval_s <= 0:
            raise ValueError(f"device '{self.name}' wake_interval_s must be positive")
        check_faults(self.faults, "GPF" if self.role == "CHF" else self.role)
        self.message_codes = message_code_map(self.message_codes, f"device '{self.name}' message_codes")

    @property
    def eui_bytes(self) -> bytes:
        return bytes.fromhex(self.eui)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DeviceConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown device field(s) {unknown}")
        if "role" not in d:
            raise ValueError("device needs a 'role'")
        return cls(**d)


@dataclass
class HostConfig:
    """An emulated bench: its devices, start time, state folder and access overrides."""

    devices: list[DeviceConfig]
    start_time: str = "2026-01-01T00:00:00+00:00"
    state_dir: str | None = None
    access: dict[str, list[str]] = field(default_factory=dict)  # use case -> allowed roles
    message_codes: dict[str, int] = field(default_factory=dict)  # use case -> code (provisional ones)
    supplier: str = "90B3D51F30010000"  # the devices' registered supplier (others are refused)

    def __post_init__(self) -> None:
        """The bench's message codes: its own plus every device's (they must agree)."""
        merged = message_code_map(self.message_codes, "message_codes")
        for dev in self.devices:
            for uid, code in dev.message_codes.items():
                if merged.setdefault(uid, code) != code:
                    raise ValueError(f"message code of {uid}: 0x{merged[uid]:04X} and 0x{code:04X} "
                                     f"(device '{dev.name}') disagree")
        self.message_codes = merged

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> HostConfig:
        known = {"devices", "start_time", "state_dir", "access", "message_codes", "supplier"}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown emulator field(s) {unknown}")
        devices = [DeviceConfig.from_dict(dict(x)) for x in d.get("devices", [])]
        seen: set[str] = set()
        for dev in devices:
            if dev.eui in seen:
                raise ValueError(f"two devices share EUI {dev.eui}")
            seen.add(dev.eui)
        return cls(devices, str(d.get("start_time", cls.start_time)), d.get("state_dir"),
                   {k: list(v) for k, v in (d.get("access") or {}).items()},
                   dict(d.get("message_codes") or {}), str(d.get("supplier") or cls.supplier).upper())

    @classmethod
    def from_profile(cls, bench: Any) -> HostConfig:
        """The emulated bench of a bench profile (``BenchProfile.host_config_dict()``): each
        device's identity, behaviours and ``emulator`` mapping, without the behaviours these
        emulators do not model (e.g. ``logs_commands``; the profile loader validated them)."""
        d = bench.host_config_dict()
        known = {f.name for f in dataclasses.fields(DeviceConfig)}
        devices = [{k: v for k, v in dict(dev).items() if k in known} for dev in d.get("devices", [])]
        return cls.from_dict({**d, "devices": devices})

    @classmethod
    def default(cls) -> HostConfig:
        """A compliant bench: CH (CHF + GPF, SECMP0015) + GSME (SECMP0015) + ESME + IHD."""
        return cls([DeviceConfig(role) for role in ("CHF", "GPF", "GSME", "ESME", "IHD")])

    def device(self, role: str) -> DeviceConfig | None:
        return next((d for d in self.devices if d.role == role.upper()), None)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def message_code_map(codes: Any, where: str) -> dict[str, int]:
    """Use case id -> message code (int, or text such as ``0x0F12``), checked against the
    catalogue's ids and 0..0xFFFF. ValueError names ``where``."""
    from harness.gbcs.catalogue import CATALOGUE

    if not isinstance(codes, dict):
        raise ValueError(f"{where}: expected a mapping of use case -> message code")
    out: dict[str, int] = {}
    for uid, value in codes.items():
        if str(uid) not in CATALOGUE:
            raise ValueError(f"{where}: unknown use case {uid!r}")
        try:
            code = value if isinstance(value, int) and not isinstance(value, bool) else int(str(value), 0)
        except ValueError:
            raise ValueError(f"{where}: {uid} message code {value!r} is not a number") from None
        if not 0 <= code <= 0xFFFF:
            raise ValueError(f"{where}: {uid} message code {value!r} is not 0..0xFFFF")
        out[str(uid)] = code
    return out
