"""Self-test of the SECMP0015 suite (the harness's own test run, never a lab run).

Runs ``tests/compliance/secmp0015`` in a fresh pytest process on every compliant emulated bench
(the PIT matrix and the declared-behaviour variants: all tests pass or skip) and on every faulty
bench of a SECMP0015 fault variant, reading the JSON Lines result records, then asserts:

* every SECMP0015 fault variant fails at least one test whose failure message names a SECMP0015
  requirement id;
* every test of the suite fails on at least one fault variant (a test that cannot fail is a defect).

Skipped when pytest runs against a bench other than the emulated default (``--bench X`` or a
profile set), so a lab engineer's ``pytest tests/compliance --bench X`` does not run it. Also holds
the unit tests of :mod:`harness.checks` (pure functions, no bench).
"""

from __future__ import annotations

import datetime as _dt
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.checks import (
    assert_date_time_equals,
    assert_time_status,
    describe_status,
    hygiene_problems,
    raw_utc_time,
    snapshot_age,
    utc_time_value,
)
from harness.gbcs.datetime import ClockSource, ClockStatus, DateTime, Reliability
from harness.gbcs.frame import Cra, GbcsMessage, OtherInformation
from harness.records import TestRecord, read_records

ROOT = Path(__file__).resolve().parents[2]
SUITE = "tests/compliance/secmp0015"
PROFILES = ROOT / "device_profiles"
REQUIREMENT_PREFIX = "SECMP0015-"


# -- running the suite -----------------------------------------------------------------------

def _on_default_bench(config: pytest.Config) -> bool:
    """True unless this run targets another bench or a profile set."""
    from harness.plugin.options import option

    if option(config, "profile_set"):
        return False
    chosen = option(config, "bench")
    return chosen is None or Path(chosen).stem == "emulated-default"


def compliant_benches() -> list[Path]:
    """The PIT matrix, the declared-behaviour variants and the default bench."""
    benches = PROFILES / "benches"
    found = sorted(benches.glob("pit-*.yaml")) + sorted(benches.glob("variant-*.yaml"))
    default = benches / "emulated-default.yaml"
    return ([default] if default.exists() else []) + found


def secmp0015_faults() -> list[str]:
    """The fault variants that a SECMP0015 suite must catch."""
    from harness.emulators.faults import FAULTS

    return sorted(name for name, f in FAULTS.items() if any(b.startswith(REQUIREMENT_PREFIX) for b in f.breaks))


@dataclass
class SuiteRun:
    bench: str
    returncode: int
    records: list[TestRecord] = field(default_factory=list)
    output: str = ""

    def failed(self) -> list[TestRecord]:
        return [r for r in self.records if r.outcome in ("failed", "error")]


def run_suite(bench: Path, out_dir: Path) -> SuiteRun:
    records = out_dir / f"{bench.stem}.jsonl"
    cmd = [sys.executable, "-m", "pytest", SUITE, "-p", "no:cacheprovider", "-q", "-p", "no:randomly",
           "--bench", str(bench), "--records", str(records), "-W", "ignore::UserWarning"]
    if _have_xdist():
        cmd += ["-p", "no:xdist"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARNESS_") and k != "PYTEST_ADDOPTS"}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    got = read_records(str(records)) if records.exists() else []
    return SuiteRun(bench.stem, proc.returncode, got, proc.stdout[-4000:] + proc.stderr[-2000:])


def _have_xdist() -> bool:
    try:
        import xdist  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class SelfTestRuns:
    compliant: dict[str, SuiteRun]
    faulty: dict[str, SuiteRun]


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SelfTestRuns]:
    if not _on_default_bench(request.config):
        pytest.skip("suite self-test runs only in the harness's own test run (emulated default bench)")
    faults = secmp0015_faults()
    faulty_paths = {name: PROFILES / "faulty" / f"{name}.yaml" for name in faults}
    missing = [str(p) for p in faulty_paths.values() if not p.exists()]
    assert not missing, f"faulty bench profiles missing: {missing}"
    out = tmp_path_factory.mktemp("selftest")
    jobs = [("compliant", p.stem, p) for p in compliant_benches()] + \
           [("faulty", name, p) for name, p in faulty_paths.items()]
    workers = max(2, min(len(jobs), (os.cpu_count() or 2) * 2))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda job: run_suite(job[2], out), jobs))
    compliant: dict[str, SuiteRun] = {}
    faulty: dict[str, SuiteRun] = {}
    for (kind, name, _), result in zip(jobs, results):
        (compliant if kind == "compliant" else faulty)[name] = result
    yield SelfTestRuns(compliant, faulty)


@pytest.mark.slow
def test_suite_passes_on_every_compliant_bench(runs: SelfTestRuns) -> None:
    assert runs.compliant, "no compliant bench profiles found"
    problems = []
    for name, run in runs.compliant.items():
        if not run.records:
            problems.append(f"{name}: no records (exit {run.returncode}):\n{run.output}")
            continue
        for rec in run.failed():
            message = (rec.failure or {}).get("message", "")
            problems.append(f"{name}: {rec.nodeid} {rec.outcome}: {message}")
        if run.returncode not in (0, 5) and not run.failed():
            problems.append(f"{name}: pytest exit {run.returncode}:\n{run.output}")
    assert not problems, "the SECMP0015 suite fails on compliant benches:\n" + "\n".join(problems)
    ran = sum(1 for run in runs.compliant.values() for r in run.records if r.outcome == "passed")
    assert ran > 0, "no test passed on any compliant bench (everything skipped?)"


@pytest.mark.slow
def test_every_fault_fails_a_test_naming_a_requirement(runs: SelfTestRuns) -> None:
    uncaught = []
    for fault, run in sorted(runs.faulty.items()):
        named = [r for r in run.failed() if REQUIREMENT_PREFIX in (r.failure or {}).get("message", "")]
        if not named:
            others = [f"{r.nodeid}: {(r.failure or {}).get('message', '')}" for r in run.failed()]
            uncaught.append(f"{fault}: {len(run.records)} records, failures without a requirement id: "
                            f"{others or 'none'}" + ("" if run.records else f"\n{run.output}"))
    assert not uncaught, "SECMP0015 fault variants the suite does not catch:\n" + "\n".join(uncaught)


@pytest.mark.slow
def test_every_suite_test_fails_on_some_fault(runs: SelfTestRuns) -> None:
    all_tests = {r.nodeid for run in [*runs.compliant.values(), *runs.faulty.values()] for r in run.records}
    assert all_tests, "the suite produced no records"
    failing = {r.nodeid for run in runs.faulty.values() for r in run.failed()}
    never = sorted(all_tests - failing)
    assert not never, "suite tests that fail on no SECMP0015 fault variant (cannot fail?):\n" + "\n".join(never)


# -- harness.checks unit tests -----------------------------------------------------------------

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
