"""Profile schema: the known fields, value sets and behaviour keys, and a small checked reader
over `YMap` that turns every mistake into a one-line `ProfileError` (file:line, field)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from harness.errors import ProfileError
from harness.faults import FAULTS
from harness.profiles.yamlsrc import Mark, YList, YMap
from harness.vocabulary import CONNECTION_TYPE_NAMES, ROLE_NAMES, SEVERITY_NAMES

KINDS = ("device", "bench", "profile_set")
ROLES = ROLE_NAMES
CH_ROLES = ("CHF", "GPF")
CH_VARIANTS = ("SBCH", "DBCH", "DBCH-F", "SBCH-ITCH", "DBCH-ITCH")
CONNECTION_TYPES = CONNECTION_TYPE_NAMES
RADIOS = ("ezsp", "znp", "deconz")
SEVERITIES = SEVERITY_NAMES

DEVICE_FIELDS = ("kind", "role", "eui", "name", "manufacturer", "model", "firmware", "smets", "chts",
                 "gbcs", "ch_variant", "capabilities", "keys", "behaviours", "waivers", "emulator")
# A bench's device entry: a reference plus overrides, or an inline device.
DEVICE_ENTRY_FIELDS = DEVICE_FIELDS + ("profile", "connection", "stimuli")
BENCH_FIELDS = ("kind", "name", "description", "connection", "timeouts", "remote_parties", "devices", "lab")
SET_FIELDS = ("kind", "name", "description", "benches", "defect_mask", "lab")
# ``lab:`` of a bench (labgrid place, tags, power switches per role) and of a set (shared store,
# coordinator); see docs/LAB.md.
BENCH_LAB_FIELDS = ("place", "tags", "power")
SET_LAB_FIELDS = ("store", "coordinator")
POWER_FIELDS = ("resources", "drivers", "off_s")
# Devices without a supply of their own: the CH is one device, its GPF powered with the CHF.
SAME_SUPPLY = {"GPF": "CHF"}
#: ``lab.power`` keys besides the roles: ``HAN``, the relay of the GSME's RF-shield box (off cuts
#: the GSME-GPF HAN link: stimulus ``han_outage: switch``).
HAN_SWITCH = "HAN"
CONNECTION_FIELDS = ("type", "url", "path", "usb", "baudrate", "host", "port", "radio", "command")
TIMEOUT_FIELDS = ("response_s", "han_s", "operator_s", "max_wait_s", "restart_s")
REMOTE_PARTY_FIELDS = ("keystore", "supplier", "network_operator", "acb")
WAIVER_FIELDS = ("requirement", "test", "reason")
# The ``emulator`` mapping of a device: passed to the emulator's DeviceConfig as it is.
EMULATOR_FIELDS = ("faults", "registers", "payment_mode", "clock_offset_s", "consumption_per_wake",
                   "debt_recovery", "message_codes", "reply_latency_ms", "processing_ms", "date_time_style",
                   "han_clock_tolerance_s")
PAYMENT_MODES = ("credit", "prepayment")

# What a bench can do to one of its devices (``stimuli:`` of a bench's device entry): each event
# the suites need and the ways it can happen. ``control``: CONTROL frames to an emulator (emulated
# connections only); ``wait``: real waiting (a GSME push at its declared ``wake_interval_s``, time
# passing at wall speed); ``operator``: the engineer does it when prompted (``--operator``);
# ``switch``: an external switch driver (``stimuli.switch`` names it); ``none``: not possible.
STIMULI: dict[str, tuple[str, ...]] = {
    "push": ("control", "wait", "operator", "switch", "none"),  # GSME wakes and pushes to the GPF
    "han_outage": ("control", "operator", "switch", "none"),  # GSME-GPF HAN link down / up
    "clock": ("control", "wait", "none"),  # time passing
    "state": ("control", "none"),  # set/read state directly (payment mode, recovery, event log)
    # power lost during one command; its ``switch`` is the meter's labgrid power switch (lab.power),
    # cut by the harness right after the command is written
    "power_loss": ("control", "switch", "none"),
    # the meter restarted (power-cycled); its ``switch`` is the bench's labgrid power switch (lab.power)
    "restart": ("control", "operator", "switch", "none"),
}
STIMULUS_ROLES: dict[str, tuple[str, ...]] = {"push": ("GSME",), "han_outage": ("GSME",),
                                              "power_loss": ("ESME", "GSME"), "restart": ("ESME", "GSME")}
#: Stimuli whose ``switch`` is the bench's ``lab.power`` switch of the device, not ``stimuli.switch``.
POWER_SWITCHED = ("restart", "power_loss")
#: Stimuli whose ``switch`` is a ``lab.power`` switch of the link (``HAN``) when declared, else the
#: external driver named by ``stimuli.switch``.
LINK_SWITCHED = {"han_outage": HAN_SWITCH}
STIMULUS_FIELDS = (*STIMULI, "switch")

# Capabilities the suites ask for (marker ``capability(...)``); others must be snake_case.
KNOWN_CAPABILITIES = ("reading_snapshot_time", "debt_register_reset", "gcs60a", "han_read",
                      "command_log", "han_device_removal")


@dataclass(frozen=True)
class Behaviour:
    """One declared device-specific behaviour key."""

    name: str
    kind: str  # "enum" | "bool" | "int" | "str" | "enum_list" | "code_map" (name -> 16-bit code)
    choices: tuple[str, ...] = ()
    compliant: Any = None  # the value a compliant device has (documentation)
    minimum: int | None = None
    clause: str = ""  # where the behaviour is allowed: an S1SR clause, a SECMP0015 section, ...


BEHAVIOURS: dict[str, Behaviour] = {b.name: b for b in (
    Behaviour("secmp0015", "bool", compliant=True),
    Behaviour("gpf_time_reliability", "enum", ("reliable", "unreliable"), compliant="unreliable"),
    Behaviour("ch_clock", "enum", ("reliable", "unreliable", "invalid"), compliant="reliable"),
    Behaviour("never_populated_read", "enum", ("invalid_time", "unsupported_attribute"),
              compliant="invalid_time"),
    # invalid: the GSME reports ReadingSnapshotTime 0xFFFFFFFF (its clock is invalid)
    Behaviour("gsme_clock", "enum", ("reliable", "unreliable", "invalid"), compliant="reliable"),
    # GSME clock minus CH clock, seconds (either sign): the snapshot time a compliant GSME reports
    # is the bench time of its push plus this offset; the GPF must copy it exactly
    Behaviour("clock_offset_s", "int", minimum=-86_400 * 366),
    # why the GPF marks its own time reliable (0x00, as the RTDS shows) where the seed says unreliable
    Behaviour("gpf_time_reliability_reason", "str"),
    Behaviour("debt_update_modes", "enum_list", ("credit", "prepayment"),
              compliant=["credit", "prepayment"], clause="S1SR 18.7(i)"),
    Behaviour("prepayment_config_update_modes", "enum_list", ("credit", "prepayment"),
              compliant=["credit", "prepayment"], clause="S1SR 18.5(o)"),
    # The S1SR conclusion states the observation without a clause number (response table, 3.1).
    Behaviour("local_time_instead_of_utc", "bool", compliant=False, clause="S1SR conclusion 3.1 (no clause number)"),
    Behaviour("debt_amount_unit", "enum", ("millipence", "whole_pence"), compliant="millipence",
              clause="S1SR 18.7(j)"),
    Behaviour("standing_charge_while_debt_suspended", "bool", compliant=False, clause="S1SR 15.1 / 17.12"),
    Behaviour("max_non_disablement_scripts_per_day", "int", minimum=0, clause="S1SR 18.5(p)(iii)"),
    Behaviour("logs_commands", "bool", compliant=True),
    # the meter's own event-log codes of the debt events (Read ESME Event Log, ECS35a), where they
    # differ from the provisional ones the harness assumes (harness.gbcs.meteruc.LOG_CODES)
    Behaviour("log_codes", "code_map", ("reset", "reset_failed", "reset_refused", "change_debt",
                                        "change_debt_refused")),
    Behaviour("wake_interval_s", "int", minimum=1, compliant=1800),
    # the payment mode the meter is in on this bench (what a bench that cannot change it tests in)
    Behaviour("payment_mode", "enum", ("credit", "prepayment")),
)}

def fault_names() -> tuple[str, ...]:
    """The named fault variants (the catalogue in :mod:`harness.faults`)."""
    return tuple(FAULTS)


def fault_role_problem(name: str, role: str) -> str | None:
    """Why fault ``name`` cannot be set on a device of ``role`` (None: it can, or unknown)."""
    fault = FAULTS.get(name)
    check_role = "GPF" if role == "CHF" else role
    if fault is None or fault.applies_to(check_role):
        return None
    return f"fault '{name}' is for a {fault.role}, not a {role}"


EUI_RE = re.compile(r"^[0-9A-Fa-f]{16}$")
VERSION_RE = re.compile(r"^\d+(\.\d+){0,2}$")
GBCS_RE = re.compile(r"^\d+\.\d+$")
VID_PID_RE = re.compile(r"^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}$")
CAPABILITY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def did_you_mean(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({value})"
    return f"{type(value).__name__} {value!r}"


class Section:
    """Checked access to one mapping. ``where`` is the dotted field path of the mapping."""

    def __init__(self, node: YMap, where: str, allowed: Iterable[str]) -> None:
        self.node = node
        self.where = where
        self.allowed = tuple(allowed)

    # -- errors -----------------------------------------------------------------------------
    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def error(self, key: str, message: str, mark: Mark | None = None) -> ProfileError:
        file, line = mark or self.node.mark(key)
        return ProfileError(message, file=file, line=line, field=self.path(key))

    def check_fields(self) -> Section:
        for key in self.node:
            if key not in self.allowed:
                raise self.error(key, "unknown field" + did_you_mean(key, self.allowed))
        return self

    # -- access -----------------------------------------------------------------------------
    def has(self, key: str) -> bool:
        return key in self.node and self.node[key] is not None

    def get(self, key: str, required: bool = False) -> Any:
        if not self.has(key):
            if required:
                raise ProfileError("missing required field", file=self.node.file, line=self.node.line,
                                   field=self.path(key))
            return None
        return self.node[key]

    def text(self, key: str, required: bool = False, default: str | None = None) -> str | None:
        value = self.get(key, required)
        if value is None:
            return default
        if isinstance(value, (dict, list)):
            raise self.error(key, f"expected text, got {type_name(value)}")
        raw = self.node.raw.get(key)
        return raw if raw is not None and not isinstance(value, str) else str(value)

    def integer(self, key: str, required: bool = False, default: int | None = None,
                minimum: int | None = None, maximum: int | None = None) -> int | None:
        value = self.get(key, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected a whole number, got {type_name(value)}")
        if minimum is not None and value < minimum:
            raise self.error(key, f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise self.error(key, f"must be at most {maximum}, got {value}")
        return value

    def number(self, key: str, default: float, minimum: float = 0.0) -> float:
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(key, f"expected a number, got {type_name(value)}")
        if value <= minimum:
            raise self.error(key, f"must be more than {minimum:g}, got {value}")
        return float(value)

    def boolean(self, key: str, default: bool | None = None) -> bool | None:
        value = self.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {type_name(value)}")
        return value

    def choice(self, key: str, choices: Iterable[str], required: bool = False,
               default: str | None = None) -> str | None:
        options = tuple(choices)
        value = self.text(key, required)
        if value is None:
            return default
        if value not in options:
            raise self.error(key, f"'{value}' is not one of: {', '.join(options)}"
                             + did_you_mean(value, options))
        return value

    def eui(self, key: str, required: bool = False, default: str | None = None) -> str | None:
        value = self.text(key, required)
        if value is None:
            return default
        cleaned = value.replace(" ", "").replace("-", "").replace(":", "")
        if not EUI_RE.match(cleaned):
            raise self.error(key, f"'{value}' is not an EUI-64 (16 hex digits)")
        return cleaned.upper()

    def mapping(self, key: str, allowed: Iterable[str] | None = None,
                required: bool = False) -> Section | None:
        value = self.get(key, required)
        if value is None:
            return None
        if not isinstance(value, YMap):
            raise self.error(key, f"expected a mapping, got {type_name(value)}")
        sec = Section(value, self.path(key), allowed if allowed is not None else tuple(value))
        return sec.check_fields()

    def seq(self, key: str, required: bool = False) -> YList | None:
        value = self.get(key, required)
        if value is None:
            return None
        if not isinstance(value, YList):
            raise self.error(key, f"expected a list, got {type_name(value)}")
        return value

    def text_list(self, key: str, choices: Iterable[str] | None = None,
                  pattern: re.Pattern[str] | None = None, noun: str = "") -> list[str]:
        items = self.seq(key)
        if items is None:
            return []
        options = tuple(choices) if choices is not None else None
        out: list[str] = []
        for i, item in enumerate(items):
            field = f"{self.path(key)}[{i}]"
            file, line = items.mark(i)
            if isinstance(item, (dict, list)) or item is None:
                raise ProfileError(f"expected text, got {type_name(item)}", file=file, line=line, field=field)
            text = items.raw[i] if items.raw[i] is not None and not isinstance(item, str) else str(item)
            assert text is not None
            if options is not None and text not in options:
                listed = f"unknown {noun} '{text}'" if noun else f"'{text}' is not one of: {', '.join(options)}"
                raise ProfileError(listed + did_you_mean(text, options), file=file, line=line, field=field)
            if pattern is not None and not pattern.match(text):
                raise ProfileError(f"'{text}' is not a valid name (lower_snake_case)", file=file, line=line,
                                   field=field)
            out.append(text)
        return out
