"""The plugin end to end through pytester: one unchanged suite on any bench, marker skips,
waivers, measurements and the result records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# Import the whole client stack before pytester snapshots sys.modules: modules first imported
# inside an in-process run are dropped afterwards, and re-importing cryptography's Python layer
# over its compiled core breaks exception identity.
import harness.bench.bench  # noqa: F401
import harness.emulators  # noqa: F401
import harness.gbcs.decode  # noqa: F401
import harness.gbcs.usecases  # noqa: F401
import harness.report.store  # noqa: F401
from harness.profiles import default_bench_path

BENCHES = Path(default_bench_path()).parent
DEVICES = BENCHES.parent / "devices"

SUITE = '''
import pytest

@pytest.mark.requirement("SECMP0015-FR4")
@pytest.mark.severity("S2")
def test_gcs13a_time_from_gsme(gpf, gsme, measure):
    gsme.push()
    r = gpf.send("GCS13a").require()
    measure("IsFromGSME", r.clock_status.IsFromGSME, expected=True)

@pytest.mark.requirement("SECMP0002-RESET")
@pytest.mark.parametrize("register", ["TDR1", "PDR"])
def test_reset_debt_register(esme, register):
    assert esme.send("ECS07r", register=register).require().success
    assert esme.send("ECS19").require().debt[register] == 0

@pytest.mark.device("PPMID")
def test_needs_ppmid(bench):
    pass

@pytest.mark.device("GPF")
@pytest.mark.capability("teleport")
def test_needs_capability(gpf):
    pass

@pytest.mark.gbcs(">=9.0")
def test_needs_gbcs9():
    pass

def test_measure_out_of_limits(measure):
    measure("wake_interval", 2000, units="s", low=0, high=1800)

@pytest.mark.requirement("REQ-WAIVED")
def test_known_deviation():
    assert 1 == 2, "device deviates"
'''


def records(path: Path) -> dict[str, dict]:
    out = {}
    for line in path.read_text().splitlines():
        d = json.loads(line)
        out[d["name"]] = d
    return out


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_suite=SUITE)
    return pytester


def test_suite_runs_on_the_default_bench_and_writes_records(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--records", "r.jsonl", "-rs")
    result.assert_outcomes(passed=3, failed=2, skipped=3)
    result.stdout.fnmatch_lines(["*bench 'emulated-default' has no PPMID*",
                                 "*no GPF with capability 'teleport'*",
                                 "*test needs >=9.0*"])
    recs = records(suite.path / "r.jsonl")
    assert len(recs) == 8
    ok = recs["test_gcs13a_time_from_gsme"]
    assert ok["outcome"] == "passed" and ok["severity"] == "S2"
    assert ok["requirements"] == ["SECMP0015-FR4"]
    assert ok["bench"]["name"] == "emulated-default"
    assert {d["role"] for d in ok["devices"]} == {"CHF", "GPF", "GSME", "ESME", "IHD"}
    assert ok["measurements"] == [{"name": "IsFromGSME", "value": True, "units": None, "low": None,
                                   "high": None, "expected": True, "verdict": "pass"}]
    assert [e["direction"] for e in ok["exchanges"]] == ["tx", "rx"]
    assert "(from GSME, reliable)" in ok["exchanges"][1]["summary"]
    bad = recs["test_measure_out_of_limits"]
    assert bad["outcome"] == "failed" and bad["measurements"][0]["verdict"] == "fail"
    assert "wake_interval = 2000 s out of limits" in bad["failure"]["message"] + bad["failure"]["text"]
    skipped = recs["test_needs_ppmid"]
    assert skipped["outcome"] == "skipped" and "no PPMID" in skipped["skip_reason"]
    assert recs["test_known_deviation"]["outcome"] == "failed"
    assert recs["test_reset_debt_register[PDR]"]["outcome"] == "passed"


def test_same_suite_runs_unchanged_on_another_bench(suite: pytest.Pytester) -> None:
    other = BENCHES / "pit-sbch-chnew-gsmeold.yaml"
    result = suite.runpytest("--bench", str(other), "--records", "r.jsonl")
    # the old GSME gives the GPF no snapshot time: the SECMP0015 test fails there
    result.assert_outcomes(passed=2, failed=3, skipped=3)
    recs = records(suite.path / "r.jsonl")
    assert {r["bench"]["name"] for r in recs.values()} == {"pit-sbch-chnew-gsmeold"}
    assert recs["test_gcs13a_time_from_gsme"]["outcome"] == "failed"


def test_bench_from_environment(suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_BENCH", str(BENCHES / "pit-sbch-chnew-gsmeold.yaml"))
    suite.runpytest("--records", "r.jsonl", "-k", "reset")
    assert {r["bench"]["name"] for r in records(suite.path / "r.jsonl").values()} == {"pit-sbch-chnew-gsmeold"}


def _waiver_bench(path: Path) -> Path:
    gsme = (DEVICES / "gsme-new.yaml").read_text()
    gsme += "waivers:\n  - requirement: REQ-WAIVED\n    reason: vendor deviation D-17 accepted\n"
    (path / "gsme-waived.yaml").write_text(gsme)
    bench = path / "waived-bench.yaml"
    devices = [DEVICES / "chf-sbch-new.yaml", DEVICES / "gpf-sbch-new.yaml", path / "gsme-waived.yaml",
               DEVICES / "esme.yaml"]
    bench.write_text("kind: bench\nname: waived-bench\nconnection:\n  type: emulated\ndevices:\n"
                     + "".join(f"  - profile: {d}\n" for d in devices))
    return bench


def test_waiver_turns_a_failure_into_waived(suite: pytest.Pytester) -> None:
    bench = _waiver_bench(suite.path)
    result = suite.runpytest("--bench", str(bench), "--records", "r.jsonl", "-rx")
    result.assert_outcomes(passed=3, failed=1, skipped=3, xfailed=1)
    result.stdout.fnmatch_lines(["*waived: vendor deviation D-17 accepted*"])
    rec = records(suite.path / "r.jsonl")["test_known_deviation"]
    assert rec["outcome"] == "waived"
    assert rec["waiver"]["reason"] == "vendor deviation D-17 accepted"
    assert rec["waiver"]["requirement"] == "REQ-WAIVED"
    assert "device deviates" in rec["failure"]["message"]


def test_waiver_does_not_hide_a_pass_or_another_requirement(suite: pytest.Pytester) -> None:
    bench = _waiver_bench(suite.path)
    suite.runpytest("--bench", str(bench), "--records", "r.jsonl")
    recs = records(suite.path / "r.jsonl")
    assert recs["test_measure_out_of_limits"]["outcome"] == "failed"
    assert recs["test_measure_out_of_limits"]["waiver"] is None
    assert recs["test_gcs13a_time_from_gsme"]["outcome"] == "passed"


def test_broken_bench_profile_is_a_one_line_error(suite: pytest.Pytester) -> None:
    broken = suite.path / "broken.yaml"
    broken.write_text("kind: bench\nname: broken\nconnection:\n  type: carrier-pigeon\ndevices: []\n")
    result = suite.runpytest("--bench", str(broken))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 1
    assert "broken.yaml:4" in errors[0] and "harness:" in errors[0]


def test_missing_bench_file_is_a_one_line_error(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--bench", str(suite.path / "nope.yaml"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert any("nope.yaml" in line for line in result.stderr.lines if line.startswith("ERROR:"))


def test_a_misspelt_severity_stops_the_run_at_collection(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sev=("import pytest\n\n@pytest.mark.severity('S2')\ndef test_ok():\n    pass\n\n"
                                  "@pytest.mark.severity('S9')\ndef test_typo():\n    pass\n"))
    result = pytester.runpytest("--records", "r.jsonl")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 1 and "test_typo" in errors[0] and "'S9'" in errors[0]
    pytester.makepyfile(test_sev="import pytest\n\n@pytest.mark.severity('s2')\ndef test_ok():\n    pass\n")
    assert pytester.runpytest("--records", "r.jsonl").ret == pytest.ExitCode.OK


def test_tests_without_harness_fixtures_never_start_a_bench(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    # an emulated-process bench would spawn a process: a plain test must not need it
    result = pytester.runpytest("--bench", str(BENCHES / "emulated-process.yaml"), "--records", "r.jsonl")
    result.assert_outcomes(passed=1)
    rec = records(pytester.path / "r.jsonl")["test_plain"]
    assert rec["outcome"] == "passed" and rec["exchanges"] == []


def test_records_go_to_the_cycle_store(suite: pytest.Pytester) -> None:
    from harness.report.store import CycleStore

    db = suite.path / "cycles.sqlite"
    suite.runpytest("--cycle-store", str(db), "--cycle-id", "C-42")
    store = CycleStore(db)
    try:
        recs = store.records("C-42")
        assert len(recs) == 8
        assert {r.outcome for r in recs} == {"passed", "failed", "skipped"}
        assert all(r.cycle_id == "C-42" for r in recs)
        cycle = next(c for c in store.cycles() if c["id"] == "C-42")
        assert cycle["meta"]["bench_names"] == ["emulated-default"]
    finally:
        store.close()


def test_exchanges_are_attached_to_the_html_report(suite: pytest.Pytester) -> None:
    """A failed test's exchanges go into pytest-html; a passed test's do not (size: issue 12)."""
    suite.runpytest("--html", "passed/report.html", "-k", "gcs13a")
    assert "GBCS exchanges" not in (suite.path / "passed" / "report.html").read_text()
    # the old GSME gives the GPF no snapshot time: GCS13a fails there
    suite.runpytest("--html", "out/report.html", "-k", "gcs13a", "--bench", str(BENCHES / "pit-sbch-chnew-gsmeold.yaml"))
    html = (suite.path / "out" / "report.html").read_text()
    assert "GBCS exchanges" in html
    assets = "".join(p.read_text(errors="replace") for p in (suite.path / "out").rglob("*") if p.is_file()
                     and p.suffix in (".txt", ".json"))
    assert "GCS13a rx" in assets and "GCS13a tx to GPF" in assets
