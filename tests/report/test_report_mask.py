"""Defect mask: limits, precedence, what counts and what does not."""

from __future__ import annotations

import pytest
from report_factory import typed as record

from harness.errors import ProfileError, RecordError
from harness.records import TestRecord
from harness.report.mask import DefectMask, evaluate, severity_of


def test_default_mask_is_all_zero_and_any_failure_breaks_it() -> None:
    mask = DefectMask()
    assert mask.limits == {"S1": 0, "S2": 0, "S3": 0, "S4": 0}
    assert evaluate(mask, [record("t::ok", "passed")])["met"] is True
    verdict = evaluate(mask, [record("t::ok", "passed"), record("t::bad", "failed", severity="S4")])
    assert verdict["met"] is False and verdict["exceeded"] == ["S4"]
    assert verdict["counts"] == {"S1": 0, "S2": 0, "S3": 0, "S4": 1}


def test_waived_and_skipped_do_not_count_errors_do() -> None:
    records = [record("t::w", "waived", severity="S1"), record("t::s", "skipped", severity="S1"),
               record("t::e", "error", severity="S2"), record("t::f", "failed")]
    verdict = evaluate(DefectMask.parse("S2=1,S3=1"), records)
    assert verdict["met"] is True
    assert verdict["counts"] == {"S1": 0, "S2": 1, "S3": 1, "S4": 0}
    assert {f["nodeid"] for f in verdict["open_failures"]} == {"t::e", "t::f"}
    assert verdict["outcomes"] == {"waived": 1, "skipped": 1, "error": 1, "failed": 1}


def test_limits_are_per_severity() -> None:
    records = [record(f"t::f{i}", "failed", severity="S3") for i in range(3)]
    assert evaluate(DefectMask.parse("S3=2"), records)["exceeded"] == ["S3"]
    assert evaluate(DefectMask.parse("S3=3"), records)["met"] is True
    assert evaluate(DefectMask.parse("S4=10"), records)["met"] is False


def test_final_outcome_per_bench_and_test_counts_once() -> None:
    rerun = [record("t::x", "failed"), record("t::x", "passed")]
    assert evaluate(DefectMask(), rerun)["met"] is True
    two_benches = [record("t::x", "failed", bench="a"), record("t::x", "failed", bench="b")]
    assert evaluate(DefectMask.parse("S3=1"), two_benches)["counts"]["S3"] == 2


def test_precedence_profile_set_then_option() -> None:
    from_set = DefectMask.from_mapping({"S3": 5, "S4": 9}, source="sets/pit-matrix.yaml")
    final = DefectMask.parse("S3=1", base=from_set)
    assert final.limits == {"S1": 0, "S2": 0, "S3": 1, "S4": 9}
    assert final.describe() == "S1=0,S2=0,S3=1,S4=9"


def test_severity_defaults_and_an_unknown_one_is_refused() -> None:
    assert severity_of(TestRecord.from_dict({"nodeid": "t::x"})) == "S3"
    assert severity_of(TestRecord.from_dict({"nodeid": "t::x", "severity": "s2"})) == "S2"
    with pytest.raises(RecordError) as info:  # never hidden behind a typo: the record is refused
        TestRecord.from_dict({"nodeid": "t::x", "severity": "S9"})
    assert info.value.field == "severity" and "S9" in str(info.value)


@pytest.mark.parametrize("text, field", [("S5=1", "S5"), ("S1=-1", "S1"), ("S2=x", "S2"), ("S1", "S1")])
def test_bad_mask_text_names_the_field(text: str, field: str) -> None:
    with pytest.raises(ProfileError) as info:
        DefectMask.parse(text)
    assert info.value.file == "--mask" and info.value.field == field
