"""Shared machinery of the suite self-tests (the harness's own test runs, never a lab run): run
one compliance suite in a fresh pytest process on a bench profile and read its JSON Lines result
records; pick the benches; tell whether this run targets the emulated default bench; word the
self-test verdicts (compliant benches pass, every fault is caught, every test can fail)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.records import TestRecord, read_records

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "device_profiles"


def on_default_bench(config: pytest.Config) -> bool:
    """True unless this run targets another bench or a profile set."""
    from harness.plugin.options import option

    if option(config, "profile_set"):
        return False
    chosen = option(config, "bench")
    return chosen is None or Path(chosen).stem == "emulated-default"


def faults_breaking(prefixes: Iterable[str]) -> list[str]:
    """Emulator fault variants whose declared ``breaks`` include a requirement id with one of
    ``prefixes``."""
    from harness.faults import FAULTS

    wanted = tuple(prefixes)
    return sorted(name for name, f in FAULTS.items() if any(b.startswith(wanted) for b in f.breaks))


@dataclass
class SuiteRun:
    """One suite run on one bench: pytest's exit code, the records, the tail of its output."""

    bench: str
    returncode: int
    records: list[TestRecord] = field(default_factory=list)
    output: str = ""

    def failed(self) -> list[TestRecord]:
        return [r for r in self.records if r.outcome in ("failed", "error")]

    def passed(self) -> list[TestRecord]:
        return [r for r in self.records if r.outcome == "passed"]


def _have_xdist() -> bool:
    try:
        import xdist  # noqa: F401
    except ImportError:
        return False
    return True


#: The S1SR device-behaviour tests inside the suites' folders: judged by their own self-test
#: (test_s1sr_selftest.py) on the S1SR faults, left out of the SECMP0015/SECMP0002 self-tests.
S1SR_TESTS = "test_s1sr_*.py"


def run_suite(suite: str | list[str], bench: Path, out_dir: Path, name: str | None = None,
              extra: Sequence[str] = (), tests: list[str] | None = None) -> SuiteRun:
    """Run ``suite`` (a path under the repository, or several) on ``bench`` in a fresh pytest
    process (``extra``: more pytest arguments, e.g. ``--maxfail=1``); only the node ids
    ``tests`` when given."""
    label = name or bench.stem
    records = out_dir / f"{label}.jsonl"
    targets = list(tests) if tests else ([suite] if isinstance(suite, str) else list(suite))
    cmd = [sys.executable, "-m", "pytest", *targets, "-p", "no:cacheprovider", "-q", "-p", "no:randomly",
           "--bench", str(bench), "--records", str(records), "-W", "ignore::UserWarning", *extra]
    if _have_xdist():
        cmd += ["-p", "no:xdist"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARNESS_") and k != "PYTEST_ADDOPTS"}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    got = read_records(str(records)) if records.exists() else []
    return SuiteRun(label, proc.returncode, got, proc.stdout[-4000:] + proc.stderr[-2000:])


def run_many(suite: str | list[str], benches: dict[str, Path], out_dir: Path,
             extra: tuple[str, ...] = (), tests: dict[str, list[str]] | None = None) -> dict[str, SuiteRun]:
    """Run ``suite`` on every named bench (only ``tests[name]`` when given), a few processes at
    a time."""
    jobs = list(benches.items())
    if not jobs:
        return {}
    workers = max(2, min(len(jobs), (os.cpu_count() or 2) * 2))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda job: run_suite(suite, job[1], out_dir, job[0], extra,
                                                      tests=(tests or {}).get(job[0])), jobs))
    return {name: result for (name, _), result in zip(jobs, results)}


def failure_message(record: TestRecord) -> str:
    return record.failure.message if record.failure else ""


