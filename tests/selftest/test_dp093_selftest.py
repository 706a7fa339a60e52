"""Self-test of the DP093 suite (``tests/compliance/dp093``; the harness's own test run, never a
lab run): it passes or skips on one compliant emulated bench per distinct behaviour, every DP093
fault variant fails a test naming a DP093 requirement, every DP093 test fails on some fault."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selftest_util import SelfTestRuns, distinct_compliant_benches, faults_breaking, run_selftest

SUITE = "tests/compliance/dp093"
REQUIREMENT_PREFIX = "DP093-"


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SelfTestRuns]:
    yield run_selftest(request.config, SUITE, distinct_compliant_benches(), faults_breaking([REQUIREMENT_PREFIX]),
                       tmp_path_factory.mktemp("dp093-selftest"))


@pytest.mark.slow
def test_dp093_suite_passes_on_compliant_benches(runs: SelfTestRuns) -> None:
    problems = runs.compliant_problems()
    assert not problems, "the DP093 suite fails on compliant benches:\n" + "\n".join(problems)
    ran = {r.nodeid.split("::")[-1] for r in runs.compliant["emulated-default"].passed()}
    assert len(ran) == 5, f"on the default bench every DP093 test runs and passes: {sorted(ran)}"


@pytest.mark.slow
def test_every_dp093_fault_fails_a_test_naming_a_requirement(runs: SelfTestRuns) -> None:
    uncaught = runs.uncaught_faults(REQUIREMENT_PREFIX)
    assert not uncaught, "DP093 faults the suite does not catch:\n" + "\n".join(uncaught)


@pytest.mark.slow
def test_every_dp093_test_fails_on_some_fault(runs: SelfTestRuns) -> None:
    tests = runs.all_tests()
    never = runs.never_failing(tests)
    assert tests and not never, "DP093 tests that fail on no DP093 fault:\n" + "\n".join(never)


@pytest.mark.slow
def test_records_show_the_alert_and_the_device_logs_decoded(runs: SelfTestRuns) -> None:
    """What the report renders: the Set Clock alert and the CCS07 read in the decoded traffic."""
    records = {r.nodeid.split("::")[-1]: r for r in runs.compliant["emulated-default"].records}
    alerts = [e for e in records["test_set_clock_alert_for_han_clock_outside_tolerance"].exchanges
              if e.use_case == "alert"]
    assert alerts, "the Set Clock alert is not in the test's exchanges"
    payload = (alerts[0].decoded or {})["payload"]
    assert payload["alert_code"] == 0x81C6 and "Set Clock alert" in payload["alert_name"]
    assert "0x81C6" in alerts[0].summary
    reads = [e for e in records["test_device_log_lists_the_han_devices"].exchanges
             if e.use_case == "CCS07" and e.direction == "rx"]
    decoded = (reads[0].decoded or {}) if reads else {}
    assert reads and decoded["use_case_name"] == "Read CHF Device Logs"
    assert decoded["payload"]["device_logs"]["device_log"], decoded["payload"]
