"""Times one whole ``harness run`` cycle on the emulated PIT matrix (target <= 30 s wall).

    python3 benchmarks/cycle_bench.py [--profile-set device_profiles/sets/pit-matrix.yaml] [--parallel N] [--rounds R]

Runs into a throw-away store and reports folder; prints wall time, tests per second and the
ratio to the 30 s target. Reports only: it asserts nothing about speed.

Also reported: the CPU seconds of every process the cycle ran (wall time on a shared machine
depends on its load; the 1-minute load average is printed beside it), and the simulated
device time the cycle covered: per test, the span between the earliest and the latest device
date-time in its decoded responses (the virtual clock: GSME 30-minute wakes cost no wall time).

``--profile`` then runs a second, profiled cycle (its times are not the figures above: cProfile
roughly doubles CPU): every process of it (this one, each bench's pytest, the collection, the
capture merge) runs under cProfile through a ``sitecustomize`` put first on ``PYTHONPATH``, and
the merged profile's top entries are printed (by own time and by cumulative time), with the
share of CPU spent starting pytest (imports, plugin loading, collection) against running tests.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from harness.cli import main
from harness.gbcs.datetime import DateTime
from harness.records import TestRecord
from harness.report.store import CycleStore

TARGET_S = 30.0


def simulated_seconds(records: list[TestRecord]) -> float:
    """Sum over tests of (latest - earliest) device date-time seen in the test's responses."""
    total = 0.0
    for record in records:
        times = []
        for exchange in record.exchanges:
            raw = (exchange.decoded or {}).get("date_time")
            if isinstance(raw, str) and len(raw) == 24:
                try:
                    when = DateTime.from_bytes(bytes.fromhex(raw)).to_datetime()
                except Exception:  # noqa: BLE001 - a bench script: skip what does not decode
                    continue
                if when is not None:
                    times.append(when.replace(tzinfo=None))
        if len(times) > 1:
            total += (max(times) - min(times)).total_seconds()
    return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_cycle(profile_set: str | None, parallel: int | None, suites: str | None) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="cycle-bench-") as tmp:
        store = Path(tmp) / "cycles.sqlite"
        argv = ["run", "--store", str(store), "--reports", str(Path(tmp) / "reports"), "--cycle-id", "CBENCH"]
        if profile_set:
            argv += ["--profile-set", profile_set]
        if parallel:
            argv += ["--parallel", str(parallel)]
        if suites:
            argv += ["--suites", suites]
        log = io.StringIO()
        load = os.getloadavg()[0]
        cpu0, t0 = _children_cpu() + time.process_time(), time.perf_counter()
        with contextlib.redirect_stdout(log):
            status = main(argv)
        wall = time.perf_counter() - t0
        cpu = _children_cpu() + time.process_time() - cpu0
        with CycleStore(store) as s:
            cycle = s.cycle("CBENCH") or {}
            tests = sum((cycle.get("counts") or {}).values())
            benches = len((cycle.get("meta") or {}).get("bench_names") or [])
            simulated = simulated_seconds(s.records("CBENCH"))
            bench_wall = ((cycle.get("verdict") or {}).get("wall_s"))
    return {
        "bench_phase_wall_s": bench_wall,
        "cpu_s": round(cpu, 1),
        "cpus": os.cpu_count(),
        "loadavg_1min_before": round(load, 2),
        "simulated_device_time_h": round(simulated / 3600, 1),
        "simulated_per_wall_s": round(simulated / wall, 1) if wall else None,
        "wall_s": round(wall, 2),
        "target_s": TARGET_S,
        "ratio_to_target": round(wall / TARGET_S, 2),
        "benches": benches,
        "tests": tests,
        "tests_per_s": round(tests / wall, 1) if wall else None,
        "exit_status": status,
        "counts": cycle.get("counts"),
        "last_lines": log.getvalue().splitlines()[-4:],
    }


SITECUSTOMIZE = """
import atexit, cProfile, os, time
_dir = os.environ.get("CYCLE_BENCH_PROFILE_DIR")
if _dir:
    _profile = cProfile.Profile(time.process_time)  # CPU time: sleeps and waits do not count
    _profile.enable()

    def _dump():
        _profile.disable()
        _profile.dump_stats(os.path.join(_dir, f"{os.getpid()}.prof"))

    atexit.register(_dump)
"""


