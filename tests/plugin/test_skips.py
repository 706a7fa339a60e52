"""Honest skips: CapabilityMissing in a test or its fixtures is a skip naming the profile key."""

from __future__ import annotations

import json

import pytest

import harness.bench.bench  # noqa: F401 - import before pytester snapshots sys.modules
import harness.emulators  # noqa: F401

SUITE = '''
import pytest
from harness.errors import CapabilityMissing

@pytest.fixture
def needs_switch():
    raise CapabilityMissing("no HAN outage on this bench", profile_key="devices[GSME].stimuli.han_outage")

def test_in_call(bench):
    raise CapabilityMissing("no push on this bench", profile_key="devices[GSME].stimuli.push")

def test_in_fixture(needs_switch):
    pass

def test_real_failure_stays_a_failure(bench):
    assert False, "device defect"
'''


def test_capability_missing_is_a_skip_with_the_profile_key(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest("-rs", "--records", "r.jsonl")
    result.assert_outcomes(skipped=2, failed=1)
    recs = {json.loads(line)["name"]: json.loads(line) for line in (pytester.path / "r.jsonl").read_text().splitlines()}
    assert recs["test_in_call"]["outcome"] == "skipped"
    assert "devices[GSME].stimuli.push" in recs["test_in_call"]["skip_reason"]
    assert recs["test_in_fixture"]["outcome"] == "skipped"
    assert "devices[GSME].stimuli.han_outage" in recs["test_in_fixture"]["skip_reason"]
    assert recs["test_real_failure_stays_a_failure"]["outcome"] == "failed"
