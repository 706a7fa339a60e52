"""The plugin's --cycle-store takes a PostgreSQL URL as well as an SQLite file."""

from __future__ import annotations

import pytest

from harness.report.store import CycleStore

SUITE = '''
import pytest

@pytest.mark.requirement("SECMP0015-FR4")
def test_passes():
    pass

def test_fails():
    assert 1 == 2
'''


def test_plugin_writes_records_into_postgresql(pytester: pytest.Pytester, pg_url: str) -> None:
    pytester.makepyfile(test_lab=SUITE)
    result = pytester.runpytest_subprocess("--cycle-store", pg_url, "--cycle-id", "P1", "-p", "no:labgrid")
    result.assert_outcomes(passed=1, failed=1)
    with CycleStore(pg_url) as store:
        assert {r.nodeid.split("::")[-1]: r.outcome for r in store.records("P1")} == {
            "test_passes": "passed", "test_fails": "failed"}
        assert store.requirements() == ["SECMP0015-FR4"]
