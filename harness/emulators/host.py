"""The emulator host: one virtual clock, the emulated devices of a :class:`HostConfig`, and
``handle(frame) -> list[Frame]`` routing GBCS frames by recipient EUI, HAN reads to the GPF and
CONTROL ops to the bench. Every error becomes an ERROR frame; ``handle`` never raises."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from harness.emulators import gas
from harness.emulators.access import ALERT_UNSUPPORTED, AccessControl, CounterStore, Rejected
from harness.emulators.chf import Chf
from harness.emulators.clock import VirtualClock, to_utctime
from harness.emulators.config import DeviceConfig, HostConfig
from harness.emulators.esme import DLMS_USE_CASES as ESME_USE_CASES
from harness.emulators.esme import Esme
from harness.emulators.gpf import READ_USE_CASES, Gpf
from harness.emulators.gsme import Gsme, Push
from harness.errors import HarnessError
from harness.gbcs import alerts, devicelog, dlms, zcl
from harness.gbcs.catalogue import CATALOGUE, Catalogue, UseCase
from harness.gbcs.datetime import ClockStatus, DateTime
from harness.gbcs.devicelog import DEVICE_LOG_USE_CASES
from harness.gbcs.frame import Cra, GbcsMessage, OtherInformation, parse_message
from harness.gbcs.gbz import GbzAlert
from harness.gbcs.security import KeyPair, Keystore, apply_mac, content_cipher_for, sign_message
from harness.transport import control as ctl
from harness.transport.control import ControlOp, parse_control
from harness.transport.framing import Frame, FrameKind, HanFrame, decode_control
from harness.vocabulary import METER_ROLES

EMULATOR_KEYS = Path(__file__).resolve().parents[1] / "data" / "emulator-keys"
#: The SECMP0002 resets: interrupted by a power loss, they go the debt ledger's power-loss path.
RESET_USE_CASES = ("ECS07r", "GCS04r")
ALERT_COUNTER_BASE = 0x0BB8


@functools.lru_cache(maxsize=1)
def emulator_keystore() -> Keystore:
    """RTDS remote parties plus the committed TEST-ONLY emulator device keys (loaded once; the
    host never modifies it)."""
    return keystore_with([])


@dataclass
class Device:
    cfg: DeviceConfig
    model: Gsme | Gpf | Esme | Chf | None
    alert_counter: int = ALERT_COUNTER_BASE
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def faults(self) -> tuple[str, ...]:
        return tuple(self.cfg.faults)


class EmulatorHost:
    """Emulated devices behind one ``handle`` entry point (thread-safe)."""

    def __init__(self, config: HostConfig, keystore: Keystore | None = None) -> None:
        self.config = config
        self.keystore = keystore or emulator_keystore()
        self.catalogue = Catalogue.load(config.message_codes) if config.message_codes else CATALOGUE
        self.counters = CounterStore(config.state_dir)
        self.access = AccessControl(self.keystore, self.counters, config.access, bytes.fromhex(config.supplier))
        self._lock = threading.RLock()
        self._build()

    # -- construction ---------------------------------------------------------------------------
    def _build(self, start: _dt.datetime | None = None) -> None:
        self.clock = VirtualClock(start or _dt.datetime.fromisoformat(self.config.start_time))
        self.devices: dict[bytes, Device] = {}
        gpf_cfg = self.config.device("GPF")
        gsme_cfg = self.config.device("GSME")
        self.gpf = Gpf(gpf_cfg, self.clock, _initial_gsme(gsme_cfg)) if gpf_cfg else None
        self.gsme = Gsme(gsme_cfg, self.clock, self._deliver) if gsme_cfg else None
        esme_cfg = self.config.device("ESME")
        self.esme = Esme(esme_cfg, self.clock) if esme_cfg else None
        chf_cfg = self.config.device("CHF")
        han = {c.eui_bytes: c.role for c in self.config.devices if c.role != "CHF"}
        self.chf = Chf(chf_cfg, self.clock, han) if chf_cfg else None
        models: dict[str, Any] = {"GPF": self.gpf, "GSME": self.gsme, "ESME": self.esme, "CHF": self.chf}
        for cfg in self.config.devices:
            self.devices[cfg.eui_bytes] = Device(cfg, models.get(cfg.role))

    def _deliver(self, push: Push) -> None:
        if self.gpf is not None:
            self.gpf.receive(push)
        if self.chf is not None and self.gsme is not None:  # the GSME's wake is its time sync with the CH
            self.chf.han_time_sync(self.gsme.cfg.eui_bytes, self.gsme.own_time())

    def device(self, name: str) -> Device:
        """A device by name, role or EUI (case-insensitive)."""
        key = name.strip().lower()
        for dev in self.devices.values():
            if key in (dev.cfg.name.lower(), dev.cfg.role.lower(), dev.cfg.eui.lower()):
                return dev
        raise KeyError(f"no emulated device {name!r}")

    # -- entry point ----------------------------------------------------------------------------
    def handle(self, frame: Frame) -> list[Frame]:
        with self._lock:
            frames = self._handle(frame)
            try:
                frames += self._alerts_raised()
            except Exception as exc:  # noqa: BLE001 - the host must never crash the server
                frames.append(Frame.error(f"internal emulator error raising an alert {type(exc).__name__}: {exc}"))
            return frames

    def _handle(self, frame: Frame) -> list[Frame]:
        try:
            if frame.kind is FrameKind.GBCS:
                return self._gbcs(frame.data)
            if frame.kind is FrameKind.HAN:
                return [self._han(HanFrame.from_bytes(frame.data))]
            if frame.kind is FrameKind.CONTROL:
                return [Frame.control(self.control(decode_control(frame.data)))]
            return [Frame.error(f"the emulator host does not accept {frame.kind.name} frames")]
        except (HarnessError, ValueError, KeyError, TypeError) as exc:
            return [Frame.error(f"{type(exc).__name__}: {exc}")]
        except Exception as exc:  # noqa: BLE001 - the host must never crash the server
            return [Frame.error(f"internal emulator error {type(exc).__name__}: {exc}")]

    # -- GBCS -----------------------------------------------------------------------------------
    def executing_meter(self, frame: Frame) -> Device | None:
        """The powered meter (ESME, GSME) that would execute ``frame``'s command when it is a
        critical one (signed: the meter verifies the signature, then executes); else None."""
        if frame.kind is not FrameKind.GBCS:
            return None
        with self._lock:
            try:
                msg = parse_message(frame.data)
            except (HarnessError, ValueError):
                return None
            dev = self.devices.get(msg.recipient)
            if msg.cra is not Cra.COMMAND or dev is None or not isinstance(dev.model, (Gsme, Esme)) \
                    or not self._powered(dev):
                return None
            uc = self.catalogue.by_code(msg.message_code)
            if uc is None or not uc.critical or self._server_for(dev, uc) != dev.cfg.role:
                return None
            return dev

    def interrupt(self, frame: Frame) -> None:
        """``frame``'s command, its meter's supply cut while the meter was executing it: nothing is
        sent. A reset goes the debt ledger's power-loss path (a compliant meter applies nothing;
        ``reset_half_applied_on_error`` leaves the half-applied value); any other command is lost
        before it changed anything."""
        with self._lock:
            try:
                msg = parse_message(frame.data)
                dev = self.devices.get(msg.recipient)
                uc = self.catalogue.by_code(msg.message_code)
                if dev is None or uc is None or uc.id not in RESET_USE_CASES or \
                        not isinstance(dev.model, (Gsme, Esme)):
                    return
                ledger = dev.model.ledger
                ledger.power_loss_armed = True
                try:
                    self._gbcs(frame.data, interrupted=True)  # its reply is lost with the supply
                finally:
                    ledger.power_loss_armed = False
            except (HarnessError, ValueError, KeyError, TypeError):
                return  # a command the meter could not have executed changes nothing either

    def _gbcs(self, raw: bytes, *, interrupted: bool = False) -> list[Frame]:
        msg = parse_message(raw)
        if msg.cra is not Cra.COMMAND:
            raise ValueError(f"devices accept commands, not a {msg.cra.word}")
        dev = self.devices.get(msg.recipient)
        if dev is None:
            raise KeyError(f"no emulated device with EUI {msg.recipient.hex().upper()}")
        device_ka = self.keystore.ka_private(msg.recipient)
        if device_ka is None:
            raise KeyError(f"no KA private key for {msg.recipient.hex().upper()}")
        uc = self.catalogue.by_code(msg.message_code)
        server = self._server_for(dev, uc)
        if server != "GPF" and not interrupted and not self._powered(dev):
            return []  # a meter without supply answers nothing (the GPF still serves a GSME's reads)
        if uc is None or server is None:
            return [self._alert(dev, msg, ALERT_UNSUPPORTED)]
        try:
            self.access.check(msg, uc, device_ka, dev.faults)
        except Rejected as rej:
            return [self._alert(dev, msg, rej.alert_code)]
        if server == "GSME" and self.gsme is not None and self.gsme.han_outage:
            return []  # the command cannot reach the meter; the CH has nothing to answer yet
        if dev.cfg.reply_latency_ms:
            self.clock.advance(_dt.timedelta(milliseconds=dev.cfg.reply_latency_ms))  # time to answer
        return [Frame.gbcs(self._respond(dev, msg, uc, server))]

    @staticmethod
    def _powered(dev: Device) -> bool:
        return bool(getattr(dev.model, "powered", True))

    def _server_for(self, dev: Device, uc: UseCase | None) -> str | None:
        if uc is None:
            return None
        if uc.id in READ_USE_CASES and dev.cfg.role in ("GPF", "GSME") and self.gpf is not None:
            if uc.id == "GCS60a" and not self.gpf.supports_gcs60a:
                return None  # an old CH does not know GCS60a's message code: refused
            return "GPF"
        if uc.id in ("GCS04", "GCS04r", *gas.PAYMENT_MODE_USE_CASES) and dev.cfg.role == "GSME":
            return "GSME"
        if uc.id in ESME_USE_CASES and dev.cfg.role == "ESME":
            return "ESME"
        if uc.id in DEVICE_LOG_USE_CASES and dev.cfg.role == "CHF" and self.chf is not None:
            return "CHF"
        return None

    def _respond(self, dev: Device, cmd: GbcsMessage, uc: UseCase, server: str) -> bytes:
        counter = cmd.originator_counter
        if "response_counter_not_echoed" in dev.faults:
            counter += 1
        date_time: DateTime | None = None
        if server == "GPF" and self.gpf is not None:
            date_time = self.gpf.response_date_time(uc.id)
            if (date_time is not None and dev.cfg.role == "GSME"
                    and "gsme_eui_status_unspecified" in self.gpf.faults):
                date_time = DateTime.from_datetime(date_time.to_datetime() or self.clock.now(), ClockStatus(0xFF))
        elif server == "ESME" and self.esme is not None:
            date_time = self.esme.response_date_time(uc.id)
        head = GbcsMessage(Cra.RESPONSE, counter, cmd.recipient, cmd.originator,
                           OtherInformation(cmd.message_code), b"", date_time)
        cipher = content_cipher_for(head, self.keystore)
        if server == "GPF" and self.gpf is not None:
            content = gas.serve_read(self.gpf, uc.id, cmd.content, cipher)
        elif server == "GSME" and self.gsme is not None:
            content = gas.serve_payment_mode(self.gsme, uc.id, cmd.content) \
                if uc.id in gas.PAYMENT_MODE_USE_CASES else gas.serve_debt(self.gsme, uc.id, cmd.content)
        elif server == "CHF" and self.chf is not None:
            content = self.chf.handle(uc.id, cmd.content)
        elif self.esme is not None:
            content = self.esme.handle(uc.id, cmd.content, cipher)
        else:  # pragma: no cover - _server_for guarantees a model
            raise KeyError(f"no device serves {uc.id}")
        date_time = restyle(date_time, dev.cfg.date_time_style)
        resp = GbcsMessage(Cra.RESPONSE, counter, cmd.recipient, cmd.originator,
                           OtherInformation(cmd.message_code), content, date_time)
        if uc.critical:
            ds = self.keystore.ds_private(cmd.recipient)
            if ds is None:
                raise KeyError(f"no DS private key for {cmd.recipient.hex().upper()}")
            return sign_message(resp, ds).to_bytes()
        return self._mac(dev, resp.with_signature(b"")).to_bytes()

    def _mac(self, dev: Device, msg: GbcsMessage) -> GbcsMessage:
        private = self.keystore.ka_private(msg.originator)
        public = self.keystore.ka_public(msg.recipient)
        if private is None or public is None:
            raise KeyError(f"no KA keys to MAC for {msg.recipient.hex().upper()}")
        out = apply_mac(msg, KeyPair(private, public))
        if "wrong_mac" in dev.faults and out.mac is not None:
            out = out.with_mac(out.mac[:-1] + bytes((out.mac[-1] ^ 0xFF,)))
        return out

    def _alert(self, dev: Device, cmd: GbcsMessage, code: int) -> Frame:
        """A GBCS alert (CRA 3) from the device to the command's originator. Its class follows
        the alert code (:mod:`harness.gbcs.alerts`): a critical one (0x8F..) is a Generic
        Critical Alert 0x1000, signed; a non-critical one a Generic Non Critical Alert 0x1001,
        MAC-wrapped. The payload family is the device's (GBZ for ZigBee devices, DLMS for ESME)."""
        dev.alert_counter += 1
        now = self.clock.now()
        if dev.cfg.role in ("GSME", "GPF", "IHD"):
            rejected = cmd.message_code.to_bytes(2, "big") + cmd.originator_counter.to_bytes(8, "big")
            content = GbzAlert(0, code, to_utctime(now), rejected).encode()
        else:
            stamp = DateTime.from_datetime(now, ClockStatus(0x00)).to_bytes()
            body = dlms.Data.struct(dlms.Data(dlms.LONG_UNSIGNED, code), dlms.Data.octets(stamp))
            content = dlms.DataNotification(dlms.invoke_id_for(dev.alert_counter), body).encode()
        critical = alerts.is_critical(code) and "refusal_alert_non_critical" not in dev.faults
        carrier = alerts.GENERIC_CRITICAL_ALERT if critical else alerts.GENERIC_NON_CRITICAL_ALERT
        alert = GbcsMessage(Cra.ALERT, dev.alert_counter, cmd.recipient, cmd.originator,
                            OtherInformation(carrier), content, None, b"")
        if critical:
            ds = self.keystore.ds_private(cmd.recipient)
            if ds is None:
                raise KeyError(f"no DS private key for {cmd.recipient.hex().upper()}")
            return Frame.gbcs(sign_message(alert, ds).to_bytes())
        return Frame.gbcs(self._mac(dev, alert).to_bytes())

    def _alerts_raised(self) -> list[Frame]:
        """The CHF's Set Clock alerts raised since the last frame (DP093), as non-critical DLMS
        alerts to the ACB, sent after the reply they came with."""
        if self.chf is None or not self.chf.outbox:
            return []
        dev = self.devices[self.chf.cfg.eui_bytes]
        acb = self.keystore.acb
        if acb is None:
            raise KeyError("no ACB in the keystore to send the CHF's alerts to")
        out = []
        for device, when in self.chf.outbox:
            dev.alert_counter += 1
            content = devicelog.build_set_clock_alert(dev.alert_counter, when, device)
            alert = GbcsMessage(Cra.ALERT, dev.alert_counter, dev.cfg.eui_bytes, bytes(acb),
                                OtherInformation(devicelog.SET_CLOCK_ALERT_MESSAGE_CODE), content, None, b"")
            out.append(Frame.gbcs(self._mac(dev, alert).to_bytes()))
        self.chf.outbox.clear()
        return out

    # -- HAN ------------------------------------------------------------------------------------
    def _han(self, han: HanFrame) -> Frame:
        dev = self.devices.get(han.dst_eui)
        if dev is None or dev.cfg.role != "GPF" or self.gpf is None:
            raise KeyError(f"no GPF with EUI {han.dst_eui.hex().upper()} on the HAN")
        frame = zcl.ZclFrame.parse(han.cluster, han.zcl)
        if not isinstance(frame.body, zcl.ReadAttributes):
            raise ValueError("the GPF mirror answers Read Attributes only")
        records = self.gpf.han_read(han.cluster, frame.body.attribute_ids)
        head = zcl.ZclHeader(zcl.FC_SERVER_TO_CLIENT, frame.header.tsn, zcl.CMD_READ_ATTRIBUTES_RESPONSE)
        body = zcl.ReadAttributesResponse(records).to_bytes()
        return Frame.han(HanFrame(han.dst_eui, han.src_eui, han.cluster, head.to_bytes() + body))

    # -- CONTROL --------------------------------------------------------------------------------
    def control(self, req: Mapping[str, Any] | ControlOp) -> dict[str, Any]:
        """Run one bench-control op (a CONTROL frame's object, parsed and validated by the
        protocol in ``harness/transport/control.py``; also callable directly in-process)."""
        msg = req if isinstance(req, ControlOp) else parse_control(req)
        with self._lock:
            handler = getattr(self, f"_op_{msg.OP}")
            out: dict[str, Any] = {"ok": True, "op": msg.OP}
            out.update(handler(msg))
            return out

    def _op_push(self, req: ctl.Push) -> dict[str, Any]:
        if self.gsme is None:
            raise KeyError("no GSME on this bench")
        return {"delivered": self.gsme.push(), "now": self.clock.now().isoformat()}

    def _op_advance(self, req: ctl.Advance) -> dict[str, Any]:
        fired = self.clock.advance(_dt.timedelta(seconds=req.seconds))
        return {"fired": fired, "now": self.clock.now().isoformat()}

    def _op_now(self, req: ctl.Now) -> dict[str, Any]:
        return {"now": self.clock.now().isoformat()}

    def _op_set_state(self, req: ctl.SetState) -> dict[str, Any]:
        dev = self.device(req.device)
        values = dict(req.values)
        target = self.gpf if dev.cfg.role == "CHF" else dev.model
        if target is None or isinstance(target, Chf):
            raise KeyError(f"device {dev.cfg.name} has no settable state")
        target.set_state(values)
        return {"device": dev.cfg.name}

    def _op_get_state(self, req: ctl.GetState) -> dict[str, Any]:
        dev = self.device(req.device)
        state: dict[str, Any] = {"name": dev.cfg.name, "role": dev.cfg.role, "eui": dev.cfg.eui,
                                 "faults": list(dev.faults), "alert_counter": dev.alert_counter}
        if dev.model is not None:
            state.update(dev.model.get_state())
        if dev.cfg.role == "CHF" and self.gpf is not None:
            state.update({"ch_clock": self.gpf.ch_clock, "now": self.clock.now().isoformat()})
        state["counters"] = self.counters.snapshot().get(dev.cfg.eui, {})
        return {"state": state}

    def _op_han_outage(self, req: ctl.HanOutage) -> dict[str, Any]:
        if self.gsme is None:
            raise KeyError("no GSME on this bench")
        self.gsme.han_outage = req.active
        return {"active": self.gsme.han_outage}

    def _op_inject(self, req: ctl.Inject) -> dict[str, Any]:
        names = [req.device] if req.device else [d.cfg.name for d in self.devices.values()
                                                 if d.cfg.role in METER_ROLES]
        armed = []
        for name in names:
            dev = self.device(str(name))
            if not isinstance(dev.model, (Gsme, Esme)):
                raise ValueError(f"power_loss applies to meters, not {dev.cfg.role}")
            dev.model.ledger.power_loss_armed = True
            armed.append(dev.cfg.name)
        return {"armed": armed}

    def _op_restart(self, req: ctl.Restart) -> dict[str, Any]:
        """Restart (power-cycle) the meters, or the named one: persistent state survives (the
        registers, counters, logs); unlike ``reset``, nothing returns to its initial value."""
        names = [req.device] if req.device else [d.cfg.name for d in self.devices.values()
                                                 if d.cfg.role in METER_ROLES]
        done = []
        for name in names:
            dev = self.device(str(name))
            if not isinstance(dev.model, (Gsme, Esme)):
                raise ValueError(f"restart applies to meters, not {dev.cfg.role}")
            dev.model.restart()
            done.append(dev.cfg.name)
        return {"restarted": done, "now": self.clock.now().isoformat()}

    def _op_supply(self, req: ctl.Supply) -> dict[str, Any]:
        """Switch a meter's supply (``device``, ``on``), as a lab's power switch does: off, it
        answers nothing; on again, it boots like ``restart`` (persistent state only)."""
        dev = self.device(req.device)
        if not isinstance(dev.model, (Gsme, Esme)):
            raise ValueError(f"supply applies to meters, not {dev.cfg.role}")
        on = bool(req.on)
        restarted = dev.model.supply(on)
        return {"device": dev.cfg.name, "on": on, "restarted": restarted, "now": self.clock.now().isoformat()}

    def _op_reset(self, req: ctl.Reset) -> dict[str, Any]:
        self._restart()
        return {"now": self.clock.now().isoformat()}

    def _restart(self, start: _dt.datetime | None = None) -> None:
        for model in (self.gsme, self.esme):
            if model is not None:
                model.stop()
        self._build(start)

    def _op_restart_at(self, req: ctl.RestartAt) -> dict[str, Any]:
        """Restart the emulated devices (fresh state, as ``reset``) with the virtual clock at
        ``time`` (ISO 8601, UTC if no zone): reaching a date such as a clock change at once."""
        self._restart(req.when)
        return {"now": self.clock.now().isoformat()}

    def _op_describe(self, req: ctl.Describe) -> dict[str, Any]:
        return {"now": self.clock.now().isoformat(), "devices": [
            {"name": d.cfg.name, "role": d.cfg.role, "eui": d.cfg.eui, "manufacturer": d.cfg.manufacturer,
             "model": d.cfg.model, "firmware": d.cfg.firmware, "secmp0015": d.cfg.secmp0015,
             "faults": list(d.faults)} for d in self.devices.values()]}


