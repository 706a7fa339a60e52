"""Device handles: the api.py contract over a transport. One class for every bench kind;
GSME handles add bench control (push, HAN outage, state) through CONTROL frames."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from harness.bench import identity, observe, stimuli
from harness.bench.api import AttributeRead, Exchange, SentCommand
from harness.bench.observe import ObservedPush
from harness.bench.stimuli import Stimulus
from harness.bench.wire import build_command, catalogue_for, check_response, describe_message
from harness.errors import CapabilityMissing, DecodeError, TransportTimeout
from harness.gbcs import zcl
from harness.gbcs.alerts import UNSUPPORTED_COMMAND
from harness.gbcs.frame import Cra, GbcsMessage, parse_message
from harness.transport import Frame, FrameKind, HanFrame
from harness.vocabulary import Role

if TYPE_CHECKING:
    from harness.bench.bench import Bench

# The emulators' (provisional) alert code for an unknown message code (harness.gbcs.alerts).
UNKNOWN_MESSAGE_CODE_ALERT = UNSUPPORTED_COMMAND


def find_alert_code(tree: Any) -> Any:
    """The first value under a key naming an alert code in a decoded payload tree."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            if "alert" in str(key).lower() and isinstance(value, (int, str)):
                return value
        for value in tree.values():
            found = find_alert_code(value)
            if found is not None:
                return found
    elif isinstance(tree, list):
        for value in tree:
            found = find_alert_code(value)
            if found is not None:
                return found
    return None


