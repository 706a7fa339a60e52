"""The emulated ESME (DLMS): prepayment registers, the three debt registers (class 113
0-0:19.20.1/2/3.255), event log; answers ECS07 (method 4 incremental updates), the SECMP0002
reset ECS07r (method 5, atomic), ECS17b and ECS19 (protected, encrypted) and ECS82."""

from __future__ import annotations

from typing import Any

from harness.emulators import dlms_wire as d
from harness.emulators.clock import VirtualClock
from harness.emulators.config import ESME_REGISTERS, DeviceConfig
from harness.emulators.debt import DEBT_REGISTERS, DebtLedger, DebtRefused
from harness.emulators.gsme import Event, _next_hour
from harness.errors import DecodeError
from harness.gbcs.cipher import ContentCipher
from harness.gbcs.datetime import ClockStatus, DateTime

CHARGE_CLASS, ACCOUNT_CLASS, PROTECTION_CLASS = 113, 112, 30
DEBT_OBIS = {d.obis(f"0-0:19.20.{i}.255"): reg for i, reg in enumerate(DEBT_REGISTERS, start=1)}
METER_BALANCE_OBIS = d.obis("0-0:19.10.0.255")
ECS17B_OBIS = d.obis("0-0:43.2.8.255")
ECS19_OBIS = d.obis("0-0:43.2.1.255")
METHOD_UPDATE, METHOD_RESET = 4, 5
ALIASES = {"meter_balance": "meter_balance", "emergency_credit": "emergency_credit_balance",
           "emergency_credit_balance": "emergency_credit_balance", "accumulated_debt": "accumulated_debt"}
ESME_DEBT_KEYS = {r: r for r in DEBT_REGISTERS}
SECURITY_HEADER_ENC = b"\x31\x00\x00\x00\x00"


