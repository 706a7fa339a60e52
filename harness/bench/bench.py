"""``Bench``: a profile turned into a transport and device handles (emulated in this process,
emulated in another process behind a pty, or real hardware on serial/TCP)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.bench import identity, stimuli
from harness.bench.api import Alert, Verdict
from harness.bench.counter import OriginatorCounter
from harness.bench.device import BenchDevice, find_alert_code, handle_for
from harness.bench.recorder import ExchangeRecorder
from harness.bench.wire import RemotePartyIds, describe_message
from harness.errors import BenchError, CapabilityMissing, DecodeError, DeviceError, TransportTimeout
from harness.gbcs import dlms
from harness.gbcs.devicelog import read_dlms_alert
from harness.gbcs.frame import Cra, GbcsMessage, parse_message
from harness.gbcs.security import Keystore, verify_mac
from harness.profiles.model import BenchProfile, DeviceProfile
from harness.transport import ExchangeLog, Frame, FrameKind, Transport, decode_control
from harness.transport.control import READ_OPS, ControlError, control_op
from harness.transport.registry import ConnectionRequest, open_connection
from harness.transport.spawn import EmulatorProcess
from harness.vocabulary import ConnectionType

if TYPE_CHECKING:
    from harness.lab.power import BenchPower
    from harness.records import BenchInfo

EMULATOR_KEYS = Path(__file__).resolve().parent.parent / "data" / "emulator-keys"
#: What a device's own ``connection:`` can be (an emulator host is the bench's, never a device's).
DEVICE_CONNECTION_TYPES = (ConnectionType.SERIAL, ConnectionType.TCP, ConnectionType.ZIGBEE)


class EmulatedClock:
    """Virtual bench time through CONTROL ops (cached between time-changing ops)."""

    def __init__(self, bench: Bench) -> None:
        self._bench = bench
        self._now: _dt.datetime | None = None

    def now(self) -> _dt.datetime:
        if self._now is None:
            reply = self._bench.control("now")
            text = reply.get("now") or reply.get("time") or reply.get("utc")
            if not isinstance(text, str):
                raise DeviceError(f"bench '{self._bench.name}': 'now' reply without a time: {reply}")
            when = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            self._now = when if when.tzinfo else when.replace(tzinfo=_dt.timezone.utc)
        return self._now

    def advance(self, delta: _dt.timedelta) -> None:
        seconds = delta.total_seconds() if isinstance(delta, _dt.timedelta) else float(delta)
        self._bench.control("advance", seconds=seconds)

    def invalidate(self) -> None:
        self._now = None


class WallClock:
    """A real bench's time: wall time. ``advance`` really waits where the profile allows it
    (stimulus ``clock: wait``, the default; bounded by ``timeouts.max_wait_s``)."""

    def __init__(self, bench: Bench) -> None:
        self._bench = bench

    def now(self) -> _dt.datetime:
        return _dt.datetime.now(_dt.timezone.utc)

    def advance(self, delta: _dt.timedelta) -> None:
        seconds = delta.total_seconds() if isinstance(delta, _dt.timedelta) else float(delta)
        strategy = self._bench.clock_stimulus()
        if strategy is not stimuli.Stimulus.WAIT:
            raise CapabilityMissing(f"bench '{self._bench.name}' is real hardware: its time cannot be advanced "
                                    f"by {seconds:g} s (clock stimulus '{strategy.value}')",
                                    profile_key="devices[...].stimuli.clock: wait")
        stimuli.wait(self._bench, seconds, f"{seconds:g} s of bench time to pass")

    def invalidate(self) -> None:
        pass


def _remote_parties(profile: BenchProfile) -> RemotePartyIds:
    rp = profile.remote_parties
    keystore = Keystore.from_folder(rp.keystore_path())
    folders: dict[Path, Keystore] = {}
    for dev in profile.devices:
        _trust_device_keys(keystore, dev, folders)
    return RemotePartyIds(keystore, identity.eui_bytes(rp.supplier), identity.eui_bytes(rp.network_operator),
                          identity.eui_bytes(rp.acb))


def _trust_device_keys(keystore: Keystore, device: DeviceProfile, folders: dict[Path, Keystore]) -> None:
    """Add the device's public KA/DS keys (never its private keys) to the bench keystore."""
    folder = Path(device.keys) if device.keys is not None and str(device.keys) != "builtin" else EMULATOR_KEYS
    if not folder.is_dir():
        return
    eui = identity.eui_bytes(device.eui)
    source = folders.get(folder)
    if source is None:
        source = folders[folder] = Keystore.from_folder(folder)
    for usage in ("ka", "ds"):
        public = source.public(eui, usage)
        if public is not None:
            keystore.add_public(eui, usage, public)