class BenchDevice:
    """A device on the bench (see :class:`harness.bench.api.DeviceHandle`)."""

    def __init__(self, bench: Bench, profile: Any) -> None:
        self._bench = bench
        self.profile = profile
        self.role = Role(identity.role_name(profile))
        self.eui = identity.eui_bytes(profile.eui)
        self.name = str(profile.name or self.role.value)
        # the bench profile's catalogue (message-code overrides shared with its emulator)
        self.catalogue = catalogue_for(bench.profile)

    @property
    def transport(self) -> Any:
        """The line this device's frames travel on (its own connection, else the bench's)."""
        return self._bench.transport_of(self.role.value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.role.value} {self.eui.hex().upper()} on {self._bench.name!r})"

    # -- profile facts --------------------------------------------------------------------------
    def capabilities(self) -> set[str]:
        return identity.capabilities(self.profile)

    def behaviour(self, name: str, default: Any = None) -> Any:
        return identity.behaviours(self.profile).get(name, default)

    # -- GBCS ------------------------------------------------------------------------------------
    def send(self, use_case: str, *, originator: str = "supplier", counter: int | None = None,
             tamper: str | None = None, **params: Any) -> Exchange:
        return self.collect(self.submit(use_case, originator=originator, counter=counter, tamper=tamper, **params))

    def submit(self, use_case: str, *, originator: str = "supplier", counter: int | None = None,
               tamper: str | None = None, **params: Any) -> SentCommand:
        """Build, record and write the command; its reply is :meth:`collect`-ed later."""
        b = self._bench
        if counter is None:
            counter = b.counter.next()
        else:
            b.counter.observe(counter)
        msg = build_command(use_case, parties=b.parties, originator=originator, recipient=self.eui,
                            counter=counter, tamper=tamper, params=params, catalogue=self.catalogue)
        raw = msg.to_bytes()
        sent_at = b.clock.now()
        signed = "signed" if msg.signature else "unsigned"
        b.record(use_case, "tx", raw, f"{use_case} tx to {self.role.value} counter {counter} ({signed}"
                 + (f", tamper {tamper}" if tamper else "") + ")", message=msg)
        t = self.transport
        while True:  # what arrived before the command (an alert sent unasked) is not its reply
            try:
                t.unsolicited.append(t.receive(0.0))
            except TransportTimeout:
                break
        t.send(Frame.gbcs(raw))
        return SentCommand(use_case, msg, raw, sent_at)

    def collect(self, sent: SentCommand, timeout: float | None = None) -> Exchange:
        """The reply to ``sent`` within ``timeout`` (default ``timeouts.response_s``), recorded."""
        b = self._bench
        use_case, msg, raw, sent_at = sent.use_case, sent.command, sent.command_raw, sent.sent_at
        try:
            reply_raw, reply = self._await_reply(msg, b.timeouts_response if timeout is None else timeout)
        except TransportTimeout as exc:
            b.note(use_case, f"{use_case}: no response from {self.role.value} ({exc})")
            return Exchange(use_case, msg, raw, None, sent_at, error=f"timeout: {exc}", cause=exc)
        except DecodeError as exc:
            return Exchange(use_case, msg, raw, None, sent_at, error=f"undecodable reply: {exc}", cause=exc)
        if isinstance(reply, str):  # ERROR frame text
            b.note(use_case, f"{use_case}: {self.role.value} side reported an error: {reply}")
            return Exchange(use_case, msg, raw, None, sent_at, error=f"device error: {reply}")
        if reply.cra is Cra.ALERT:
            tree = describe_message(reply_raw, reply)
            code = find_alert_code(tree.get("payload"))
            what = f"alert 0x{reply.message_code:04X}" + (
                f" (alert code {code:#06x})" if isinstance(code, int) else f" (alert code {code})" if code else "")
            entry = self.catalogue.by_id(use_case)
            if entry.provisional and code in (UNKNOWN_MESSAGE_CODE_ALERT, None):
                what += (f"; {use_case} was sent with message code 0x{entry.message_code:04X}, a provisional "
                         "code the device may not use (check the profile's message_codes)")
            b.record(use_case, "rx", reply_raw, f"{use_case} rx ALERT from {self.role.value}: rejected, {what}",
                     tree)
            return Exchange(use_case, msg, raw, None, sent_at, error=f"rejected: {what}",
                            alert_code=code if isinstance(code, int) else None,
                            alert_message_code=reply.message_code)
        response, tree = check_response(use_case, reply, reply_raw, b.parties.keystore, msg)
        when = str(reply.date_time) if reply.date_time is not None else "no date-time"
        status = "success" if response.success else f"failure {_statuses_text(response.statuses)}"
        b.record(use_case, "rx", reply_raw,
                 f"{use_case} rx {when} from {self.role.value}; {status}; MAC {response.mac.value}, "
                 f"signature {response.signature.value}", tree)
        return Exchange(use_case, msg, raw, response, sent_at)

    def _await_reply(self, msg: GbcsMessage, timeout: float) -> tuple[bytes, GbcsMessage | str]:
        """Wait for our response (same counter) or an alert from our device."""
        t = self.transport
        deadline = time.monotonic() + timeout
        while True:
            try:
                frame = t.receive(max(0.0, deadline - time.monotonic()))
            except TransportTimeout:
                raise t.timeout_error(timeout, f"no response to counter {msg.originator_counter}") from None
            if frame.kind == FrameKind.ERROR:
                return frame.data, frame.text()
            if frame.kind != FrameKind.GBCS:
                t.unsolicited.append(frame)
                continue
            reply = parse_message(frame.data)
            ours = (reply.cra is Cra.RESPONSE and reply.originator_counter == msg.originator_counter) or \
                   (reply.cra is Cra.ALERT and reply.originator == self.eui)
            if ours:
                return frame.data, reply
            t.unsolicited.append(frame)

    def send_raw(self, message: bytes) -> bytes | None:
        """Send bytes as they are; the first GBCS reply, or None on silence."""
        b = self._bench
        b.record("raw", "tx", message, f"raw tx to {self.role.value} ({len(message)} bytes)")
        t = self.transport
        t.send(Frame.gbcs(message))
        deadline = time.monotonic() + b.timeouts_response
        while True:
            try:
                frame = t.receive(max(0.0, deadline - time.monotonic()))
            except TransportTimeout:
                return None
            if frame.kind == FrameKind.GBCS:
                b.record("raw", "rx", frame.data, f"raw rx from {self.role.value} ({len(frame.data)} bytes)")
                return bytes(frame.data)
            if frame.kind == FrameKind.ERROR:
                return None
            t.unsolicited.append(frame)

    # -- HAN -------------------------------------------------------------------------------------
    def read_attribute(self, cluster: int, attribute: int, via: str = "IHD") -> AttributeRead:
        """Read one ZCL attribute of this device over the HAN, as the ``via`` device would."""
        b = self._bench
        source = b.profile_device(via)
        if source is None:
            raise CapabilityMissing(f"bench '{b.name}' has no {via} to read from")
        src = identity.eui_bytes(source.eui)
        tsn = b.counter.next() & 0xFF
        body = zcl.ReadAttributes([attribute])
        zframe = zcl.ZclFrame.build(0x00, tsn, zcl.CMD_READ_ATTRIBUTES, body)
        han = HanFrame(src, self.eui, cluster, zframe.to_bytes())
        label = f"HAN 0x{cluster:04X}/0x{attribute:04X}"
        b.record("HAN", "tx", han.to_bytes(), f"{label} read by {via} from {self.role.value}",
                 {"cluster": cluster, "attribute": attribute, "via": via})
        reader = b.handle(via)  # the HAN read travels on the reader's line (its ZigBee dongle)
        line = reader.transport if reader is not None else b.transport_of(self.role.value)
        reply = line.exchange(Frame.han(han), b.timeouts_han, skip_other_kinds=True)
        rhan = HanFrame.from_bytes(reply.data)
        rz = zcl.ZclFrame.parse(rhan.cluster, rhan.zcl)
        body_r = rz.body
        if isinstance(body_r, zcl.ReadAttributesResponse):
            rec = next((r for r in body_r.records if r.attribute_id == attribute), None)
            if rec is None:
                raise DecodeError(f"no record for attribute 0x{attribute:04X}", offset=0, field="attribute record")
            result = AttributeRead(cluster, attribute, rec.status, rec.type_id, rec.value)
        elif isinstance(body_r, zcl.DefaultResponse):
            result = AttributeRead(cluster, attribute, body_r.status, None, None)
        else:
            raise DecodeError(f"unexpected ZCL command 0x{rz.header.command_id:02X}", offset=0, field="ZCL command")
        value = f"0x{result.value:X}" if isinstance(result.value, int) else repr(result.value)
        b.record("HAN", "rx", reply.data,
                 f"{label} rx from {self.role.value}: {zcl.status_name(result.status)}"
                 + (f" value {value}" if result.status == 0 else ""),
                 {"cluster": cluster, "attribute": attribute, "status": result.status, "type": result.type,
                  "value": result.value if isinstance(result.value, (int, str, type(None))) else repr(result.value)})
        return result


