"""SECMP0002 (debt-register reset) checks and failure text.

Pure functions over register snapshots (``Response.debt`` dicts: ``TDR1``, ``TDR2``, ``PDR``,
``meter_balance``, ``emergency_credit``, ``accumulated_debt``) and over
:class:`harness.bench.api.Exchange` objects; nothing here talks to a device.

Failure text names the requirement id on its first line (the result record keeps that line),
then shows every register before and after as a small table, then the exchange::

    SECMP0002-R2 ECS07r reset TDR1: TDR2 changed 22000 -> 0 (expected unchanged)
      register          before    after  expected
      TDR1               11000        0         0
      TDR2               22000        0     22000  <-- wrong
      ...
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from harness.suites import requirement
from harness.vocabulary import DEBT_REGISTER_NAMES as DEBT_REGISTERS

#: The other prepayment values a reset must leave alone.
OTHER_VALUES: tuple[str, ...] = ("meter_balance", "emergency_credit", "accumulated_debt")
ALL_VALUES: tuple[str, ...] = DEBT_REGISTERS + OTHER_VALUES
#: Time-based debt registers (recovered per period; PDR is recovered per payment).
TIME_DEBT_REGISTERS: tuple[str, ...] = ("TDR1", "TDR2")

#: Use cases per meter: read the registers, change debt (incremental), reset one register.
READ_USE_CASE = {"ESME": "ECS19", "GSME": "GCS14"}
CHANGE_USE_CASE = {"ESME": "ECS07", "GSME": "GCS04"}
RESET_USE_CASE = {"ESME": "ECS07r", "GSME": "GCS04r"}
#: Recovery settings the suite's own Change Debt set-up sends, per meter: no time-based recovery
#: from TDR1/TDR2, so an hourly or daily collection on a wall-clock bench or real meter cannot move
#: a register between the suite's reads. GCS04: recovery amount 0 in each Change Debt (the RTDS
#: command's defaults recover 50,000 millipence from TDR2 every hour); ECS07: a unit charge of
#: rate 0 set and activated on each (the RTDS ECS07's SET/activation items).
SETUP_RECOVERY: dict[str, dict[str, dict[str, int]]] = {
    "GSME": {r: {"debt_recovery_amount": 0} for r in TIME_DEBT_REGISTERS},
    "ESME": {r: {"rate": 0} for r in TIME_DEBT_REGISTERS},
}

Registers = Mapping[str, int]


class DebtReader(Protocol):
    """What a check needs of the suite's meter: its reset use case and a read of every register."""

    reset_use_case: str

    def read(self, requirement: str) -> dict[str, int]: ...

# Requirement ids (docs/TRACEABILITY.md, section SECMP0002).
R_RESET = "SECMP0002-R1"  # the named register is reset to zero by one command
R_INDEPENDENT = "SECMP0002-R2"  # the other registers and balances are unchanged
R_ZERO = "SECMP0002-R3"  # resetting a register already at zero succeeds and changes nothing
R_ATOMIC = "SECMP0002-R4"  # a failed reset changes nothing and reports failure
R_ACCESS = "SECMP0002-R5"  # critical command: Supplier only, signed, replay-protected
R_RESPONSE = "SECMP0002-R6"  # response echoes the counter; signature/MAC valid
R_MODE = "SECMP0002-R7"  # payment-mode dependence as the profile declares
R_LOG = "SECMP0002-R8"  # the reset is recorded in the device's log
R_RECOVERY = "SECMP0002-R9"  # recovery after a reset collects nothing from the reset register
R_PERSIST = "SECMP0002-R10"  # a reset persists: next wake, restart, power cycle


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def debt_table(before: Registers, after: Registers | None, expected: Registers | None = None) -> str:
    """Every register before, after (and expected when given) as a fixed-width table; rows whose
    after value differs from the expected one are marked ``<-- wrong``."""
    names = [n for n in ALL_VALUES if n in before or (after and n in after)]
    names += sorted(set(before) - set(names))
    header = f"  {'register':<18}{'before':>10}{'after':>10}" + (f"{'expected':>10}" if expected is not None else "")
    lines = [header]
    for name in names:
        b = before.get(name)
        a = after.get(name) if after is not None else None
        row = f"  {name:<18}{_cell(b):>10}{_cell(a):>10}"
        if expected is not None:
            e = expected.get(name)
            row += f"{_cell(e):>10}"
            if e is not None and a != e:
                row += "  <-- wrong"
        lines.append(row)
    return "\n".join(lines)