class Esme:
    role = "ESME"

    def __init__(self, cfg: DeviceConfig, clock: VirtualClock) -> None:
        self.cfg = cfg
        self.clock = clock
        self.registers: dict[str, int] = dict(ESME_REGISTERS)
        self.registers.update({ALIASES.get(k, k): int(v) for k, v in cfg.registers.items()})
        self.payment_mode = cfg.payment_mode
        self.events: list[Event] = []
        self.ledger = DebtLedger(self.registers, ESME_DEBT_KEYS, "meter_balance", tuple(cfg.faults))
        for reg, rate in cfg.debt_recovery.items():
            self.ledger.set_rate(reg, int(rate.get("amount", 0)), str(rate.get("per", "hour")))
        self._tick = clock.call_at(_next_hour(clock.now()), self._hourly)

    def _hourly(self) -> None:
        taken = self.ledger.collect(self.clock.now(), self.payment_mode == "prepayment")
        if taken:
            self.log("debt_recovered", amount=taken)
        self._tick = self.clock.call_at(_next_hour(self.clock.now()), self._hourly)

    def stop(self) -> None:
        self.clock.cancel(self._tick)

    def response_date_time(self, use_case: str) -> DateTime | None:
        if use_case in ("ECS17b", "ECS19"):
            return DateTime.from_datetime(self.clock.now(), ClockStatus(0xFF))
        return None

    # -- commands -------------------------------------------------------------------------------
    def handle(self, use_case: str, content: bytes, cipher: ContentCipher | None) -> tuple[bytes, bool]:
        """Execute a DLMS command; returns the Access-Response content and overall success."""
        req = d.AccessRequest.parse(content)
        if use_case == "ECS07":
            data, results = self._manage_debt(req)
        elif use_case == "ECS07r":
            data, results = self._reset(req)
        elif use_case == "ECS82":
            data, results = self._get_balance(req)
        elif use_case in ("ECS17b", "ECS19"):
            if cipher is None:
                raise DecodeError("no content key for a protected read", offset=0, field="content")
            data, results = self._protected_read(use_case, req, cipher)
        else:
            raise DecodeError(f"ESME does not serve {use_case}", offset=0, field="message code")
        ok = all(r == d.RESULT_SUCCESS for _, r in results)
        return d.AccessResponse(req.invoke_id, data, results).to_bytes(), ok

    def _manage_debt(self, req: d.AccessRequest) -> tuple[list[d.Data], list[tuple[int, int]]]:
        results: list[tuple[int, int]] = []
        failed = False
        for spec, arg in zip(req.specs, req.data):
            if failed:
                results.append((spec.kind, d.RESULT_OTHER_REASON))
                continue
            result = d.RESULT_SUCCESS
            if spec.kind == d.ACTION and spec.class_id == CHARGE_CLASS and spec.index == METHOD_UPDATE:
                register = DEBT_OBIS.get(spec.obis)
                if register is None or self.payment_mode not in self.cfg.debt_update_modes:
                    result = d.RESULT_HARDWARE_FAULT
                    self.log("change_debt_refused", reason=f"{self.payment_mode} mode or unknown object")
                else:
                    try:
                        self.ledger.adjust(register, int(arg.value))
                        self.log("change_debt", register=register, amount=int(arg.value))
                    except (DebtRefused, TypeError) as exc:
                        result = d.RESULT_HARDWARE_FAULT
                        self.log("change_debt_refused", reason=str(exc))
            failed = result != d.RESULT_SUCCESS
            results.append((spec.kind, result))
        return [d.Data(d.NULL) for _ in req.specs], results

    def _reset(self, req: d.AccessRequest) -> tuple[list[d.Data], list[tuple[int, int]]]:
        if len(req.specs) != 1:
            raise DecodeError("ECS07r carries exactly one action", offset=0, field="request spec count")
        spec = req.specs[0]
        register = DEBT_OBIS.get(spec.obis)
        result = d.RESULT_SUCCESS
        if spec.kind != d.ACTION or spec.class_id != CHARGE_CLASS or spec.index != METHOD_RESET or register is None:
            result = d.RESULT_OTHER_REASON
            self.log("reset_refused", reason="not class 113 method 5 on a debt register")
        elif self.payment_mode not in self.cfg.debt_update_modes:
            result = d.RESULT_HARDWARE_FAULT
            self.log("reset_refused", reason=f"{self.payment_mode} mode")
        else:
            try:
                self.ledger.reset(register)
                self.log("reset", register=register)
            except DebtRefused as exc:
                result = d.RESULT_HARDWARE_FAULT
                self.log("reset_failed", register=register, reason=exc.reason)
        return [d.Data(d.NULL)], [(d.ACTION, result)]

    def _get_balance(self, req: d.AccessRequest) -> tuple[list[d.Data], list[tuple[int, int]]]:
        data: list[d.Data] = []
        results: list[tuple[int, int]] = []
        for spec in req.specs:
            if spec.kind == d.GET and spec.obis == METER_BALANCE_OBIS and spec.index == 2:
                data.append(d.Data(d.DOUBLE_LONG, self.registers["meter_balance"]))
                results.append((d.GET, d.RESULT_SUCCESS))
            else:
                data.append(d.Data(d.NULL))
                results.append((spec.kind, d.RESULT_HARDWARE_FAULT))
        return data, results

    def _protected_read(self, use_case: str, req: d.AccessRequest,
                        cipher: ContentCipher) -> tuple[list[d.Data], list[tuple[int, int]]]:
        r = self.registers
        if use_case == "ECS17b":
            inner = d.structure(
                d.Data(d.DOUBLE_LONG_UNSIGNED, r["active_import"]),
                d.structure(d.Data(d.INTEGER, 0), d.Data(d.ENUM, 30)),
                d.Data(d.DOUBLE_LONG_UNSIGNED, r["reactive_import"]),
                d.structure(d.Data(d.INTEGER, 0), d.Data(d.ENUM, 32)))
        else:
            inner = d.structure(*(d.Data(d.DOUBLE_LONG, r[k]) for k in (
                "meter_balance", "emergency_credit_balance", "accumulated_debt", "TDR1", "TDR2", "PDR")))
        plaintext = d.structure(inner).to_bytes()
        params = _swapped_protection(req)
        sealed = d.Data(d.OCTET_STRING, SECURITY_HEADER_ENC + cipher.encrypt(plaintext))
        return [d.structure(params, sealed)], [(d.ACTION, d.RESULT_SUCCESS)]

    # -- state ----------------------------------------------------------------------------------
    def log(self, what: str, **detail: Any) -> None:
        self.events.append(Event(self.clock.now().isoformat(), what, detail))

    def set_state(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            if key == "payment_mode":
                if value not in ("credit", "prepayment"):
                    raise ValueError(f"payment_mode {value!r}")
                self.payment_mode = value
            elif key == "debt_recovery":
                for reg, rate in dict(value).items():
                    self.ledger.set_rate(reg, int(rate.get("amount", 0)), str(rate.get("per", "hour")))
            else:
                name = ALIASES.get(key, key)
                if name not in self.registers:
                    raise ValueError(f"ESME has no register {key!r}")
                self.registers[name] = int(value)

    def get_state(self) -> dict[str, Any]:
        return {"role": self.role, "registers": dict(self.registers), "payment_mode": self.payment_mode,
                "debt": {r: self.registers[r] for r in DEBT_REGISTERS}, "debt_recovery": dict(self.ledger.rates),
                "events": [e.__dict__ for e in self.events], "now": self.clock.now().isoformat()}


def _swapped_protection(req: d.AccessRequest) -> d.Data:
    """The command's protection-parameter array with originator and recipient swapped."""
    try:
        params = req.data[0].value[1]
        out = []
        for item in params.value:
            ptype, opts = item.value
            o = list(opts.value)
            o[1], o[2] = o[2], o[1]
            out.append(d.structure(ptype, d.structure(*o)))
        return d.Data(d.ARRAY, out)
    except (IndexError, TypeError, ValueError, AttributeError):
        return d.Data(d.ARRAY, [])

