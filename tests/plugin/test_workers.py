"""harness/plugin/workers.py: slim xdist reports lose nothing a reader uses; the controller runs as
SCHED_BATCH and its workers keep the default policy (#16)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _pytest.reports import TestReport

from harness.plugin.workers import slim, to_batch_policy, to_other_policy

SETS = Path(__file__).resolve().parents[2] / "device_profiles" / "sets"
linux_sched = pytest.mark.skipif(not hasattr(os, "sched_setscheduler"), reason="Linux scheduling policies")


def _report(outcome: str, **extra: object) -> TestReport:
    return TestReport("t.py::test_x", ("t.py", 1, "test_x"), {"test_x": 1, "skip": 1, "pytestmark": 1},
                      outcome, None if outcome == "passed" else "boom", "call", **extra)  # type: ignore[arg-type]


def _round_trip(config: pytest.Config, report: TestReport) -> TestReport:
    data = config.hook.pytest_report_to_serializable(config=config, report=report)
    back = config.hook.pytest_report_from_serializable(config=config, data=slim(dict(data)))
    assert isinstance(back, TestReport)
    return back


def test_slim_drops_only_empty_defaults_and_passed_keywords(pytestconfig: pytest.Config) -> None:
    passed = _round_trip(pytestconfig, _report("passed", sections=[], user_properties=[]))
    assert (passed.outcome, passed.when, passed.nodeid, passed.location) == \
        ("passed", "call", "t.py::test_x", ("t.py", 1, "test_x"))
    assert passed.sections == [] and passed.user_properties == [] and passed.keywords == {}
    assert getattr(passed, "extras", []) == []


def test_slim_keeps_what_is_not_empty_and_keywords_of_a_report_that_did_not_pass(
        pytestconfig: pytest.Config) -> None:
    failed = _report("failed", sections=[("Captured stdout call", "out")], user_properties=[("k", "v")])
    failed.extras = [{"name": "x"}]  # type: ignore[attr-defined]
    back = _round_trip(pytestconfig, failed)
    assert back.sections == [("Captured stdout call", "out")]
    assert back.user_properties == [("k", "v")]
    assert back.extras == [{"name": "x"}]  # type: ignore[attr-defined]
    assert set(back.keywords) == {"test_x", "skip", "pytestmark"}
    skipped = _round_trip(pytestconfig, _report("skipped"))
    assert "skip" in skipped.keywords  # the terminal folds skip reasons by these keys


def test_slim_leaves_a_collect_report_alone() -> None:
    data = {"$report_type": "CollectReport", "outcome": "passed", "keywords": {"a": 1}, "sections": []}
    assert slim(dict(data)) == {"$report_type": "CollectReport", "outcome": "passed", "keywords": {"a": 1}}


POLICY_PROBE = f"""
import os, sys
sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
from harness.plugin.workers import to_batch_policy, to_other_policy
os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))  # the premise, whatever ran this test
first = to_batch_policy()
after = os.sched_getscheduler(0)
again = to_batch_policy()
to_other_policy()
print(first, after == os.SCHED_BATCH, again, os.sched_getscheduler(0) == os.SCHED_OTHER)
"""


@linux_sched
def test_batch_policy_only_from_the_default_and_back() -> None:
    out = subprocess.run([sys.executable, "-c", POLICY_PROBE], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "False", "True"]


@linux_sched
def test_a_run_started_under_another_policy_keeps_it() -> None:
    code = ("import os; os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0)); "
            "from harness.plugin.workers import to_batch_policy, to_other_policy; "
            "print(to_batch_policy()); to_other_policy(); print(os.sched_getscheduler(0) == os.SCHED_IDLE)")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.split() == ["False", "True"]


def test_policies_are_harmless_without_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "sched_getscheduler", raising=False)
    assert to_batch_policy() is False
    to_other_policy()  # no error


XDIST_SUITE = '''
import json, os
import pytest

def test_policy(gpf):
    assert gpf.send("GCS13a").require().success
    with open(os.environ["PROBE_OUT"], "a") as f:
        f.write(json.dumps({"worker": os.sched_getscheduler(0)}) + "\\n")

def test_fails(gpf):
    assert False, "seeded"
'''

XDIST_CONFTEST = '''
import json, os

IS_WORKER = []

def pytest_configure(config):
    IS_WORKER.append(hasattr(config, "workerinput"))  # not the environment: it may be a worker's own

def pytest_runtest_logreport(report):
    if IS_WORKER[0]:
        return
    with open(os.environ["PROBE_OUT"], "a") as f:
        f.write(json.dumps({"controller": os.sched_getscheduler(0), "when": report.when,
                            "outcome": report.outcome, "keywords": sorted(report.keywords)}) + "\\n")
'''


@linux_sched
def test_under_xdist_controller_batch_workers_default_reports_whole(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_LOCK_DIR", str(pytester.path / "locks"))
    monkeypatch.setenv("PROBE_OUT", str(pytester.path / "probe.jsonl"))
    pytester.makepyfile(test_par=XDIST_SUITE)
    pytester.makeconftest(XDIST_CONFTEST)
    result = pytester.runpytest_subprocess("-n", "2", "--profile-set", str(SETS / "parallel-pair.yaml"),
                                           "-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*seeded*"])  # a failure's report arrives whole
    lines = [json.loads(x) for x in (pytester.path / "probe.jsonl").read_text().splitlines()]
    assert [x["worker"] for x in lines if "worker" in x] == [os.SCHED_OTHER]
    controller = [x for x in lines if "controller" in x]
    assert {x["controller"] for x in controller} == {os.SCHED_BATCH}
    failed_call = next(x for x in controller if x["when"] == "call" and x["outcome"] == "failed")
    assert "test_fails" in failed_call["keywords"]
    passed_call = next(x for x in controller if x["when"] == "call" and x["outcome"] == "passed")
    assert passed_call["keywords"] == []