class GsmeDevice(BenchDevice):
    """A GSME handle: also :class:`harness.bench.api.GsmeControl`. Each stimulus happens the way
    the profile declares it (``stimuli:``: control, wait, operator, switch; see
    :mod:`harness.bench.stimuli`); one the bench lacks raises CapabilityMissing naming the key."""

    @property
    def wake_interval_s(self) -> float | None:
        value = self.behaviour("wake_interval_s", None)
        return float(value) if value else None

    def _stimulus(self, name: str) -> Stimulus:
        return self._bench.stimulus(self.role.value, name)

    def push(self) -> None:
        """Make the GSME wake and push now (control, operator, switch) or wait for its own wake."""
        strategy = self._stimulus("push")
        if strategy is Stimulus.CONTROL:
            self._bench.control("push", device=self.role.value)
        elif strategy is Stimulus.WAIT and self.wake_interval_s:
            stimuli.wait(self._bench, self.wake_interval_s + observe.wake_margin(self.wake_interval_s),
                         "one GSME wake interval plus margin")
        else:
            self._trigger_push(strategy)()

    def _trigger_push(self, strategy: Stimulus) -> Any:
        """What makes a push happen on a bench without control (None: the GSME's own wake)."""
        role = self.role.value
        if strategy is Stimulus.OPERATOR:
            return lambda: stimuli.ask_operator(self._bench, role, "push", "press the GSME's button to wake it "
                                                "now (it pushes to the GPF), then press Enter")
        if strategy is Stimulus.SWITCH:
            def pulse() -> None:
                stimuli.use_switch(self._bench, role, "push", True)
                stimuli.use_switch(self._bench, role, "push", False)
            return pulse
        if strategy is Stimulus.WAIT and self.wake_interval_s:
            return None
        raise stimuli.missing(self._bench, role, "push", "make the GSME push", strategy)

    def await_push(self, gpf: Any, *, observable: bool) -> ObservedPush:
        """The GSME's next push, made or observed as the bench can: a CONTROL push on emulated
        benches; else triggered (operator/switch) or awaited (wait) and detected through the GPF
        (:func:`harness.bench.observe.await_push`). ``observable``: the GPF keeps the GSME's time."""
        strategy = self._stimulus("push")
        bench = self._bench
        if strategy is Stimulus.CONTROL:
            bench.control("push", device=self.role.value)
            now = bench.clock.now()
            return ObservedPush(now, "control", 0.0, now)
        trigger = self._trigger_push(strategy)
        wake = self.wake_interval_s
        if wake is None:
            raise CapabilityMissing(f"bench '{bench.name}': the GSME declares no wake interval to wait for",
                                    profile_key=f"devices[{self.role.value}].behaviours.wake_interval_s")
        timeout = bench.timeouts_operator + wake if strategy is Stimulus.OPERATOR else None
        return observe.await_push(bench, gpf, observable=observable, wake_interval_s=wake, trigger=trigger,
                                  timeout_s=timeout)

    def set_han_outage(self, active: bool) -> None:
        strategy = self._stimulus("han_outage")
        role = self.role.value
        if strategy is Stimulus.CONTROL:
            self._bench.control("han_outage", active=bool(active))
        elif strategy is Stimulus.OPERATOR:
            stimuli.ask_operator(self._bench, role, "han_outage",
                                 "put the GSME in the RF-shield box (HAN outage), then press Enter" if active else
                                 "take the GSME out of the RF-shield box (HAN back), then press Enter")
        elif strategy is Stimulus.SWITCH:
            stimuli.switch_link(self._bench, role, "han_outage", bool(active))
        else:
            raise stimuli.missing(self._bench, role, "han_outage", "cut the GSME's HAN link", strategy)

    def _state_control(self, op: str, **kw: Any) -> dict[str, Any]:
        strategy = self._stimulus("state")
        if strategy is not Stimulus.CONTROL:
            raise stimuli.missing(self._bench, self.role.value, "state", f"{op.replace('_', ' ')} of the GSME directly",
                                  strategy)
        return self._bench.control(op, device=self.role.value, **kw)

    def set_state(self, **registers: Any) -> None:
        self._state_control("set_state", values=registers)

    def get_state(self) -> dict[str, Any]:
        reply = self._state_control("get_state")
        return dict(reply.get("state", reply))


def handle_for(bench: Bench, profile: Any) -> BenchDevice:
    role = identity.role_name(profile)
    cls = GsmeDevice if role == "GSME" else BenchDevice
    return cls(bench, profile)


def _statuses_text(statuses: object) -> str:
    """Per-item result codes as a person reads them (``PDR 0x01``), not a Python repr."""
    if isinstance(statuses, dict):
        return ", ".join(f"{k} {_code(v)}" for k, v in statuses.items()) or "(no item results)"
    if isinstance(statuses, (list, tuple)):
        return ", ".join(_code(v) for v in statuses) or "(no item results)"
    return str(statuses)


def _code(value: object) -> str:
    return f"0x{value:02X}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
