"""What suites see: device handles and the results of exchanges. Emulated and real devices
implement the same API; a suite never knows which it talks to.

Canonical value names (``Response.values``):
* GBZ reads use ZCL attribute names: ``Divisor``, ``Multiplier``, ``UnitofMeasure``,
  ``CurrentSummationDelivered``, ``CurrentNoTierBlock1SummationDelivered``..4,
  ``CurrentTier1SummationDelivered``..4, ``PriceTrailingDigit``, ``Currency``,
  ``AccumulatedDebt``, ``EmergencyCreditRemaining``, ``CreditRemaining``,
  ``BillToDateDelivered``, ``DebtAmount1`` (TDR1), ``DebtAmount2`` (TDR2), ``DebtAmount3`` (PDR).
* ECS19: ``meter_balance``, ``emergency_credit_balance``, ``accumulated_debt``, ``TDR1``,
  ``TDR2``, ``PDR``; ECS82: ``meter_balance``; ECS17b: ``active_import``, ``reactive_import``.
* ``Response.debt`` normalises both fuels to ``{"TDR1", "TDR2", "PDR", "meter_balance",
  "emergency_credit", "accumulated_debt"}`` where the use case carries them.
"""

from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass, field
from typing import Any, Protocol

from harness.gbcs.datetime import ClockStatus, DateTime
from harness.gbcs.frame import GbcsMessage
from harness.vocabulary import Role


class Verdict(str, enum.Enum):
    VALID = "valid"
    INVALID = "invalid"
    UNKNOWN = "unknown"  # no key to check with
    ABSENT = "absent"  # the message carries none


@dataclass
class Response:
    """A decoded, verified response."""

    message: GbcsMessage
    raw: bytes
    use_case: str
    mac: Verdict
    signature: Verdict
    values: dict[str, Any] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)  # item name -> status (0 = success)
    success: bool = True
    tree: dict[str, Any] = field(default_factory=dict)  # decoded payload (JSON-able)

    @property
    def date_time(self) -> DateTime | None:
        return self.message.date_time

    @property
    def clock_status(self) -> ClockStatus | None:
        return self.message.date_time.clock_status if self.message.date_time else None

    @property
    def originator_counter(self) -> int:
        return self.message.originator_counter

    @property
    def debt(self) -> dict[str, int]:
        """The debt-related registers of both fuels under one set of names."""
        v = self.values
        names = {
            "TDR1": ("TDR1", "DebtAmount1"), "TDR2": ("TDR2", "DebtAmount2"), "PDR": ("PDR", "DebtAmount3"),
            "meter_balance": ("meter_balance", "CreditRemaining"),
            "emergency_credit": ("emergency_credit_balance", "EmergencyCreditRemaining"),
            "accumulated_debt": ("accumulated_debt", "AccumulatedDebt"),
        }
        out: dict[str, int] = {}
        for key, candidates in names.items():
            for c in candidates:
                if c in v:
                    out[key] = v[c]
                    break
        return out


@dataclass
class Exchange:
    """One command and what came back (or the error)."""

    use_case: str
    command: GbcsMessage
    command_raw: bytes
    response: Response | None
    sent_at: _dt.datetime  # bench (virtual) time when sent
    error: str | None = None  # transport/decode error text when no usable response
    cause: BaseException | None = field(default=None, repr=False)  # the typed error behind ``error``
    alert_code: int | None = None  # a refusal alert's alert code (e.g. 0x8F30), when one came back
    alert_message_code: int | None = None  # its message code: 0x1000 critical, 0x1001 non-critical

    def require(self) -> Response:
        """The response, or an AssertionError naming what went wrong."""
        if self.response is None:
            raise AssertionError(f"{self.use_case}: no response ({self.error})")
        return self.response


@dataclass(frozen=True)
class SentCommand:
    """A command written to the line whose reply is collected later
    (:meth:`DeviceHandle.collect`): e.g. a reset whose meter's supply the bench cuts right after
    the command went out. Recorded as sent; the reply (or silence) is recorded when collected."""

    use_case: str
    command: GbcsMessage
    command_raw: bytes
    sent_at: _dt.datetime  # bench (virtual) time when sent


@dataclass
class Alert:
    """An alert a device sent on its own (GBCS CRA 3, not the answer to a command): e.g. the
    CHF's Set Clock alert 0x81C6 (DP093). ``code`` is the alert code in the payload, ``device``
    the device it names where the payload carries one (Set Clock alert: the HAN device)."""

    message: GbcsMessage
    raw: bytes
    code: int | None
    mac: Verdict
    tree: dict[str, Any] = field(default_factory=dict)
    device: bytes | None = None
    date_time: DateTime | None = None

    @property
    def originator(self) -> bytes:
        return self.message.originator


@dataclass
class AttributeRead:
    """A HAN read of one ZCL attribute (e.g. IHD reading the GPF's ReadingSnapshotTime)."""

    cluster: int
    attribute: int
    status: int  # ZCL status: 0x00 SUCCESS, 0x86 UNSUPPORTED_ATTRIBUTE, ...
    type: int | None
    value: Any


class DeviceHandle(Protocol):
    """A device on the bench: emulated in-process, emulated in another process, or real."""

    role: Role
    eui: bytes
    name: str

    def capabilities(self) -> set[str]: ...

    def behaviour(self, name: str, default: Any = None) -> Any:
        """A declared device-specific behaviour from the profile (e.g. ``debt_update_modes``)."""
        ...

    def send(self, use_case: str, *, originator: str = "supplier", counter: int | None = None,
             tamper: str | None = None, **params: Any) -> Exchange:
        """Build, sign (if critical), MAC and send a command; verify and decode the response.
        ``originator`` names the remote party (``supplier``, ``network_operator``, ``acb``).
        ``counter`` overrides the originator counter (replay tests). ``tamper`` deliberately
        breaks the command: ``unsigned``, ``bad_signature``, ``bad_mac``, ``foreign_signature``, ``no_mac``."""
        ...

    def submit(self, use_case: str, *, originator: str = "supplier", counter: int | None = None,
               tamper: str | None = None, **params: Any) -> SentCommand:
        """Build and send a command as :meth:`send` does, without waiting for its reply."""
        ...

    def collect(self, sent: SentCommand, timeout: float | None = None) -> Exchange:
        """The reply to a :meth:`submit`-ted command, waited for up to ``timeout`` seconds (default:
        the bench's ``timeouts.response_s``); silence is an Exchange without a response."""
        ...

    def send_raw(self, message: bytes) -> bytes | None:
        """Send bytes as they are; return the raw reply or None on silence."""
        ...


class GsmeControl(Protocol):
    """Bench control of a GSME (emulated benches; a real bench waits for the wake or skips)."""

    def push(self) -> None:
        """Make the GSME wake now and push its instantaneous values to the GPF."""
        ...

    def set_han_outage(self, active: bool) -> None: ...

    def set_state(self, **registers: Any) -> None:
        """Set registers directly (emulators only), e.g. ``payment_mode='prepayment'``."""
        ...


class BenchClock(Protocol):
    def now(self) -> _dt.datetime: ...

    def advance(self, delta: _dt.timedelta) -> None:
        """Advance virtual time; a GSME wakes and pushes at its interval as time passes."""
        ...
