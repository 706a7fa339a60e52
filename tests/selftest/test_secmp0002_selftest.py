"""Self-test of the SECMP0002 suite (the harness's own test run, never a lab run).

Runs ``tests/compliance/secmp0002`` in a fresh pytest process on the compliant emulated benches
(one per distinct ESME/GSME device set: all tests pass or skip) and on the faulty bench of every
debt-related fault variant (faults declared to break a SECMP0002 or GBCS security requirement),
reads the result records, then asserts:

* every debt fault variant fails at least one test whose failure message names a SECMP0002
  requirement id;
* every test of the suite that runs on a compliant bench fails on at least one fault variant.

Skipped when pytest targets a bench other than the emulated default. Also holds the unit tests
of :mod:`harness.suites.secmp0002` (pure functions, no bench).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from selftest_util import PROFILES, S1SR_TESTS, SelfTestRuns, faults_breaking, run_selftest

from harness.suites.secmp0002 import (
    change_amounts,
    compare,
    debt_table,
    describe_exchange,
    expected_after_reset,
    failure_text,
    rejection_problems,
    security_problems,
)

SUITE = "tests/compliance/secmp0002"
REQUIREMENT_PREFIX = "SECMP0002-"
#: Faults a SECMP0002 suite must catch: debt-register faults and the GBCS security faults of a
#: critical command (replay, signature, counter echo, MAC).
DEBT_FAULT_PREFIXES = ("SECMP0002-",)


#: GSME fields that change only its clock (SECMP0015 variants), not its debt behaviour: benches
#: differing only in these are one debt bench.
CLOCK_ONLY_FIELDS = frozenset({"name", "gsme_clock", "clock_offset_s"})


def compliant_debt_benches() -> dict[str, Path]:
    """The default bench, then one in-process emulated bench per distinct ESME/GSME device set."""
    from harness.profiles import load_bench

    default = PROFILES / "benches" / "emulated-default.yaml"
    chosen: dict[str, Path] = {}
    seen: set[str] = set()
    for path in [default, *sorted((PROFILES / "benches").glob("*.yaml"))]:
        if not path.exists() or path.stem in chosen:
            continue
        bench = load_bench(path)
        if bench.connection.type.value != "emulated":
            continue
        meters = [bench.device(role) for role in ("ESME", "GSME")]
        key = repr([{k: v for k, v in m.host_config_entry().items() if k not in CLOCK_ONLY_FIELDS}
                    if m is not None else None for m in meters])
        if key not in seen:
            seen.add(key)
            chosen[path.stem] = path
    return chosen


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SelfTestRuns]:
    yield run_selftest(request.config, SUITE, compliant_debt_benches(), faults_breaking(DEBT_FAULT_PREFIXES),
                       tmp_path_factory.mktemp("secmp0002-selftest"),
                       extra=("--ignore-glob", f"*/{S1SR_TESTS}"))


@pytest.mark.slow
def test_suite_passes_on_compliant_benches(runs: SelfTestRuns) -> None:
    assert runs.compliant, "no compliant bench profiles found"
    problems = runs.compliant_problems()
    assert not problems, "the SECMP0002 suite fails on compliant benches:\n" + "\n".join(problems)
    assert runs.passed_on_compliant(), "no test passed on any compliant bench"


@pytest.mark.slow
def test_every_debt_fault_fails_a_test_naming_a_requirement(runs: SelfTestRuns) -> None:
    uncaught = runs.uncaught_faults(REQUIREMENT_PREFIX)
    assert not uncaught, "debt fault variants the SECMP0002 suite does not catch:\n" + "\n".join(uncaught)


@pytest.mark.slow
def test_every_suite_test_fails_on_some_fault(runs: SelfTestRuns) -> None:
    ran = runs.passed_on_compliant()
    assert ran, "the suite passed no test on a compliant bench"
    never = runs.never_failing(ran)
    assert not never, "SECMP0002 tests that fail on no debt fault variant (cannot fail?):\n" + "\n".join(never)


# -- harness.suites.secmp0002 unit tests --------------------------------------------------------------

BEFORE = {"TDR1": 11_000, "TDR2": 22_000, "PDR": 33_000, "meter_balance": 250_000,
          "emergency_credit": 95_000, "accumulated_debt": 187_000}


def test_expected_after_reset_zeroes_only_the_named_register() -> None:
    after = expected_after_reset(BEFORE, "TDR2")
    assert after["TDR2"] == 0
    assert {k: v for k, v in after.items() if k != "TDR2"} == {k: v for k, v in BEFORE.items() if k != "TDR2"}
    with pytest.raises(ValueError, match="TDR4"):
        expected_after_reset(BEFORE, "TDR4")


def test_compare_words_changes_and_restricts_to_names() -> None:
    after = {**BEFORE, "TDR1": 0, "TDR2": 0}
    expected = expected_after_reset(BEFORE, "TDR1")
    assert compare(BEFORE, after, expected) == ["TDR2 changed 22000 -> 0 (expected unchanged)"]
    assert compare(BEFORE, after, expected, names=("TDR1",)) == []
    wrong = {**BEFORE, "TDR1": 5_500}
    assert compare(BEFORE, wrong, expected, names=("TDR1",)) == ["TDR1 is 5500, expected 0"]
    partial = {k: v for k, v in after.items() if k != "PDR"}
    assert "PDR missing from the read-back" in compare(BEFORE, partial, expected)


def test_debt_table_marks_wrong_rows_only() -> None:
    after = {**BEFORE, "TDR1": 0, "meter_balance": 261_000}
    table = debt_table(BEFORE, after, expected_after_reset(BEFORE, "TDR1")).splitlines()
    assert table[0].split() == ["register", "before", "after", "expected"]
    marked = [line.split()[0] for line in table[1:] if line.endswith("<-- wrong")]
    assert marked == ["meter_balance"]
    assert [line.split()[0] for line in table[1:]] == list(BEFORE)
    assert debt_table(BEFORE, None).splitlines()[1].split() == ["TDR1", "11000", "-"]


def _exchange(*, counter: int = 1000, response_counter: int | None = 1000, success: bool = True,
              mac: str = "absent", signature: str = "valid", error: str | None = None) -> Any:
    command = SimpleNamespace(originator_counter=counter, originator=bytes.fromhex("90B3D51F30010000"),
                              recipient=bytes.fromhex("00DB12345678E0A0"))
    response = None if response_counter is None else SimpleNamespace(
        originator_counter=response_counter, success=success, statuses={"item0": 0 if success else 1},
        mac=SimpleNamespace(value=mac), signature=SimpleNamespace(value=signature))
    return SimpleNamespace(use_case="ECS07r", command=command, response=response, error=error)


def test_security_problems_of_a_critical_response() -> None:
    assert security_problems(_exchange(), critical=True) == []
    assert security_problems(_exchange(response_counter=1001), critical=True) == \
        ["response counter 1001 does not echo the command's 1000"]
    assert security_problems(_exchange(signature="invalid"), critical=True)[0] == \
        "response to a critical command: signature invalid"
    none = security_problems(_exchange(response_counter=None, error="timeout: x"), critical=True)
    assert none == ["no response carrying the command's originator counter 1000 (timeout: x)"]


def test_security_problems_of_a_non_critical_response() -> None:
    assert security_problems(_exchange(mac="valid", signature="absent"), critical=False) == []
    assert security_problems(_exchange(mac="invalid", signature="absent"), critical=False)[0] == \
        "response MAC is invalid"
    assert security_problems(_exchange(mac="absent", signature="absent"), critical=False) == \
        ["response to a non-critical command: MAC absent (must be present and valid)"]


def test_rejection_problems() -> None:
    assert rejection_problems(_exchange(response_counter=None, error="rejected: alert")) == []
    assert rejection_problems(_exchange(success=False)) == []
    assert rejection_problems(_exchange())[0].startswith("the device executed it")


def test_failure_text_names_requirement_first_then_table_and_exchange() -> None:
    after = {**BEFORE, "TDR1": 0, "TDR2": 0}
    expected = expected_after_reset(BEFORE, "TDR1")
    text = failure_text("SECMP0002-R2", "ECS07r reset TDR1", compare(BEFORE, after, expected), BEFORE, after,
                        expected, (_exchange(),))
    lines = text.splitlines()
    assert lines[0] == "SECMP0002-R2 ECS07r reset TDR1: TDR2 changed 22000 -> 0 (expected unchanged)"
    assert any(line.split()[:1] == ["TDR2"] and line.endswith("<-- wrong") for line in lines)
    assert lines[-2].startswith("  exchange: ECS07r command counter 1000")
    assert "response: counter 1000, success" in lines[-1]
    assert "none (rejected: x)" in describe_exchange(_exchange(response_counter=None, error="rejected: x"))


def test_change_amounts_are_differences() -> None:
    assert change_amounts(BEFORE, {"TDR1": 1_000, "PDR": 40_000}) == {"tdr1": -10_000, "pdr": 7_000}
