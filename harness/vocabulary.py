"""The one vocabulary every layer shares: device roles, connection types, severities, outcomes,
debt registers and the defect mask. Defined here once; profiles, benches, emulators, suites, the
plugin, the store and the report import them from here (the named fault variants are the
catalogue in :mod:`harness.faults`).

Each enum is a ``str`` enum, so a member compares equal to its spelling in a profile, a record or
the store (``Severity.S1 == "S1"``); the ``*_NAMES`` tuples are those spellings in order."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.errors import ProfileError


class Role(str, enum.Enum):
    """A device's role on a bench (GBCS device types; the CH's two functions apart)."""

    CHF = "CHF"
    GPF = "GPF"
    ESME = "ESME"
    GSME = "GSME"
    IHD = "IHD"
    PPMID = "PPMID"


ROLE_NAMES: tuple[str, ...] = tuple(r.value for r in Role)
#: The meters: the devices that hold debt registers and execute the SECMP0002 resets.
METER_ROLES: tuple[Role, ...] = (Role.GSME, Role.ESME)


class ConnectionType(str, enum.Enum):
    """How the harness reaches a bench's devices (``connection.type`` of a profile)."""

    EMULATED = "emulated"  # emulator host in this process
    EMULATED_PROCESS = "emulated-process"  # `harness emulate` spawned on a pty
    SERIAL = "serial"
    TCP = "tcp"
    ZIGBEE = "zigbee"


CONNECTION_TYPE_NAMES: tuple[str, ...] = tuple(c.value for c in ConnectionType)
EMULATED_TYPES: tuple[ConnectionType, ...] = (ConnectionType.EMULATED, ConnectionType.EMULATED_PROCESS)


class Severity(str, enum.Enum):
    """A test's severity in the defect mask: S1 worst .. S4."""

    S1 = "S1"
    S2 = "S2"
    S3 = "S3"
    S4 = "S4"


SEVERITY_NAMES: tuple[str, ...] = tuple(s.value for s in Severity)
#: A test that declares none.
DEFAULT_SEVERITY: str = Severity.S3.value


class Outcome(str, enum.Enum):
    """A test's outcome in its result record.

    passed / failed (the device did not do what the spec says) / skipped (with its reason) /
    waived (an expected, declared deviation) / bench_error (the harness could not ask: port
    missing or vanished, line corrupted beyond resync, emulator crashed, profile error, harness
    bug). ``error`` is kept for records of older harness versions (a set-up/teardown failure,
    counted as failed)."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    WAIVED = "waived"
    BENCH_ERROR = "bench_error"
    ERROR = "error"


OUTCOME_NAMES: tuple[str, ...] = tuple(o.value for o in Outcome)
BENCH_ERROR: str = Outcome.BENCH_ERROR.value
#: Counted against the defect mask.
FAILING: frozenset[str] = frozenset({Outcome.FAILED.value, Outcome.ERROR.value})
NOT_FAILING: frozenset[str] = frozenset({Outcome.PASSED.value, Outcome.WAIVED.value})
#: Never counted; makes the cycle inconclusive for their requirements.
INCONCLUSIVE: frozenset[str] = frozenset({Outcome.BENCH_ERROR.value})


class DebtRegister(str, enum.Enum):
    """The three debt registers SECMP0002 resets: Time Debt Registers 1 and 2, Payment Debt."""

    TDR1 = "TDR1"
    TDR2 = "TDR2"
    PDR = "PDR"


DEBT_REGISTER_NAMES: tuple[str, ...] = tuple(r.value for r in DebtRegister)


@dataclass(frozen=True)
class DefectMask:
    """The most open failures a cycle may have per severity (all zero unless declared).

    Limits come from, later winning: all zero, the profile set's ``defect_mask``, ``harness run
    --mask S1=0,S2=0,S3=2``. Judging records against it is :func:`harness.report.mask.evaluate`."""

    limits: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SEVERITY_NAMES})

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None, *, source: str = "defect_mask",
                     base: DefectMask | None = None) -> DefectMask:
        """Limits from a mapping like ``{S1: 0, S3: 2}`` over ``base`` (default all zero)."""
        limits = dict((base or cls()).limits)
        for key, value in (mapping or {}).items():
            name = str(key).strip().upper()
            if name not in SEVERITY_NAMES:
                raise ProfileError(f"unknown severity {key!r} (expected one of {', '.join(SEVERITY_NAMES)})",
                                   file=source, field=str(key))
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise ProfileError(f"limit {value!r} is not a whole number", file=source, field=name) from None
            if number < 0:
                raise ProfileError(f"limit {number} is negative", file=source, field=name)
            limits[name] = number
        return cls(limits)

    @classmethod
    def parse(cls, text: str, *, base: DefectMask | None = None) -> DefectMask:
        """Limits from ``"S1=0,S2=0,S3=2"`` (the ``--mask`` option) over ``base``."""
        mapping: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, sep, value = part.partition("=")
            if not sep:
                raise ProfileError(f"expected SEVERITY=LIMIT, got {part!r}", file="--mask", field=part)
            mapping[name.strip()] = value.strip()
        return cls.from_mapping(mapping, source="--mask", base=base)

    def limit(self, severity: str) -> int:
        return self.limits.get(str(severity), 0)

    def exceeded(self, open_failures: Mapping[str, int]) -> list[str]:
        """Severities whose open failures are over their limit."""
        return [s for s in SEVERITY_NAMES if open_failures.get(s, 0) > self.limit(s)]

    def to_dict(self) -> dict[str, int]:
        return {s: self.limit(s) for s in SEVERITY_NAMES}

    def describe(self) -> str:
        return ",".join(f"{s}={self.limit(s)}" for s in SEVERITY_NAMES)