def restyle(dt: DateTime | None, style: dict[str, Any]) -> DateTime | None:
    """``dt`` in one of the legal alternative encodings a device may use: day of week filled in,
    hundredths 0xFF (not specified), deviation 0x0000 instead of 0x8000 (not specified)."""
    if dt is None or not style:
        return dt
    changes: dict[str, Any] = {}
    when = dt.to_datetime()
    if style.get("day_of_week") and when is not None:
        changes["day_of_week"] = when.isoweekday()
    if style.get("hundredths_unspecified"):
        changes["hundredths"] = 0xFF
    if style.get("deviation") == 0:
        changes["deviation"] = 0
    return dataclasses.replace(dt, **changes) if changes else dt


def keystore_with(folders: list[Path]) -> Keystore:
    """The emulator keystore plus the TEST-ONLY private keys (``<eui>-ka.key``/``-ds.key``) of
    devices whose profile names its own key folder (e.g. the self-test's fresh keys)."""
    store = Keystore.packaged()
    for folder in [EMULATOR_KEYS, *folders]:
        for file in sorted(Path(folder).glob("*.key")):
            eui, usage = file.stem.split("-", 1)
            key = serialization.load_pem_private_key(file.read_bytes(), password=None)
            if isinstance(key, ec.EllipticCurvePrivateKey):
                store.add_private(eui, usage, key, role="device")
    return store


def _initial_gsme(cfg: DeviceConfig | None) -> dict[str, int] | None:
    """The GPF's mirror before the first push: the GSME's commissioning values."""
    if cfg is None:
        return None
    from harness.emulators.config import GSME_REGISTERS
    from harness.emulators.gsme import ALIASES

    values = dict(GSME_REGISTERS)
    values.update({ALIASES.get(k, k): int(v) for k, v in cfg.registers.items()})
    return values