def _cumulative(stats: pstats.Stats, suffix: str, func: str) -> float:
    return sum(ct for (file, _, name), (_, _, _, ct, _) in stats.stats.items()  # type: ignore[attr-defined]
               if file.endswith(suffix) and name == func)


def _own_total(stats: pstats.Stats) -> float:
    return sum(tt for _, _, tt, _, _ in stats.stats.values())  # type: ignore[attr-defined]


def profile_cycle(profile_set: str | None, parallel: int | None, suites: str | None, top: int) -> None:
    """One more cycle with every process under cProfile; print the merged profile's top entries."""
    tmp = tempfile.mkdtemp(prefix="cycle-profile-")
    site, dumps = Path(tmp) / "site", Path(tmp) / "prof"
    site.mkdir()
    dumps.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    saved = {k: os.environ.get(k) for k in ("PYTHONPATH", "CYCLE_BENCH_PROFILE_DIR")}
    os.environ["PYTHONPATH"] = os.pathsep.join(x for x in (str(site), saved["PYTHONPATH"]) if x)
    os.environ["CYCLE_BENCH_PROFILE_DIR"] = str(dumps)
    profile = cProfile.Profile(time.process_time)
    try:
        profile.enable()
        bench_cycle(profile_set, parallel, suites)
        profile.disable()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    profile.dump_stats(str(dumps / "harness-run.prof"))
    files = sorted(str(f) for f in dumps.glob("*.prof"))
    stats = pstats.Stats(*files, stream=sys.stdout)
    total = _own_total(stats)
    print(f"\nprofiled cycle: {len(files)} processes, {total:.1f} s of profiled CPU (process time, own time summed)")
    bench_total = tests = collect = 0.0
    benches = 0
    for file in files:
        one = pstats.Stats(file)
        loop = _cumulative(one, "_pytest/main.py", "pytest_runtestloop")
        if loop:
            benches += 1
            bench_total += _own_total(one)
            tests += loop
            collect += _cumulative(one, "_pytest/main.py", "pytest_collection")
    parent = _own_total(pstats.Stats(str(dumps / "harness-run.prof")))
    rows = [("harness run process (polling, report, JUnit, records)", parent),
            (f"{benches} pytest processes (benches and the collect-only count), all", bench_total),
            ("  of which running tests (pytest_runtestloop)", tests),
            ("  of which collection", collect),
            ("  of which start-up and teardown (imports, plugins, ...)", bench_total - tests - collect),
            ("other processes (collect-only count, capture merge)", total - parent - bench_total)]
    for label, seconds in rows:
        print(f"  {label:<58} {seconds:7.1f} s  {100 * seconds / total if total else 0:5.1f} %")
    shutil.rmtree(tmp, ignore_errors=True)
    for order in ("tottime", "cumulative"):
        print(f"\ntop {top} by {order}:")
        stats.sort_stats(order).print_stats(top)


def main_bench(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--profile-set", default=None, help="default: harness run's default (pit-matrix)")
    p.add_argument("--parallel", type=int, default=None)
    p.add_argument("--suites", default=None)
    p.add_argument("--profile", action="store_true", help="then profile a second cycle (see above)")
    p.add_argument("--top", type=int, default=30, help="profile entries printed per ordering")
    p.add_argument("--rounds", type=int, default=1,
                   help="cycles to time; with more than one, medians [min, max] of wall and CPU are added")
    args = p.parse_args(argv)
    results = [bench_cycle(args.profile_set, args.parallel, args.suites) for _ in range(max(1, args.rounds))]
    result = results[-1]
    if len(results) > 1:
        for key in ("wall_s", "cpu_s", "bench_phase_wall_s", "loadavg_1min_before"):
            values = [float(r[key]) for r in results if isinstance(r.get(key), (int, float))]
            if values:
                result[f"{key}_median_min_max"] = [round(statistics.median(values), 2), min(values), max(values)]
        result["ratio_to_target_of_median_wall"] = round(statistics.median(float(r["wall_s"]) for r in results)  # type: ignore[arg-type]
                                                         / TARGET_S, 2)
        result["rounds"] = len(results)
    print(json.dumps(result, indent=2))
    if args.profile:
        profile_cycle(args.profile_set, args.parallel, args.suites, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main_bench())