def expected_after_reset(before: Registers, register: str) -> dict[str, int]:
    """What a compliant meter holds after resetting ``register``: it at zero, the rest as before."""
    if register not in DEBT_REGISTERS:
        raise ValueError(f"debt register {register!r} is none of {', '.join(DEBT_REGISTERS)}")
    out = dict(before)
    out[register] = 0
    return out


def compare(before: Registers, after: Registers, expected: Registers,
            names: tuple[str, ...] | None = None) -> list[str]:
    """One line per value (of ``names``, default every expected one) whose read-back differs
    from the expected value or is missing."""
    order = [n for n in ALL_VALUES if n in expected] + sorted(set(expected) - set(ALL_VALUES))
    problems = []
    for name in order:
        if names is not None and name not in names:
            continue
        want = expected[name]
        if name not in after:
            problems.append(f"{name} missing from the read-back")
        elif after[name] != want:
            if before.get(name) == want:
                problems.append(f"{name} changed {before[name]} -> {after[name]} (expected unchanged)")
            else:
                problems.append(f"{name} is {after[name]}, expected {want}")
    return problems


def cut_reset_problems(before: Registers, after: Registers, register: str,
                       exchange: Any) -> tuple[list[str], dict[str, int]]:
    """SECMP0002-R4 for a reset whose meter's supply was cut right after the command was written
    (``power_loss: switch``): the cut may land before the meter completed the reset (nothing may
    change: no half-applied state) or after (exactly the reset applied). Silence is what a meter
    without supply gives; an error response says the reset failed, so nothing may have changed; a
    success response says it was done, so exactly the reset must be there. Returns the problems
    (empty: compliant) and the expected state the failure table shows (the nearer of the two)."""
    applied = expected_after_reset(before, register)
    response = getattr(exchange, "response", None)
    if response is not None and response.success:
        problems = compare(before, after, applied)
        if problems:
            problems = [f"a success response, but the reset is not exactly applied ({register} 0, the rest "
                        f"unchanged): {problems[0]}", *problems[1:]]
        return problems, applied
    lost = compare(before, after, before)
    if not lost:
        return [], dict(before)
    if response is not None:  # an error response: the meter says the reset failed
        return [f"a failure response, but the registers changed: {lost[0]}", *lost[1:]], dict(before)
    done = compare(before, after, applied)
    if not done:
        return [], applied
    nearer, expected = (lost, dict(before)) if len(lost) <= len(done) else (done, applied)
    return [f"neither unchanged (the reset lost) nor exactly the reset applied ({register} 0, the rest "
            f"unchanged): {nearer[0]}", *nearer[1:]], expected


def describe_exchange(exchange: Any) -> str:
    """One exchange in a few lines: command counter, outcome, statuses, MAC/signature verdicts."""
    if exchange is None:
        return "  (no exchange)"
    cmd = exchange.command
    lines = [f"  exchange: {exchange.use_case} command counter {cmd.originator_counter} "
             f"(0x{cmd.originator_counter:016X}) from {bytes(cmd.originator).hex().upper()} "
             f"to {bytes(cmd.recipient).hex().upper()}"]
    response = exchange.response
    if response is None:
        lines.append(f"  response: none ({exchange.error})")
    else:
        verdicts = f"MAC {_word(response.mac)}, signature {_word(response.signature)}"
        lines.append(f"  response: counter {response.originator_counter}, "
                     f"{'success' if response.success else 'failure'}, statuses {dict(response.statuses)}, "
                     f"{verdicts}")
    return "\n".join(lines)


def _word(verdict: Any) -> str:
    return str(getattr(verdict, "value", verdict))


