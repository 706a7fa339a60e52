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
from typing import Any

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
#: Recovery settings a suite's own GCS04 set-up sends: no time-based recovery, so an hourly
#: collection on a wall-clock bench cannot move a register between the suite's reads (the RTDS
#: command's defaults recover 50,000 millipence from TDR2 every hour).
SETUP_RECOVERY: dict[str, dict[str, int]] = {r: {"debt_recovery_amount": 0} for r in TIME_DEBT_REGISTERS}

Registers = Mapping[str, int]


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
