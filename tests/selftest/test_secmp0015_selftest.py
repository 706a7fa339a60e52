"""Self-test of the SECMP0015 suite (the harness's own test run, never a lab run).

Runs ``tests/compliance/secmp0015`` in a fresh pytest process on every compliant emulated bench
(the PIT matrix and the declared-behaviour variants: all tests pass or skip) and on every faulty
bench of a SECMP0015 fault variant, reading the JSON Lines result records, then asserts:

* every SECMP0015 fault variant fails at least one test whose failure message names a SECMP0015
  requirement id;
* every test of the suite fails on at least one fault variant (a test that cannot fail is a defect).

Skipped when pytest runs against a bench other than the emulated default (``--bench X`` or a
profile set), so a lab engineer's ``pytest tests/compliance --bench X`` does not run it. Also holds
the unit tests of :mod:`harness.suites.secmp0015` (pure functions, no bench).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selftest_util import PROFILES, S1SR_TESTS, SelfTestRuns, faults_breaking, run_selftest

from harness.gbcs.datetime import ClockSource, ClockStatus, DateTime, Reliability
from harness.gbcs.frame import Cra, GbcsMessage, OtherInformation
from harness.gbcs.zcl import raw_utc_time, utc_time_value
from harness.suites.secmp0015 import (
    assert_date_time_equals,
    assert_time_status,
    describe_status,
    hygiene_problems,
    snapshot_age,
)

SUITE = "tests/compliance/secmp0015"
REQUIREMENT_PREFIX = "SECMP0015-"


# -- running the suite -----------------------------------------------------------------------

def compliant_benches() -> dict[str, Path]:
    """The default bench, the PIT matrix and the declared-behaviour variants, by name."""
    benches = PROFILES / "benches"
    found = sorted(benches.glob("pit-*.yaml")) + sorted(benches.glob("variant-*.yaml"))
    default = benches / "emulated-default.yaml"
    return {p.stem: p for p in ([default] if default.exists() else []) + found}


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SelfTestRuns]:
    yield run_selftest(request.config, SUITE, compliant_benches(), faults_breaking([REQUIREMENT_PREFIX]),
                       tmp_path_factory.mktemp("secmp0015-selftest"),
                       extra=("--ignore-glob", f"*/{S1SR_TESTS}"))


@pytest.mark.slow
def test_suite_passes_on_every_compliant_bench(runs: SelfTestRuns) -> None:
    assert runs.compliant, "no compliant bench profiles found"
    problems = runs.compliant_problems()
    assert not problems, "the SECMP0015 suite fails on compliant benches:\n" + "\n".join(problems)
    assert runs.passed_on_compliant(), "no test passed on any compliant bench (everything skipped?)"


@pytest.mark.slow
def test_every_fault_fails_a_test_naming_a_requirement(runs: SelfTestRuns) -> None:
    uncaught = runs.uncaught_faults(REQUIREMENT_PREFIX)
    assert not uncaught, "SECMP0015 fault variants the suite does not catch:\n" + "\n".join(uncaught)


@pytest.mark.slow
def test_every_suite_test_fails_on_some_fault(runs: SelfTestRuns) -> None:
    all_tests = runs.all_tests()
    assert all_tests, "the suite produced no records"
    never = runs.never_failing(all_tests)
    assert not never, "suite tests that fail on no SECMP0015 fault variant (cannot fail?):\n" + "\n".join(never)


# -- harness.suites.secmp0015 unit tests -----------------------------------------------------------------

GPF = bytes.fromhex("00DB12345678E0A3")
ESME = bytes.fromhex("00DB12345678E0A0")
SUPPLIER = bytes.fromhex("90B3D51F30010000")
WHEN = _dt.datetime(2026, 1, 1, 10, 30, 5, tzinfo=_dt.timezone.utc)


@dataclass
class FakeResponse:
    message: GbcsMessage
    use_case: str
    raw: bytes = b""
    success: bool = True

    @property
    def date_time(self) -> DateTime | None:
        return self.message.date_time


def make_response(use_case: str, status: int | None, *, code: int, originator: bytes = GPF,
                  when: _dt.datetime = WHEN) -> FakeResponse:
    dt = DateTime.from_datetime(when, ClockStatus(status)) if status is not None else None
    msg = GbcsMessage(Cra.RESPONSE, 1000, originator, SUPPLIER, OtherInformation(code), b"\x01\x09\x01", dt)
    return FakeResponse(msg, use_case, msg.to_bytes())


@pytest.mark.parametrize("raw, words", [
    (0x04, "0x04 from GSME reliable"),
    (0x00, "0x00 from GPF reliable"),
    (0x02, "0x02 from GPF unreliable"),
    (0x01, "0x01 from GPF invalid"),
    (0x06, "0x06 from GSME unreliable"),
    (0xFF, "0xFF not specified"),
    (None, "no date-time"),
])
def test_describe_status(raw: int | None, words: str) -> None:
    assert describe_status(raw) == words


def test_describe_status_names_contradictions() -> None:
    text = describe_status(0x13)
    assert "bits 0 and 1 both set" in text and "reserved bits 0x10" in text


def test_assert_time_status_message_spells_out_both_bytes() -> None:
    r = make_response("GCS13a", 0x00, code=0x0074)
    with pytest.raises(AssertionError) as exc:
        assert_time_status(r, ClockSource.GSME, Reliability.RELIABLE, "SECMP0015-FR4", use_case="GCS13a")
    assert str(exc.value).startswith("SECMP0015-FR4 GCS13a: expected 0x04 from GSME reliable, got 0x00 from GPF "
                                     "reliable")
    assert_time_status(make_response("GCS13a", 0x04, code=0x0074), "GSME", "reliable", "SECMP0015-FR4")


def test_assert_date_time_equals_tolerance() -> None:
    r = make_response("GCS14", 0x04, code=0x0075)
    assert assert_date_time_equals(r, WHEN + _dt.timedelta(seconds=3), "X", tolerance=_dt.timedelta(seconds=5)) \
        == _dt.timedelta(seconds=-3)
    with pytest.raises(AssertionError, match=r"SECMP0015-FR2 GCS14: expected date-time .* difference \+60 s"):
        assert_date_time_equals(r, WHEN - _dt.timedelta(seconds=60), "SECMP0015-FR2", use_case="GCS14")


@pytest.mark.parametrize("use_case, status, code, originator, rule", [
    ("GCS13a", 0x14, 0x0074, GPF, "reserved-bits"),
    ("GCS13a", 0x03, 0x0074, GPF, "invalid-and-unreliable"),
    ("GCS13a", 0x08, 0x0074, GPF, "invalid-marked-reliable"),
    ("GCS13a", 0xFF, 0x0074, GPF, "not-specified"),
    ("ECS17b", 0x04, 0x0027, ESME, "bit2-out-of-scope"),
    ("GCS60a", None, 0x012A, GPF, "date-time-missing"),
    ("GCS60", 0x00, 0x008D, GPF, "date-time-unexpected"),
    ("GCS13b", 0x04, 0x0074, GPF, "message-code"),
])
def test_hygiene_flags(use_case: str, status: int | None, code: int, originator: bytes, rule: str) -> None:
    problems = hygiene_problems(make_response(use_case, status, code=code, originator=originator), gpf_eui=GPF)
    assert rule in {p.rule for p in problems}, problems


@pytest.mark.parametrize("use_case, status, code, originator", [
    ("GCS13a", 0x04, 0x0074, GPF), ("GCS14", 0x02, 0x0075, GPF), ("GCS60a", 0x01, 0x012A, GPF),
    ("ECS17b", 0xFF, 0x0027, ESME), ("GCS60", None, 0x008D, GPF), ("GCS13c", 0x80, 0x00B6, GPF),
])
def test_hygiene_accepts_compliant(use_case: str, status: int | None, code: int, originator: bytes) -> None:
    assert hygiene_problems(make_response(use_case, status, code=code, originator=originator), gpf_eui=GPF) == []


GSME = bytes.fromhex("00DB12345678E0A1")


def test_hygiene_requires_a_status_whatever_eui_answers() -> None:
    """W6: 0xFF is never allowed on a response to the five use cases, also when the GPF answers
    a read addressed to the GSME EUI (originator = GSME EUI, as in the RTDS); bit 2 is legal on
    those, not on another device's response."""
    flagged = hygiene_problems(make_response("GCS13a", 0xFF, code=0x0074, originator=GSME), gpf_eui=GPF)
    assert "not-specified" in {p.rule for p in flagged}
    assert hygiene_problems(make_response("GCS14", 0x04, code=0x0075, originator=GSME), gpf_eui=GPF,
                            gsme_eui=GSME) == []
    assert "bit2-out-of-scope" in {p.rule for p in hygiene_problems(
        make_response("GCS14", 0x04, code=0x0075, originator=ESME), gpf_eui=GPF, gsme_eui=GSME)}


def test_hygiene_flags_a_frame_that_does_not_parse() -> None:
    r = make_response("GCS13a", 0x04, code=0x0074)
    r.raw = r.raw[:-3]
    assert [p.rule for p in hygiene_problems(r, gpf_eui=GPF)] == ["structure"]


def test_utc_time_conversions() -> None:
    assert utc_time_value(0xFFFFFFFF) is None
    assert utc_time_value(0x1C374A80) == _dt.datetime(2015, 1, 1, tzinfo=_dt.timezone.utc)
    assert utc_time_value(bytes.fromhex("804A371C")) == _dt.datetime(2015, 1, 1, tzinfo=_dt.timezone.utc)
    assert raw_utc_time(_dt.datetime(2015, 1, 1, tzinfo=_dt.timezone.utc)) == 0x1C374A80
    assert raw_utc_time(0) == 0


def test_snapshot_age() -> None:
    r = make_response("GCS14", 0x04, code=0x0075)
    assert snapshot_age(r, WHEN + _dt.timedelta(minutes=45)) == _dt.timedelta(minutes=45)
    assert snapshot_age(make_response("GCS60", None, code=0x008D), WHEN) is None
