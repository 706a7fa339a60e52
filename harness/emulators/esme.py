"""The emulated ESME (DLMS): prepayment registers, the three debt registers (class 113
0-0:19.20.1/2/3.255), event log; answers ECS07 (method 4 incremental updates; TDR1/TDR2's
passive unit charge, period and its activation set the time-based recovery rate), the SECMP0002
reset ECS07r (method 5, atomic), ECS17b and ECS19 (protected, encrypted) and ECS82."""

from __future__ import annotations

from typing import Any

from harness.emulators.clock import VirtualClock
from harness.emulators.config import ESME_REGISTERS, DeviceConfig
from harness.emulators.debt import DebtRefused
from harness.emulators.meter import DebtMeter
from harness.errors import DecodeError
from harness.gbcs.cipher import ContentCipher
from harness.gbcs.datetime import ClockStatus, DateTime
from harness.gbcs.dlms import HARDWARE_FAULT, OTHER_REASON, SUCCESS, TYPE_UNMATCHED
from harness.gbcs.meteruc import EVENT_LOG_OBJECT, PAYMENT_MODE_USE_CASES
from harness.gbcs.usecases import (
    METER_BALANCE_OBJECT,
    METHOD_SET_TOTAL_AMOUNT_REMAINING,
    METHOD_UPDATE_TOTAL_AMOUNT_REMAINING,
    PROTECTED_READS,
    RECOVERY_REGISTERS,
    build_response_content,
    parse_command,
)
from harness.vocabulary import DEBT_REGISTER_NAMES as DEBT_REGISTERS

ALIASES = {"meter_balance": "meter_balance", "emergency_credit": "emergency_credit_balance",
           "emergency_credit_balance": "emergency_credit_balance", "accumulated_debt": "accumulated_debt"}
ESME_DEBT_KEYS = {r: r for r in DEBT_REGISTERS}
DLMS_USE_CASES = ("ECS07", "ECS07r", "ECS17b", "ECS19", "ECS82", "ECS02", "ECS03", "ECS35a")
#: Charge periods (class 113 attribute 8, seconds) the recovery ledger models.
PERIODS = {3600: "hour", 86400: "day"}


