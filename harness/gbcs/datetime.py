"""The 12-octet DLMS date-time and its clock-status byte, decoded into meaning.

Clock status (DLMS, as GBCS and SECMP0015 use it):
bit 0 invalid value, bit 1 doubtful (unreliable), bit 2 different clock base (source is the
GSME: the GPF's mirrored ReadingSnapshotTime), bit 3 invalid clock status, bits 4-6 reserved,
bit 7 daylight saving active; 0xFF as a whole means "not specified".
"""

from __future__ import annotations

import datetime as _dt
import enum
import struct
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import TYPE_CHECKING

from harness.errors import DecodeError, EncodeError

if TYPE_CHECKING:
    from bitstring import Bits

NOT_SPECIFIED = 0xFF
DEVIATION_NOT_SPECIFIED = -0x8000  # wire 0x8000
_LAYOUT = struct.Struct(">HBBBBBBBhB")


class Reliability(str, enum.Enum):
    """GBCS Table 9.1.4.2b reliability of a date-time (bits 0 and 1)."""

    RELIABLE = "reliable"
    UNRELIABLE = "unreliable"
    INVALID = "invalid"
    UNSPECIFIED = "unspecified"


class ClockSource(str, enum.Enum):
    """Where the date-time came from (bit 2)."""

    GSME = "GSME"
    RESPONDER = "responder"  # the device creating the response (GPF / CH clock)
    UNSPECIFIED = "unspecified"


@dataclass(frozen=True)
class ClockStatus:
    """A decoded clock-status byte. ``raw`` is 0..255 (0xFF = not specified)."""

    raw: int

    @staticmethod
    def of(source: ClockSource, reliability: Reliability, dst: bool = False) -> ClockStatus:
        """Build the status byte a compliant device sends for this source and reliability."""
        if reliability is Reliability.UNSPECIFIED or source is ClockSource.UNSPECIFIED:
            return ClockStatus(NOT_SPECIFIED)
        value = {Reliability.RELIABLE: 0, Reliability.UNRELIABLE: 0x02, Reliability.INVALID: 0x01}[reliability]
        if source is ClockSource.GSME:
            value |= 0x04
        if dst:
            value |= 0x80
        return ClockStatus(value)

    @property
    def specified(self) -> bool:
        return self.raw != NOT_SPECIFIED

    @property
    def bits(self) -> Bits:
        """The byte as bits, most significant first (bit 7 is index 0); bitstring is imported on
        first use (a decode reads single bits with :meth:`bit`)."""
        return _bits(self.raw)

    def bit(self, n: int) -> bool:
        """Bit ``n`` (0 = least significant, the DLMS numbering)."""
        return bool((self.raw >> n) & 1)

    @property
    def source(self) -> ClockSource:
        if not self.specified:
            return ClockSource.UNSPECIFIED
        return ClockSource.GSME if self.bit(2) else ClockSource.RESPONDER

    @property
    def reliability(self) -> Reliability:
        if not self.specified:
            return Reliability.UNSPECIFIED
        if self.bit(0):
            return Reliability.INVALID
        if self.bit(1):
            return Reliability.UNRELIABLE
        return Reliability.RELIABLE

    @property
    def invalid_and_doubtful(self) -> bool:
        """Bits 0 and 1 both set: contradictory (invalid combined with unreliable)."""
        return self.specified and self.bit(0) and self.bit(1)

    @property
    def dst(self) -> bool:
        return self.specified and self.bit(7)

    @property
    def invalid_clock_status(self) -> bool:
        return self.specified and self.bit(3)

    @property
    def reserved_bits(self) -> int:
        """Bits 4-6 (must be zero)."""
        return (self.raw & 0x70) if self.specified else 0

    # Names used by DCC Parse and Correlate.
    @property
    def IsFromGSME(self) -> bool:  # noqa: N802 - P&C name
        return self.source is ClockSource.GSME

    @property
    def ClockStatus(self) -> str:  # noqa: N802 - P&C name
        return {
            Reliability.RELIABLE: "RELIABLE",
            Reliability.UNRELIABLE: "UNRELIABLE",
            Reliability.INVALID: "INVALID",
            Reliability.UNSPECIFIED: "UNSPECIFIED",
        }[self.reliability]

    def describe(self) -> str:
        """Words a person reads, e.g. 'from GSME, reliable'."""
        if not self.specified:
            return "clock status not specified"
        origin = "from GSME" if self.source is ClockSource.GSME else "from responder clock"
        words = [origin, self.reliability.value]
        if self.dst:
            words.append("DST")
        if self.invalid_clock_status:
            words.append("invalid clock status bit set")
        if self.reserved_bits:
            words.append(f"reserved bits 0x{self.reserved_bits:02X} set")
        return ", ".join(words)

    def to_json(self) -> dict[str, object]:
        if type(self) is ClockStatus:  # a function of ``raw`` alone: built once per value
            cached = _STATUS_JSON.get(self.raw)
            if cached is None:
                cached = _STATUS_JSON[self.raw] = self._build_json()
            return dict(cached)
        return self._build_json()

    def _build_json(self) -> dict[str, object]:
        return {
            "raw": f"{self.raw:02X}",
            "source": self.source.value,
            "reliability": self.reliability.value,
            "dst": self.dst,
            "invalid_clock_status": self.invalid_clock_status,
            "reserved_bits": self.reserved_bits,
            "IsFromGSME": self.IsFromGSME,
            "ClockStatus": self.ClockStatus,
        }

    def __str__(self) -> str:
        return f"0x{self.raw:02X} ({self.describe()})"