def _connection_key(conn: Any) -> str:
    """What makes two connections the same line (devices naming it share one transport)."""
    if conn is None:
        return "<none>"
    describe = getattr(conn, "describe", None)
    if callable(describe):
        return str(describe())
    return repr(sorted((k, str(v)) for k, v in dict(conn).items())) if isinstance(conn, dict) else repr(conn)


class Bench:
    """A bench: transport, device handles, clock, control, exchange recorder."""

    def __init__(self, profile: BenchProfile, transport: Transport, *, path: str | None = None,
                 process: EmulatorProcess | None = None, host: Any = None, emulated: bool | None = None) -> None:
        self.profile = profile
        self.path = path or identity.profile_path(profile)
        self.name = str(profile.name or "bench")
        self.transport = transport
        self.process = process
        self.host = host  # in-process emulator host (None otherwise); handles never use it
        if emulated is None:
            emulated = identity.connection_type(profile) in ("emulated", "emulated-process")
        self.emulated = emulated
        self.parties = _remote_parties(profile)
        self.counter = OriginatorCounter()
        self.recorder = ExchangeRecorder()
        self.clock: EmulatedClock | WallClock = EmulatedClock(self) if self.emulated else WallClock(self)
        timeouts = profile.timeouts
        self.timeouts_response = float(timeouts.response_s)
        self.timeouts_han = float(timeouts.han_s)
        self.timeouts_operator = float(timeouts.operator_s)
        self.timeouts_max_wait = float(timeouts.max_wait_s)
        self.timeouts_restart = float(timeouts.restart_s)
        self.operator: stimuli.Operator | None = None  # set by the plugin with --operator
        self.progress: Any = None  # callable(text): progress of real waits (the plugin's terminal)
        self._handles: dict[str, BenchDevice] = {}
        self._device_transports: dict[str, Transport] = {}  # role -> its own connection's transport
        self._power: BenchPower | None = None
        for dev in identity.devices(profile):
            self._handles[identity.role_name(dev)] = handle_for(self, dev)

    def open_device_connections(self, app_factory: Any = None) -> None:
        """Open each device's own ``connection:`` (a real bench's devices sit on different lines):
        one transport per distinct connection, shared by the devices that name the same one;
        devices without one use the bench connection."""
        bench_conn = self.profile.connection
        opened: dict[str, Transport] = {_connection_key(bench_conn): self.transport}
        try:
            for dev in identity.devices(self.profile):
                conn = dev.connection
                if conn is None:
                    continue
                key = _connection_key(conn)
                if key not in opened:
                    opened[key] = self._open_device_transport(dev, conn, app_factory)
                self._device_transports[identity.role_name(dev)] = opened[key]
        except Exception:
            for t in opened.values():
                if t is not self.transport:
                    t.close()
            raise

    def _open_device_transport(self, dev: Any, conn: Any, app_factory: Any) -> Transport:
        role = identity.role_name(dev)
        # a HAN reader (IHD, PPMID) talks to the GPF; another device on a dongle is its own remote
        remote = self.profile_device("GPF") if role in ("IHD", "PPMID") else dev
        kind = ConnectionType(conn.type)
        if kind not in DEVICE_CONNECTION_TYPES:
            raise CapabilityMissing(f"bench '{self.name}': {role} connection type '{kind.value}' cannot be a "
                                    "device's own connection (serial, tcp or zigbee)",
                                    profile_key=f"devices[{role}].connection")
        request = ConnectionRequest(conn, f"{self.name}:{role}", self.path, (remote,), self.profile, app_factory)
        return open_connection(request).transport

    def transport_of(self, role: str) -> Transport:
        """The transport ``role``'s frames travel on (its own connection, else the bench's)."""
        return self._device_transports.get(role, self.transport)

    @property
    def transports(self) -> list[Transport]:
        """Every distinct transport of the bench, the bench connection's first."""
        out = [self.transport]
        for t in self._device_transports.values():
            if all(t is not o for o in out):
                out.append(t)
        return out

    # -- construction ----------------------------------------------------------------------------
    @classmethod
    def from_profile(cls, profile: BenchProfile | str | Path, *, path: str | Path | None = None,
                     app_factory: Any = None) -> Bench:
        """A bench from a BenchProfile (or the path of one), each device's own connection opened.
        ``app_factory`` (tests) replaces the zigpy radio of a zigbee connection (see
        ``harness.zigbee.fake.fake_factory``)."""
        bench = cls._from_profile(profile, path=path, app_factory=app_factory)
        try:
            bench.open_device_connections(app_factory)
        except Exception:
            bench.close()
            raise
        return bench

    @classmethod
    def _from_profile(cls, profile: BenchProfile | str | Path, *, path: str | Path | None = None,
                      app_factory: Any = None) -> Bench:
        if isinstance(profile, (str, Path)):
            from harness.profiles import load_bench

            path = str(profile)
            profile = load_bench(profile)
        path = str(path) if path is not None else identity.profile_path(profile)
        name = str(profile.name or "bench")
        request = ConnectionRequest(profile.connection, name, path, tuple(profile.devices), profile, app_factory)
        opened = open_connection(request)
        return cls(profile, opened.transport, path=path, process=opened.process, host=opened.host)

    # -- what suites use ---------------------------------------------------------------------------
    def handle(self, role: str) -> BenchDevice | None:
        return self._handles.get(str(getattr(role, "value", role)).upper())

    def profile_device(self, role: str) -> Any:
        return identity.device_for(self.profile, role)

    @property
    def roles(self) -> set[str]:
        return set(self._handles)

    def stimulus(self, role: str, name: str) -> stimuli.Stimulus:
        """How stimulus ``name`` of the ``role`` device happens on this bench (the profile's
        ``stimuli:``, else the defaults of :mod:`harness.bench.stimuli`)."""
        return stimuli.declared(self, role, name)

    def clock_stimulus(self) -> stimuli.Stimulus:
        """How time passes: the first device that declares ``stimuli.clock``, else the default."""
        for dev in identity.devices(self.profile):
            declared = dev.stimuli.get("clock")
            if declared:
                return stimuli.Stimulus(declared)
        return stimuli.Stimulus.CONTROL if self.emulated else stimuli.Stimulus.WAIT

    @property
    def power(self) -> BenchPower:
        """The bench's DUT power switches (``lab.power``, labgrid drivers), made on first use."""
        if self._power is None:
            from harness.lab.power import BenchPower

            printed = self.process.lines if self.process is not None else []
            switches = next((line[len("SWITCHES "):].strip() for line in printed if line.startswith("SWITCHES ")),
                            None)
            self._power = BenchPower.from_profile(self.profile, switches=switches)
        return self._power

    def control(self, op: str, **kw: Any) -> dict[str, Any]:
        """One bench-control op (emulated benches); the reply object. Raises CapabilityMissing on
        real benches and DeviceError when the emulator refuses."""
        if not self.emulated:
            raise CapabilityMissing(f"bench '{self.name}' has no control channel (real hardware, or "
                                    f"`harness emulate --no-control`): cannot '{op}'",
                                    profile_key="connection.type: emulated | emulated-process")
        try:
            msg = control_op(op, **kw)
        except ControlError as exc:
            raise BenchError(f"bench '{self.name}': {exc}") from None
        if msg.OP not in READ_OPS:
            self.clock.invalidate()
        reply = self.transport.exchange(Frame.control(msg.to_dict()), self.timeouts_response,
                                        skip_other_kinds=True)
        if reply.kind != FrameKind.CONTROL:
            raise DeviceError(f"bench '{self.name}': control '{op}' answered by a {reply.kind.name} frame")
        try:
            obj = decode_control(reply.data)
        except DecodeError as exc:
            raise DeviceError(f"bench '{self.name}': control '{op}' reply is not JSON ({exc})") from None
        if obj.get("ok") is False or "error" in obj:
            raise DeviceError(f"bench '{self.name}': control '{op}' refused: {obj.get('error', obj)}")
        return obj

    def alert_window(self) -> float:
        """How long to wait for an alert a device raises unasked after a stimulus: none on a
        virtual clock (the emulated devices send it with the frame that raised it), the response
        timeout where time passes at wall speed."""
        return 0.0 if self.clock_stimulus() is stimuli.Stimulus.CONTROL else self.timeouts_response

    def alerts(self, timeout: float = 0.0) -> list[Alert]:
        """Alerts the devices sent unasked, oldest first: those set aside while waiting for other
        replies and any arriving within ``timeout`` s (a real device's alert comes when it comes).
        Each is MAC-checked over the bytes that arrived, decoded and recorded (report, captures)."""
        frames = list(self.transport.unsolicited)
        self.transport.unsolicited.clear()
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            try:
                frames.append(self.transport.receive(max(0.0, deadline - time.monotonic())))
            except TransportTimeout:
                break
        out: list[Alert] = []
        for frame in frames:
            alert = self._alert(frame.data) if frame.kind is FrameKind.GBCS else None
            if alert is None:
                self.transport.unsolicited.append(frame)
            else:
                out.append(alert)
        return out

    def _alert(self, raw: bytes) -> Alert | None:
        try:
            msg = parse_message(raw)
        except DecodeError as exc:
            self.note("alert", f"undecodable unsolicited GBCS frame: {exc}")
            return None
        if msg.cra is not Cra.ALERT:
            return None
        tree = describe_message(raw, msg)
        code = find_alert_code(tree.get("payload"))
        body = None
        if msg.content[:1] == bytes((dlms.TAG_DATA_NOTIFICATION,)):
            try:
                body = read_dlms_alert(msg.content)
            except DecodeError:
                body = None
        mac = Verdict(verify_mac(msg, self.parties.keystore)) if msg.mac is not None else Verdict.ABSENT
        code_int = code if isinstance(code, int) else None
        named = f", device {body.device.hex().upper()}" if body is not None and body.device else ""
        self.record("alert", "rx", raw, f"alert rx from {msg.originator.hex().upper()}: code "
                    f"{f'0x{code_int:04X}' if code_int is not None else code}{named}; MAC {mac.value}", tree)
        return Alert(msg, raw, code_int, mac, tree, body.device if body else None, body.date_time if body else None)

    def reset(self) -> None:
        """Back to a known state: emulators reset; queued unsolicited frames dropped."""
        for t in self.transports:
            t.unsolicited.clear()
        if self.emulated:
            self.control("reset")

    def close(self) -> None:
        try:
            if self._power is not None:
                self._power.close()
            for t in reversed(self.transports):
                t.close()
        finally:
            if self.process is not None:
                self.process.stop()

    def __enter__(self) -> Bench:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def exchange_log(self) -> ExchangeLog:
        """The bench connection's two-direction log (listeners see every frame: captures, records)."""
        return self.transport.log

    @property
    def exchange_logs(self) -> list[ExchangeLog]:
        """One log per connection (a bench whose devices sit on different lines has several)."""
        out: list[ExchangeLog] = []
        for t in self.transports:
            if all(t.log is not o for o in out):
                out.append(t.log)
        return out

    # -- records ---------------------------------------------------------------------------------
    def identity(self) -> BenchInfo:
        return dataclasses.replace(identity.bench_identity(self.profile), path=self.path)

    def record(self, use_case: str, direction: str, raw: bytes, summary: str,
               decoded: dict[str, Any] | None = None, message: GbcsMessage | None = None) -> None:
        """One exchange for the test's record; ``decoded``: its tree when already decoded,
        ``message``: ``raw`` parsed (or the message it was encoded from)."""
        self.recorder.add(use_case, direction, raw,
                          decoded if decoded is not None else describe_message(raw, message), summary)

    def note(self, use_case: str, summary: str) -> None:
        """An rx entry for a reply that never came (timeout, device error)."""
        self.recorder.add(use_case, "rx", b"", {"error": summary}, summary)
