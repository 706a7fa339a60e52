"""SECMP0002-R4 on a bench that cuts the meter's supply during a reset (``power_loss: switch``):
:func:`harness.suites.secmp0002.cut_reset_problems`. The cut may land before the meter completed the
reset (nothing changed) or after (exactly the reset applied); anything else fails."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from harness.suites.secmp0002 import cut_reset_problems, failure_text

BEFORE = {"TDR1": 11_000, "TDR2": 22_000, "PDR": 33_000, "meter_balance": 250_000, "emergency_credit": 95_000,
          "accumulated_debt": 187_000}
SILENT = SimpleNamespace(response=None, error="timeout: no response")
FAILURE = SimpleNamespace(response=SimpleNamespace(success=False), error=None)
SUCCESS = SimpleNamespace(response=SimpleNamespace(success=True), error=None)


@pytest.mark.parametrize("exchange", [SILENT, FAILURE], ids=["silent", "failure"])
def test_a_lost_reset_passes(exchange: object) -> None:
    assert cut_reset_problems(BEFORE, dict(BEFORE), "TDR1", exchange) == ([], BEFORE)


@pytest.mark.parametrize("exchange", [SILENT, SUCCESS], ids=["silent", "success"])
def test_a_reset_done_before_the_cut_passes(exchange: object) -> None:
    applied = {**BEFORE, "TDR2": 0}
    assert cut_reset_problems(BEFORE, applied, "TDR2", exchange) == ([], applied)


def test_a_half_applied_reset_fails() -> None:
    after = {**BEFORE, "PDR": BEFORE["PDR"] // 2}
    problems, expected = cut_reset_problems(BEFORE, after, "PDR", SILENT)
    assert problems == ["neither unchanged (the reset lost) nor exactly the reset applied (PDR 0, the rest "
                        "unchanged): PDR changed 33000 -> 16500 (expected unchanged)"]
    assert expected == BEFORE
    text = failure_text("SECMP0002-R4", "ECS07r reset PDR interrupted by a supply cut", problems, BEFORE, after,
                        expected)
    assert text.splitlines()[0].startswith("SECMP0002-R4 ECS07r reset PDR interrupted by a supply cut: neither")
    assert any(line.split()[:1] == ["PDR"] and line.endswith("<-- wrong") for line in text.splitlines())


def test_another_register_or_a_balance_changed_fails() -> None:
    problems, expected = cut_reset_problems(BEFORE, {**BEFORE, "TDR1": 0, "TDR2": 0}, "TDR1", SILENT)
    assert problems and "TDR2 changed 22000 -> 0" in problems[0] and expected == {**BEFORE, "TDR1": 0}
    problems, _ = cut_reset_problems(BEFORE, {**BEFORE, "TDR1": 0, "meter_balance": 261_000}, "TDR1", SILENT)
    assert problems and "meter_balance changed 250000 -> 261000" in problems[0]


def test_a_success_response_needs_the_reset() -> None:
    problems, expected = cut_reset_problems(BEFORE, dict(BEFORE), "TDR1", SUCCESS)
    assert problems == ["a success response, but the reset is not exactly applied (TDR1 0, the rest unchanged): "
                        "TDR1 is 11000, expected 0"]
    assert expected == {**BEFORE, "TDR1": 0}


def test_a_failure_response_means_nothing_changed() -> None:
    problems, expected = cut_reset_problems(BEFORE, {**BEFORE, "TDR1": 0}, "TDR1", FAILURE)
    assert problems == ["a failure response, but the registers changed: TDR1 changed 11000 -> 0 (expected unchanged)"]
    assert expected == BEFORE
