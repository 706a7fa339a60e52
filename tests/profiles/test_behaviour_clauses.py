"""S1SR behaviour declarations: short form or long form citing the clause; the loader checks the
value and that a cited clause is the one that allows the behaviour (one-line ProfileError)."""

from __future__ import annotations

import pytest

from harness.errors import ProfileError
from harness.profiles import load_device
from harness.profiles.schema import BEHAVIOURS

from ._support import Write

HEAD = """
kind: device
role: ESME
eui: 00DB12345678E0A0
name: e
behaviours:
"""


def _load(write: Write, body: str):  # type: ignore[no-untyped-def]
    return load_device(write("e.yaml", HEAD + body))


def test_short_and_long_forms_give_the_same_value(write: Write) -> None:
    short = _load(write, "  debt_amount_unit: whole_pence\n  local_time_instead_of_utc: true\n")
    long = _load(write, '  debt_amount_unit: {value: whole_pence, clause: "S1SR 18.7(j)"}\n'
                        '  local_time_instead_of_utc: {value: true, clause: "S1SR conclusion 3.1"}\n'
                        '  debt_update_modes: {value: [prepayment], clause: "clause 18.7(i)"}\n')
    assert short.behaviours == {"debt_amount_unit": "whole_pence", "local_time_instead_of_utc": True}
    assert long.behaviours == {**short.behaviours, "debt_update_modes": ["prepayment"]}


@pytest.mark.parametrize("body,field,words", [
    ('  debt_amount_unit: {value: whole_pence, clause: "S1SR 18.7(i)"}\n',
     "behaviours.debt_amount_unit.clause", ("18.7(j)",)),
    ('  debt_amount_unit: {value: half_pence}\n', "behaviours.debt_amount_unit.value", ("whole_pence",)),
    ('  secmp0015: {value: true, clause: "S1SR 1.1"}\n', "behaviours.secmp0015.clause", ("no clause",)),
    ('  debt_amount_unit: {value: whole_pence, source: x}\n', "behaviours.debt_amount_unit.source",
     ("unknown field",)),
])
def test_bad_declarations_name_the_field(write: Write, body: str, field: str, words: tuple[str, ...]) -> None:
    with pytest.raises(ProfileError) as exc:
        _load(write, body)
    assert exc.value.field == field and exc.value.line == 6
    assert all(w in str(exc.value) for w in words), str(exc.value)


def test_every_s1sr_behaviour_carries_its_clause() -> None:
    s1sr = ("debt_update_modes", "prepayment_config_update_modes", "local_time_instead_of_utc", "debt_amount_unit",
            "standing_charge_while_debt_suspended", "max_non_disablement_scripts_per_day")
    assert all(BEHAVIOURS[n].clause.startswith("S1SR") for n in s1sr)