def failure_text(requirement: str, what: str, problems: list[str], before: Registers,
                 after: Registers | None, expected: Registers | None = None,
                 exchanges: tuple[Any, ...] = ()) -> str:
    """The full failure message: requirement and first problem on line one, then the table,
    the other problems and the exchanges."""
    first = problems[0] if problems else "check failed"
    lines = [f"{requirement} {what}: {first}"]
    lines.extend(f"  also: {p}" for p in problems[1:])
    lines.append(debt_table(before, after, expected))
    lines.extend(describe_exchange(x) for x in exchanges if x is not None)
    return "\n".join(lines)


def security_problems(exchange: Any, *, critical: bool) -> list[str]:
    """What is wrong with the response's counter echo, MAC and signature (empty when fine).

    A response echoes the command's originator counter (GBCS; RTDS: every pair); a response to a
    critical command is signed and its signature verifies; a MACed response's MAC verifies."""
    response = exchange.response
    if response is None:
        return [f"no response carrying the command's originator counter {exchange.command.originator_counter} "
                f"({exchange.error})"]
    problems = []
    sent = exchange.command.originator_counter
    if response.originator_counter != sent:
        problems.append(f"response counter {response.originator_counter} does not echo the command's {sent}")
    mac, signature = _word(response.mac), _word(response.signature)
    if mac not in ("valid", "absent"):
        problems.append(f"response MAC is {mac}")
    if critical:
        if signature != "valid":
            problems.append(f"response to a critical command: signature {signature}")
    elif mac != "valid":
        problems.append(f"response to a non-critical command: MAC {mac} (must be present and valid)")
    if signature not in ("valid", "absent"):
        problems.append(f"response signature is {signature}")
    return problems


def rejection_problems(exchange: Any, expected_alert: int | None = None) -> list[str]:
    """Problems when a command that must be refused was not: a successful response is one. When
    the device answered with an alert and the spec names the refusal's alert code
    (``expected_alert``, e.g. 0x8F30, 0x8F3D: :mod:`harness.gbcs.alerts`), the alert must carry
    that code, in the alert class of the code (Generic Critical 0x1000 for 0x8F.., Generic Non
    Critical 0x1001 for 0x81..)."""
    from harness.gbcs import alerts

    response = exchange.response
    if response is not None and response.success:
        return [f"the device executed it (success response, statuses {dict(response.statuses)}) "
                f"instead of rejecting it"]
    code = getattr(exchange, "alert_code", None)
    if code is None or expected_alert is None:
        return []
    problems = []
    if code != expected_alert:
        problems.append(f"refused with alert code {alerts.describe(code)}, expected {alerts.describe(expected_alert)}")
    carrier = getattr(exchange, "alert_message_code", None)
    want = alerts.message_code_for(code)
    if carrier is not None and carrier != want:
        kind = "Generic Critical Alert" if want == alerts.GENERIC_CRITICAL_ALERT else "Generic Non Critical Alert"
        problems.append(f"alert code {alerts.describe(code)} came in message code 0x{carrier:04X}, expected "
                        f"0x{want:04X} ({kind}: the class of the alert code)")
    return problems


def change_amounts(current: Registers, targets: Registers) -> dict[str, int]:
    """Incremental Change Debt parameters (``tdr1``/``tdr2``/``pdr``) taking ``current`` to
    ``targets``."""
    return {r.lower(): int(targets[r]) - int(current[r]) for r in DEBT_REGISTERS if r in targets}


# -- assertions -----------------------------------------------------------------------------------

def assert_state(requirement: str, what: str, before: dict[str, int], after: dict[str, int],
                 expected: dict[str, int], *exchanges: Any, names: tuple[str, ...] | None = None) -> None:
    """Fail naming ``requirement`` when ``after`` differs from ``expected`` on ``names``."""
    __tracebackhide__ = True
    problems = compare(before, after, expected, names)
    if problems:
        raise AssertionError(failure_text(requirement, what, problems, before, after, expected, exchanges))


@requirement("SECMP0002-R1", "SECMP0002-R2")
def assert_reset_effect(register: str, use_case: str, before: dict[str, int], after: dict[str, int],
                        *exchanges: Any) -> None:
    """SECMP0002-R1: the named register is zero; SECMP0002-R2: nothing else changed."""
    __tracebackhide__ = True
    expected = {**before, register: 0}
    what = f"{use_case} reset {register}"
    assert_state(R_RESET, what, before, after, expected, *exchanges, names=(register,))
    others = tuple(n for n in ALL_VALUES if n != register)
    assert_state(R_INDEPENDENT, what, before, after, expected, *exchanges, names=others)