_STATUS_JSON: dict[int, dict[str, object]] = {}


@lru_cache(maxsize=256)
def _bits(raw: int) -> Bits:
    from bitstring import Bits

    return Bits(uint=raw, length=8)


@dataclass(frozen=True)
class DateTime:
    """A DLMS date-time (12 octets). Fields hold wire values; 0xFF/0xFFFF mean not specified."""

    year: int
    month: int
    day: int
    day_of_week: int
    hour: int
    minute: int
    second: int
    hundredths: int
    deviation: int  # signed minutes; DEVIATION_NOT_SPECIFIED when 0x8000
    clock_status: ClockStatus

    SIZE = 12

    @classmethod
    def from_bytes(cls, data: bytes, offset: int = 0, field: str = "date-time") -> DateTime:
        if offset + 12 > len(data):
            raise DecodeError("truncated: 12 octets needed", offset=offset, field=field)
        y, mo, d, dow, h, mi, s, hs, dev, cs = _LAYOUT.unpack_from(data, offset)
        if cls is DateTime:  # hot path: the frozen __init__ without its ten guarded setattrs
            obj = _new(cls)
            _setattr(obj, "__dict__", {
                "year": y, "month": mo, "day": d, "day_of_week": dow, "hour": h, "minute": mi, "second": s,
                "hundredths": hs, "deviation": dev, "clock_status": _STATUSES[cs],
            })
            return obj
        return cls(y, mo, d, dow, h, mi, s, hs, dev, ClockStatus(cs))

    def to_bytes(self) -> bytes:
        try:
            return _LAYOUT.pack(
                self.year, self.month, self.day, self.day_of_week, self.hour, self.minute,
                self.second, self.hundredths, self.deviation, self.clock_status.raw,
            )
        except struct.error as exc:
            raise EncodeError(f"date-time field out of range: {exc}") from exc

    @classmethod
    def from_datetime(
        cls, when: _dt.datetime, status: ClockStatus, *, deviation: int | None = None, day_of_week: bool = False
    ) -> DateTime:
        """From an aware (UTC) or naive-UTC datetime. Day of week and deviation left unspecified
        unless asked (as every RTDS grouping-header date-time is)."""
        if when.tzinfo is not None:
            when = when.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return cls(
            when.year, when.month, when.day, when.isoweekday() if day_of_week else NOT_SPECIFIED,
            when.hour, when.minute, when.second, when.microsecond // 10000,
            DEVIATION_NOT_SPECIFIED if deviation is None else deviation, status,
        )

    def with_status(self, status: ClockStatus) -> DateTime:
        return DateTime(self.year, self.month, self.day, self.day_of_week, self.hour, self.minute,
                        self.second, self.hundredths, self.deviation, status)

    def to_datetime(self) -> _dt.datetime | None:
        """As an aware UTC datetime, or None when a needed field is not specified or impossible."""
        return self.resolve()[0]

    def resolve(self) -> tuple[_dt.datetime | None, str | None]:
        """(the aware UTC datetime or None, why it is none although every needed field is given:
        an impossible calendar date-time, or one the deviation carries past year 9999 / before 1)."""
        if self.year == 0xFFFF or NOT_SPECIFIED in (self.month, self.day, self.hour, self.minute, self.second):
            return None, None
        hundredths = 0 if self.hundredths == NOT_SPECIFIED else self.hundredths
        try:
            value = _dt.datetime(self.year, self.month, self.day, self.hour, self.minute, self.second,
                                 hundredths * 10000, tzinfo=_dt.timezone.utc)
        except ValueError as exc:
            return None, f"not a calendar date-time ({exc})"
        if self.deviation != DEVIATION_NOT_SPECIFIED:
            # DLMS deviation: minutes local time differs from UTC (local = UTC - deviation, Blue Book sign)
            try:
                value = value + _dt.timedelta(minutes=self.deviation)
            except OverflowError:
                return None, f"out of range: deviation {self.deviation:+d} min carries it past year 1..9999"
        return value, None

    def fields_text(self) -> str:
        """Every raw field, as received (for a date-time that is not a point in time)."""
        return (f"year {self.year} month {self.month} day {self.day} day-of-week {self.day_of_week} "
                f"hour {self.hour} minute {self.minute} second {self.second} hundredths {self.hundredths} "
                f"deviation {self.deviation}")

    def not_specified_fields(self) -> list[str]:
        names = []
        if self.year == 0xFFFF:
            names.append("year")
        for name in ("month", "day", "day_of_week", "hour", "minute", "second", "hundredths"):
            if getattr(self, name) == NOT_SPECIFIED:
                names.append(name)
        if self.deviation == DEVIATION_NOT_SPECIFIED:
            names.append("deviation")
        return names

    def __str__(self) -> str:
        when, problem = self.resolve()
        if when is not None:
            text = when.strftime("%Y-%m-%d %H:%M:%S")
        elif problem is not None:
            text = f"{self.to_bytes().hex().upper()} = {self.fields_text()}: {problem}"
        else:
            text = self.to_bytes().hex().upper()
        return f"{text} ({self.clock_status.describe()})"

    def to_json(self) -> dict[str, object]:
        when, problem = self.resolve()
        out: dict[str, object] = {
            "hex": self.to_bytes().hex().upper(),
            "utc": when.isoformat() if when else None,
            "not_specified": self.not_specified_fields(),
            "clock_status": self.clock_status.to_json(),
        }
        if problem is not None:
            out["problem"] = problem
            out["fields"] = {name: getattr(self, name) for name in (
                "year", "month", "day", "day_of_week", "hour", "minute", "second", "hundredths", "deviation")}
        return out


_new = object.__new__
_setattr = object.__setattr__
_STATUSES = tuple(ClockStatus(raw) for raw in range(256))  # immutable: one instance per byte value
if (tuple(f.name for f in fields(DateTime)) != ("year", "month", "day", "day_of_week", "hour", "minute", "second",
                                               "hundredths", "deviation", "clock_status")
        or hasattr(DateTime, "__post_init__")):
    raise RuntimeError("DateTime.from_bytes builds instances field by field: update it with the dataclass")
