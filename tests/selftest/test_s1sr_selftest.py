"""Self-test of the S1SR device-behaviour tests (``tests/compliance/*/test_s1sr_*.py``; the
harness's own test run, never a lab run).

Runs them in fresh pytest processes on every compliant emulated bench (default, PIT matrix,
declared-behaviour variants) and on the faulty bench of every S1SR fault variant, then asserts:

* they pass or skip on every compliant bench, and the declared behaviours are accepted where
  declared: on ``variant-local-time`` and ``variant-prepayment-only-debt`` the tests ran and passed
  (a);
* every S1SR fault fails a test naming an S1SR requirement, and the test it should: a behaviour
  shown without its declaration (b), a declaration the device does not keep (c);
* every S1SR test fails on at least one fault variant.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selftest_util import (
    ROOT,
    S1SR_TESTS,
    SelfTestRuns,
    distinct_compliant_benches,
    failure_message,
    faults_breaking,
    run_selftest,
)

REQUIREMENT_PREFIX = "S1SR-"
SUITE = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "compliance").glob(f"*/{S1SR_TESTS}"))

LOCAL_TIME_TESTS = ("test_esme_time_across_clock_change", "test_gsme_time_across_clock_change")
#: fault -> (what it is: b = shown undeclared, c = declared and not kept; tests it must fail)
EXPECTED: dict[str, tuple[str, tuple[str, ...]]] = {
    "meter_local_time_undeclared": ("b", LOCAL_TIME_TESTS),
    "meter_utc_despite_local_time": ("c", LOCAL_TIME_TESTS),
    "debt_amount_whole_pence_undeclared": ("b", ("test_debt_amounts_convert_exactly", "test_sub_penny_amount")),
    "debt_amount_millipence_despite_whole_pence": ("c", ("test_sub_penny_amount",)),
    "debt_update_refused_in_credit": ("b", ("test_change_debt_in_payment_mode[credit-ESME]",
                                            "test_change_debt_in_payment_mode[credit-GSME]")),
    "debt_update_accepted_in_credit": ("c", ("test_change_debt_in_payment_mode[credit-ESME]",
                                             "test_change_debt_in_payment_mode[credit-GSME]")),
}
#: declaring bench -> tests that must have run and passed there (a)
ACCEPTED: dict[str, tuple[str, ...]] = {
    "variant-local-time": (*(f"{t}[{c}]" for t in LOCAL_TIME_TESTS for c in ("spring", "autumn")),
                           "test_debt_amounts_convert_exactly[ESME]", "test_debt_amounts_convert_exactly[GSME]",
                           "test_sub_penny_amount[ESME]", "test_sub_penny_amount[GSME]"),
    "variant-prepayment-only-debt": ("test_change_debt_in_payment_mode[credit-ESME]",
                                     "test_change_debt_in_payment_mode[credit-GSME]",
                                     "test_change_debt_in_payment_mode[prepayment-ESME]",
                                     "test_change_debt_in_payment_mode[prepayment-GSME]"),
}


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SelfTestRuns]:
    yield run_selftest(request.config, SUITE, distinct_compliant_benches(), faults_breaking([REQUIREMENT_PREFIX]),
                       tmp_path_factory.mktemp("s1sr-selftest"))


def _name(nodeid: str) -> str:
    return nodeid.split("::")[-1]


def test_the_s1sr_tests_and_faults_are_all_listed() -> None:
    assert len(SUITE) >= 3, SUITE
    assert set(faults_breaking([REQUIREMENT_PREFIX])) == set(EXPECTED)
    chosen = distinct_compliant_benches()
    assert set(ACCEPTED) <= set(chosen) and "emulated-default" in chosen
    assert any(name.startswith("pit-") and "gsmeold" in name for name in chosen), chosen


@pytest.mark.slow
def test_s1sr_tests_pass_on_every_compliant_bench(runs: SelfTestRuns) -> None:
    problems = runs.compliant_problems()
    assert not problems, "S1SR tests fail on compliant benches:\n" + "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(ACCEPTED))
def test_declared_behaviour_is_accepted(runs: SelfTestRuns, variant: str) -> None:
    bench = variant
    run = runs.compliant[bench]
    passed = {_name(r.nodeid) for r in run.passed()}
    missing = [t for t in ACCEPTED[bench] if t not in passed]
    outcomes = {_name(r.nodeid): r.outcome for r in run.records}
    assert not missing, f"on {bench} these did not pass: {[(t, outcomes.get(t, 'no record')) for t in missing]}"


@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_fault_fails_the_test_it_should(runs: SelfTestRuns, fault: str) -> None:
    kind, tests = EXPECTED[fault]
    failed = [r for r in runs.faulty[fault].failed()]
    names = {_name(r.nodeid) for r in failed}
    bare = {n.split("[")[0] for n in names}
    for test in tests:
        assert test in names or test in bare, (f"fault {fault} ({'undeclared behaviour' if kind == 'b' else 'declaration not kept'}) "
                                               f"did not fail {test}; failed: {sorted(names)}")
    assert all(REQUIREMENT_PREFIX in failure_message(r) for r in failed), \
        [failure_message(r)[:200] for r in failed]


@pytest.mark.slow
def test_every_s1sr_fault_fails_a_test_naming_a_requirement(runs: SelfTestRuns) -> None:
    uncaught = runs.uncaught_faults(REQUIREMENT_PREFIX)
    assert not uncaught, "S1SR faults no test catches:\n" + "\n".join(uncaught)


@pytest.mark.slow
def test_every_s1sr_test_fails_on_some_fault(runs: SelfTestRuns) -> None:
    tests = runs.all_tests()
    assert tests
    never = runs.never_failing(tests)
    assert not never, "S1SR tests that fail on no S1SR fault (cannot fail?):\n" + "\n".join(never)