@dataclass
class SelfTestRuns:
    """A suite's runs on the compliant benches and on the faulty bench of each fault variant."""

    compliant: dict[str, SuiteRun]
    faulty: dict[str, SuiteRun]

    def compliant_problems(self) -> list[str]:
        """Why the suite does not pass on the compliant benches (empty when it does)."""
        problems = []
        for name, run in self.compliant.items():
            if not run.records:
                problems.append(f"{name}: no records (exit {run.returncode}):\n{run.output}")
                continue
            problems += [f"{name}: {r.nodeid} {r.outcome}: {failure_message(r)}" for r in run.failed()]
            if run.returncode not in (0, 5) and not run.failed():
                problems.append(f"{name}: pytest exit {run.returncode}:\n{run.output}")
        return problems

    def uncaught_faults(self, requirement_prefix: str) -> list[str]:
        """Fault variants on which no failing test names a ``requirement_prefix`` requirement."""
        uncaught = []
        for fault, run in sorted(self.faulty.items()):
            if any(requirement_prefix in failure_message(r) for r in run.failed()):
                continue
            others = [f"{r.nodeid}: {failure_message(r)}" for r in run.failed()]
            uncaught.append(f"{fault}: {len(run.records)} records, failures naming no "
                            f"{requirement_prefix.rstrip('-')} requirement: {others or 'none'}" + ("" if run.records else f"\n{run.output}"))
        return uncaught

    def all_tests(self) -> set[str]:
        """Every test that left a record on any bench, compliant or faulty."""
        return {r.nodeid for run in [*self.compliant.values(), *self.faulty.values()] for r in run.records}

    def passed_on_compliant(self) -> set[str]:
        """Every test that passed on at least one compliant bench."""
        return {r.nodeid for run in self.compliant.values() for r in run.passed()}

    def never_failing(self, tests: set[str]) -> list[str]:
        """Those of ``tests`` that fail on no fault variant."""
        return sorted(tests - {r.nodeid for run in self.faulty.values() for r in run.failed()})


def run_selftest(config: pytest.Config, suite: str | list[str], compliant: Mapping[str, Path],
                 faults: Iterable[str], out_dir: Path, extra: tuple[str, ...] = ()) -> SelfTestRuns:
    """Run ``suite`` on every compliant bench and on the faulty bench of every fault variant in
    ``faults`` (``device_profiles/faulty/<fault>.yaml``); skip the calling test unless this run
    targets the emulated default bench."""
    if not on_default_bench(config):
        pytest.skip("suite self-test runs only in the harness's own test run (emulated default bench)")
    names = sorted(faults)
    assert names, f"no fault variants for {suite} declared in harness.faults"
    faulty = {f"fault-{name}": PROFILES / "faulty" / f"{name}.yaml" for name in names}
    missing = [str(p) for p in faulty.values() if not p.exists()]
    assert not missing, f"faulty bench profiles missing: {missing}"
    results = run_many(suite, {**compliant, **faulty}, out_dir, extra)
    return SelfTestRuns({n: results[n] for n in compliant},
                        {n.removeprefix("fault-"): results[n] for n in faulty})


IDENTITY = ("name", "manufacturer", "model", "firmware", "eui")


def distinct_compliant_benches() -> dict[str, Path]:
    """Of the default bench, the PIT matrix and the variants (every compliant in-process bench),
    one per distinct emulated behaviour: benches whose devices differ only in identity (name,
    model, firmware: e.g. the same CH case on SBCH and DBCH) behave alike and run once."""
    from harness.profiles import load_bench

    benches = PROFILES / "benches"
    found = [benches / "emulated-default.yaml", *sorted(benches.glob("variant-*.yaml")),
             *sorted(benches.glob("pit-*.yaml"))]
    chosen: dict[str, Path] = {}
    seen: set[str] = set()
    for path in found:
        bench = load_bench(path)
        if bench.connection.type.value != "emulated":
            continue
        entries = sorted((d for d in bench.host_config_dict()["devices"]), key=lambda d: str(d["role"]))
        key = repr([{k: v for k, v in d.items() if k not in IDENTITY} for d in entries])
        if key not in seen:
            seen.add(key)
            chosen[path.stem] = path
    return chosen