def assert_executed(requirement: str, exchange: Any, before: dict[str, int]) -> None:
    """The command got a success response."""
    __tracebackhide__ = True
    response = exchange.response
    if response is None or not response.success:
        outcome = "no response" if response is None else f"failure statuses {dict(response.statuses)}"
        raise AssertionError(failure_text(requirement, f"{exchange.use_case}",
                                          [f"the reset was not executed ({outcome})"], before, None,
                                          None, (exchange,)))


def assert_reset_done(meter: DebtReader, requirement: str, register: str, before: dict[str, int],
                      exchange: Any) -> dict[str, int]:
    """The reset of ``register`` got a success response (``requirement``), then reads zero with
    nothing else changed (R1, R2). Returns the values read after the reset."""
    __tracebackhide__ = True
    assert_executed(requirement, exchange, before)
    after = meter.read(requirement)
    assert_reset_effect(register, meter.reset_use_case, before, after, exchange)
    return after


def assert_rejected(requirement: str, what: str, before: dict[str, int], after: dict[str, int],
                    *exchanges: Any, alert: int | None = None) -> None:
    """The last of ``exchanges`` was refused (no response or a failure response; an alert, when
    one came, with code ``alert`` in its class) and nothing changed from ``before``."""
    __tracebackhide__ = True
    problems = rejection_problems(exchanges[-1], alert)
    if problems:
        raise AssertionError(failure_text(requirement, what, problems, before, after, before, exchanges))
    assert_state(requirement, what, before, after, before, *exchanges)


# -- one check per requirement ------------------------------------------------------------------

@requirement("SECMP0002-R3")
def assert_zero_reset_changed_nothing(use_case: str, register: str, zeroed: dict[str, int], after: dict[str, int],
                                      *exchanges: Any) -> None:
    """SECMP0002-R3: a reset of a register already at zero leaves every value as it was."""
    __tracebackhide__ = True
    assert_state(R_ZERO, f"{use_case} reset {register} already at zero", zeroed, after, zeroed, *exchanges)


@requirement("SECMP0002-R4")
def assert_interrupted_reset_changed_nothing(what: str, before: dict[str, int], after: dict[str, int],
                                             exchange: Any) -> None:
    """SECMP0002-R4 for a power loss the meter survives to answer (injected, ``control``): every
    register is as it was and the answer is an error response."""
    __tracebackhide__ = True
    assert_state(R_ATOMIC, what, before, after, before, exchange)
    response = exchange.response
    if response is None or response.success:
        outcome = "no response" if response is None else "a success response"
        raise AssertionError(failure_text(R_ATOMIC, what, [f"expected an error response, got {outcome}"],
                                          before, after, before, (exchange,)))


@requirement("SECMP0002-R4")
def assert_cut_reset_not_half_applied(what: str, register: str, before: dict[str, int], after: dict[str, int],
                                      exchange: Any) -> None:
    """SECMP0002-R4 for a reset whose meter's supply was cut right after the command was written
    (``power_loss: switch``): the registers are all as they were, or exactly the reset applied;
    never half (:func:`cut_reset_problems`)."""
    __tracebackhide__ = True
    problems, expected = cut_reset_problems(before, after, register, exchange)
    if problems:
        raise AssertionError(failure_text(R_ATOMIC, what, problems, before, after, expected, (exchange,)))


@requirement("SECMP0002-R5")
def assert_unauthorised_reset_refused(what: str, before: dict[str, int], after: dict[str, int], *exchanges: Any,
                                      alert: int | None = None) -> None:
    """SECMP0002-R5: an illegitimate reset (unsigned, badly signed or MACed, from a party without
    authority, replayed) was refused, with the GBCS alert code when one came, and changed nothing."""
    __tracebackhide__ = True
    assert_rejected(R_ACCESS, what, before, after, *exchanges, alert=alert)


