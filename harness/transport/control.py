"""The CONTROL protocol of emulated benches: one message type per operation, validated on both
sides (the bench client before it sends, the emulator host when it receives).

A CONTROL frame carries one JSON object ``{"op": NAME, field: value, ...}``. Real hardware has
no such channel; a bench without control refuses these frames (``harness emulate --no-control``).
Each operation below says its fields and their types; an unknown op, an unknown field or a field
of the wrong type is a :class:`ControlError` naming the op and the field, never a guess.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar, cast


class ControlError(ValueError):
    """A CONTROL message that is not one of the protocol's operations, or a field that is wrong."""


@dataclass(frozen=True)
class ControlOp:
    """One bench-control operation (subclasses are the protocol's operations)."""

    OP: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of the CONTROL frame (fields left at None are not sent)."""
        return {"op": self.OP, **{k: v for k, v in asdict(self).items() if v is not None}}

    def check(self) -> None:
        """Raise ControlError when a field's value is not allowed (types are checked on parsing)."""


@dataclass(frozen=True)
class Push(ControlOp):
    """The GSME wakes and pushes its readings (with its snapshot time) to the GPF."""

    OP: ClassVar[str] = "push"
    device: str | None = None


@dataclass(frozen=True)
class Advance(ControlOp):
    """The virtual clock moves on ``seconds`` (GSME wakes and hourly ticks fire on the way)."""

    OP: ClassVar[str] = "advance"
    seconds: float = 0.0

    def check(self) -> None:
        if self.seconds < 0:
            raise ControlError(f"advance: seconds must be >= 0, got {self.seconds}")


@dataclass(frozen=True)
class Now(ControlOp):
    """The virtual clock's time."""

    OP: ClassVar[str] = "now"


@dataclass(frozen=True)
class SetState(ControlOp):
    """Set a device's state directly (registers by ZCL or canonical name, payment mode, clocks)."""

    OP: ClassVar[str] = "set_state"
    device: str = ""
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GetState(ControlOp):
    """A device's state (registers, event log, counters)."""

    OP: ClassVar[str] = "get_state"
    device: str = ""


@dataclass(frozen=True)
class HanOutage(ControlOp):
    """Start (``active``) or end a HAN outage between the GSME and the GPF."""

    OP: ClassVar[str] = "han_outage"
    active: bool = True


@dataclass(frozen=True)
class Inject(ControlOp):
    """Arm an event inside the next command of the meters (or the named one): a power loss."""

    OP: ClassVar[str] = "inject"
    what: str = ""
    device: str | None = None
    EVENTS: ClassVar[tuple[str, ...]] = ("power_loss",)

    def check(self) -> None:
        if self.what not in self.EVENTS:
            raise ControlError(f"inject: cannot inject {self.what!r} (only {', '.join(self.EVENTS)})")


@dataclass(frozen=True)
class Restart(ControlOp):
    """Power-cycle the meters (or the named one): persistent state survives."""

    OP: ClassVar[str] = "restart"
    device: str | None = None


@dataclass(frozen=True)
class Supply(ControlOp):
    """Switch a meter's supply, as a lab's power switch does (off: silent; on: it boots)."""

    OP: ClassVar[str] = "supply"
    device: str = ""
    on: bool | None = None

    def check(self) -> None:
        if self.on is None:
            raise ControlError("supply wants on: true | false")


@dataclass(frozen=True)
class Reset(ControlOp):
    """Back to the initial state (counters kept, every meter powered)."""

    OP: ClassVar[str] = "reset"


@dataclass(frozen=True)
class RestartAt(ControlOp):
    """As ``reset``, with the virtual clock at ``time`` (ISO 8601, UTC when no zone)."""

    OP: ClassVar[str] = "restart_at"
    time: str = ""

    def check(self) -> None:
        try:
            _dt.datetime.fromisoformat(self.time.replace("Z", "+00:00"))
        except ValueError:
            raise ControlError(f"restart_at needs 'time' (ISO 8601), got {self.time!r}") from None

    @property
    def when(self) -> _dt.datetime:
        when = _dt.datetime.fromisoformat(self.time.replace("Z", "+00:00"))
        return when if when.tzinfo else when.replace(tzinfo=_dt.timezone.utc)


@dataclass(frozen=True)
class Describe(ControlOp):
    """The bench's devices and the virtual clock's time."""

    OP: ClassVar[str] = "describe"


#: Every operation of the protocol, by name.
CONTROL_OPS: dict[str, type[ControlOp]] = {cls.OP: cls for cls in (
    Push, Advance, Now, SetState, GetState, HanOutage, Inject, Restart, Supply, Reset, RestartAt, Describe)}
#: Operations that do not change the bench's time or state.
READ_OPS = frozenset({Now.OP, Describe.OP, GetState.OP})

_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,), "str | None": (str, type(None)), "float": (int, float), "bool": (bool,), "bool | None": (bool, type(None)),
    "dict[str, Any]": (dict,),
}


def control_op(op: str, **values: Any) -> ControlOp:
    """The operation ``op`` with ``values`` as its fields, validated."""
    return parse_control({"op": op, **values})


def parse_control(obj: Mapping[str, Any]) -> ControlOp:
    """The typed operation of a CONTROL frame's JSON object (ControlError when it is not one)."""
    name = obj.get("op")
    cls = CONTROL_OPS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ControlError(f"unknown control op {name!r} (known: {', '.join(sorted(CONTROL_OPS))})")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(obj) - set(known) - {"op"})
    if unknown:
        raise ControlError(f"{name}: unknown field(s) {', '.join(unknown)} (fields: {', '.join(known) or 'none'})")
    kwargs: dict[str, Any] = {}
    for key, value in obj.items():
        if key == "op":
            continue
        allowed = _TYPES[str(known[key].type)]
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            raise ControlError(f"{name}: {key} must be {known[key].type}, got {type(value).__name__} {value!r}")
        kwargs[key] = float(cast(float, value)) if str(known[key].type) == "float" else value
    msg = cls(**kwargs)
    msg.check()
    return msg
