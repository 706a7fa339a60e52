"""The CONTROL protocol: one typed message per operation, validated on both sides."""

from __future__ import annotations

import pytest

from harness.emulators import EmulatorHost, HostConfig
from harness.transport.control import CONTROL_OPS, Advance, ControlError, Inject, control_op, parse_control
from harness.transport.framing import Frame, FrameKind, decode_control


def test_every_operation_round_trips_through_its_json_object() -> None:
    samples = {"advance": {"seconds": 60}, "set_state": {"device": "gsme", "values": {"TDR1": 1}},
               "get_state": {"device": "gsme"}, "han_outage": {"active": False},
               "inject": {"what": "power_loss", "device": "esme"}, "restart": {"device": "gsme"},
               "supply": {"device": "esme", "on": False}, "restart_at": {"time": "2026-03-29T00:30:00Z"}}
    for name in CONTROL_OPS:
        msg = control_op(name, **samples.get(name, {}))
        assert parse_control(msg.to_dict()) == msg
    assert control_op("advance", seconds=60) == Advance(60.0)


@pytest.mark.parametrize(("obj", "words"), [
    ({"op": "fly"}, "unknown control op 'fly'"),
    ({}, "unknown control op None"),
    ({"op": "inject", "fault": "power_loss"}, "unknown field(s) fault"),  # no guessing between names
    ({"op": "inject", "what": "meltdown"}, "cannot inject 'meltdown'"),
    ({"op": "advance", "seconds": "10"}, "seconds must be float"),
    ({"op": "advance", "seconds": -1}, "seconds must be >= 0"),
    ({"op": "han_outage", "active": 1}, "active must be bool"),
    ({"op": "supply", "device": "esme", "on": "off"}, "on must be bool | None"),
    ({"op": "supply", "device": "esme"}, "supply wants on"),
    ({"op": "restart_at"}, "restart_at needs 'time'"),
])
def test_a_wrong_message_is_refused_naming_the_op_and_field(obj: dict[str, object], words: str) -> None:
    with pytest.raises(ControlError, match=None) as exc:
        parse_control(obj)
    assert words in str(exc.value)


def test_the_emulator_refuses_what_the_protocol_refuses_and_runs_the_rest() -> None:
    host = EmulatorHost(HostConfig.default())
    (reply,) = host.handle(Frame.control({"op": "inject", "event": "power_loss"}))
    assert reply.kind is FrameKind.ERROR and b"unknown field(s) event" in reply.data
    (reply,) = host.handle(Frame.control(Inject("power_loss", "esme").to_dict()))
    assert reply.kind is FrameKind.CONTROL and decode_control(reply.data)["armed"] == ["esme"]