@requirement("SECMP0002-R6")
def assert_response_protected(requirement_checked: str, what: str, exchange: Any, *, critical: bool,
                              before: dict[str, int] | None = None) -> None:
    """SECMP0002-R6: the response echoes the command's originator counter; a critical command's is
    signed, a MACed one's MAC verifies. ``requirement_checked``: what the exchange was for (a
    read-back names it); with ``before`` the failure shows the registers."""
    __tracebackhide__ = True
    problems = security_problems(exchange, critical=critical)
    if not problems:
        return
    if before is not None:
        raise AssertionError(failure_text(R_RESPONSE, what, problems, before, None, None, (exchange,)))
    raise AssertionError(f"{R_RESPONSE} {what} (while checking {requirement_checked}): "
                         f"{problems[0]}\n{describe_exchange(exchange)}")


@requirement("SECMP0002-R7")
def assert_reset_refused_in_mode(what: str, before: dict[str, int], after: dict[str, int], exchange: Any) -> None:
    """SECMP0002-R7: in a payment mode the profile does not declare for debt updates, the reset is
    refused and changes nothing."""
    __tracebackhide__ = True
    assert_rejected(R_MODE, what, before, after, exchange)


def names_reset(event: dict[str, Any], register: str) -> bool:
    """Whether an event-log entry records a (successful) reset of ``register``."""
    what = str(event.get("what", "")).lower()
    detail = event.get("detail") or {}
    named = register in (str(v) for v in (detail.values() if isinstance(detail, dict) else ()))
    return "reset" in what and "fail" not in what and "refus" not in what and named


@requirement("SECMP0002-R8")
def assert_reset_logged(use_case: str, register: str, new: list[dict[str, Any]], before: dict[str, int],
                        after: dict[str, int], exchange: Any, *, codes_declared: bool) -> None:
    """SECMP0002-R8: one of the log entries added since the reset (``new``) records the reset of
    ``register``. ``codes_declared``: the profile names the meter's own log codes."""
    __tracebackhide__ = True
    if any(names_reset(e, register) for e in new):
        return
    others = any(names_reset(e, r) for e in new for r in DEBT_REGISTERS)
    raise AssertionError(failure_text(
        R_LOG, f"{use_case} reset {register}",
        [f"no log entry records the reset of {register}; new entries: {new or 'none'}"
         + (" (the log names another register)" if others else "")
         + ("" if codes_declared else
            "; the log codes are provisional (harness.gbcs.meteruc.LOG_CODES): a meter logging the reset "
            "under its own code needs it declared in the profile (behaviours.log_codes.reset)")],
        before, after, None, (exchange,)))


@requirement("SECMP0002-R9")
def assert_recovery_skipped_reset_register(what: str, register: str, reset: dict[str, int], after: dict[str, int],
                                           exchange: Any, *, period: str) -> None:
    """SECMP0002-R9: after ``period`` of time-based recovery the reset register is still zero, the
    other time-debt register gave something up and the meter balance was charged exactly that."""
    __tracebackhide__ = True
    other = next(r for r in TIME_DEBT_REGISTERS if r != register)
    given_up = reset[other] - after[other]
    charged = reset["meter_balance"] - after["meter_balance"]
    problems = []
    if after[register] != 0:
        problems.append(f"{register} is {after[register]} after recovery, expected it to stay 0")
    if given_up <= 0:
        problems.append(f"no debt recovered from {other} in {period}: recovery did not run, "
                        f"the test cannot show the reset register was skipped")
    if charged != given_up:
        problems.append(f"meter balance charged {charged}, but only {given_up} was recovered from {other}: "
                        f"{charged - given_up} was collected for the reset register {register}")
    if problems:
        raise AssertionError(failure_text(R_RECOVERY, what, problems, reset, after, None, (exchange,)))


@requirement("SECMP0002-R10")
def assert_reset_persisted(what: str, register: str, after: dict[str, int], later: dict[str, int],
                           exchange: Any) -> None:
    """SECMP0002-R10: the reset register still reads as it did right after the reset (zero); only
    it is judged, time-based recovery may lower the others meanwhile."""
    __tracebackhide__ = True
    assert_state(R_PERSIST, what, after, later, after, exchange, names=(register,))