class Esme(DebtMeter):
    role = "ESME"
    aliases = ALIASES

    def __init__(self, cfg: DeviceConfig, clock: VirtualClock) -> None:
        self._init_meter(cfg, clock, ESME_REGISTERS, ESME_DEBT_KEYS, "meter_balance")
        self.passive_rates: dict[str, int] = {}  # TDR1/TDR2: unit charge set, not yet activated
        self._start_recovery()

    def stop(self) -> None:
        self.clock.cancel(self._tick_handle)

    def response_date_time(self, use_case: str) -> DateTime | None:
        if use_case in ("ECS17b", "ECS19", "ECS02", "ECS03"):
            return DateTime.from_datetime(self.stamp(self.clock.now()), ClockStatus(0xFF))
        return None

    # -- commands -------------------------------------------------------------------------------
    def handle(self, use_case: str, content: bytes, cipher: ContentCipher | None) -> bytes:
        """Execute a DLMS command; returns the Access-Response content."""
        if use_case not in DLMS_USE_CASES:
            raise DecodeError(f"ESME does not serve {use_case}", offset=0, field="message code")
        request = parse_command(use_case, content)
        if use_case in PROTECTED_READS:
            if cipher is None:
                raise DecodeError("no content key for a protected read", offset=0, field="content")
            return build_response_content(use_case, self._protected_values(use_case), request=request,
                                          cipher=cipher)
        if use_case in PAYMENT_MODE_USE_CASES:
            return build_response_content(use_case, {}, results=[self._set_payment_mode(request)], request=request)
        if use_case == "ECS35a":
            ok = request["object"] == EVENT_LOG_OBJECT and request["class_id"] == 7 and request["attribute"] == 2
            return build_response_content(use_case, {"events": [e.__dict__ for e in self.events]},
                                          statuses={} if ok else {"event_log": HARDWARE_FAULT}, request=request)
        if use_case == "ECS07":
            results = self._manage_debt(request)
        elif use_case == "ECS07r":
            results = [self._reset(request)]
        else:
            return build_response_content(use_case, {"meter_balance": self.registers["meter_balance"]},
                                          statuses=_balance_status(request), request=request)
        return build_response_content(use_case, {}, results=results, request=request)

    def _manage_debt(self, request: dict[str, Any]) -> list[int]:
        """ECS07: method 4 adds to a debt register; TDR1/TDR2's recovery items set their
        time-based rate (:meth:`_recovery_item`); other items are accepted. One DLMS result per
        item; items after a failure are not executed."""
        actions = {a["index"]: a for a in request["actions"]}
        recovery = {r["index"]: r for r in request.get("recovery_items", [])}
        results: list[int] = []
        for i in range(len(request["specs"])):
            if results and results[-1] != SUCCESS:
                results.append(OTHER_REASON)
                continue
            action = actions.get(i)
            result = SUCCESS
            if i in recovery:
                result = self._recovery_item(recovery[i])
            elif action is not None and action["method"] == METHOD_UPDATE_TOTAL_AMOUNT_REMAINING:
                register = action["register"]
                if register is None or not self.accepts_debt_update():
                    result = HARDWARE_FAULT
                    self.log("change_debt_refused", reason=f"{self.payment_mode} mode or unknown object")
                else:
                    try:
                        amount = self.applied_amount(int(action["amount"]))
                        self.ledger.adjust(register, amount)
                        self.log("change_debt", register=register, amount=amount)
                    except (DebtRefused, TypeError) as exc:
                        result = HARDWARE_FAULT
                        self.log("change_debt_refused", reason=str(exc))
            results.append(result)
        return results

    def _recovery_item(self, item: dict[str, Any]) -> int:
        """One ECS07 recovery item on TDR1/TDR2 (others accepted, not modelled): a passive unit
        charge is kept until its activation (method 2) makes its rate the register's recovery
        per period; a period (an hour or a day; others not modelled) applies at once. DLMS result."""
        register = item["register"]
        if register not in RECOVERY_REGISTERS:
            return SUCCESS
        current = self.ledger.rates.get(register, {})
        if item["item"] == "unit_charge_passive":
            if item["rate"] is None or item["rate"] < 0:
                return TYPE_UNMATCHED
            self.passive_rates[register] = int(item["rate"])
        elif item["item"] == "period":
            if item["seconds"] is None:
                return TYPE_UNMATCHED
            per = PERIODS.get(item["seconds"])
            if per is not None:
                self.ledger.set_rate(register, int(current.get("amount", 0)), per)
        elif register in self.passive_rates:  # activate
            amount = self.passive_rates.pop(register)
            per = str(current.get("per", "hour"))
            self.ledger.set_rate(register, amount, per)
            self.log("debt_recovery_rate", register=register, amount=amount, per=per)
        return SUCCESS

    def _reset(self, request: dict[str, Any]) -> int:
        """ECS07r: class 113 method 5 (amount 0) on one debt register; atomic. DLMS result."""
        if len(request["specs"]) != 1:
            raise DecodeError("ECS07r carries exactly one action", offset=0, field="request spec count")
        action = request["actions"][0] if request["actions"] else None
        register = action["register"] if action else None
        if action is None or action["method"] != METHOD_SET_TOTAL_AMOUNT_REMAINING or register is None:
            self.log("reset_refused", reason="not class 113 method 5 on a debt register")
            return OTHER_REASON
        if self.payment_mode not in self.cfg.debt_update_modes:
            self.log("reset_refused", reason=f"{self.payment_mode} mode")
            return HARDWARE_FAULT
        try:
            self.ledger.reset(register)
        except DebtRefused as exc:
            self.log("reset_failed", register=register, reason=exc.reason)
            return HARDWARE_FAULT
        self.log("reset", register=register)
        return SUCCESS

    def _set_payment_mode(self, request: dict[str, Any]) -> int:
        """ECS02/ECS03: the Account object's payment mode, at once (activation high values or
        not later than now; a future activation is taken at that time). DLMS result."""
        mode = request.get("mode")
        if mode is None:
            return OTHER_REASON
        self.change_payment_mode(str(mode), request.get("activation"))
        return SUCCESS

    def _protected_values(self, use_case: str) -> dict[str, int]:
        """ECS17b / ECS19 plaintext values by canonical name (ECS17b without a second rate)."""
        names = [n for n in PROTECTED_READS[use_case][2] if n and n != "active_import_2"]
        return {n: self.registers[n] for n in names}

    # -- state ----------------------------------------------------------------------------------
    def set_state(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            self._set_common(key, value)

    def get_state(self) -> dict[str, Any]:
        return {"role": self.role, "registers": dict(self.registers), "payment_mode": self.payment_mode,
                "debt": {r: self.registers[r] for r in DEBT_REGISTERS}, "debt_recovery": dict(self.ledger.rates),
                "events": [e.__dict__ for e in self.events], "now": self.clock.now().isoformat()}


def _balance_status(request: dict[str, Any]) -> dict[str, int]:
    """ECS82 reads attribute 2 of the meter-balance object; anything else is a hardware fault."""
    specs = request["specs"]
    ok = len(specs) == 1 and specs[0]["kind"] == "get" and specs[0]["obis"] == METER_BALANCE_OBJECT \
        and specs[0].get("attribute") == 2
    return {} if ok else {"meter_balance": HARDWARE_FAULT}
