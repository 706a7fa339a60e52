"""Times one whole ``harness run`` cycle on the emulated PIT matrix (target <= 30 s wall).

    python3 bench/cycle_bench.py [--profile-set device_profiles/sets/pit-matrix.yaml] [--parallel N]

Runs into a throw-away store and reports folder; prints wall time, tests per second and the
ratio to the 30 s target. Reports only: it asserts nothing about speed.

Also reported: the CPU seconds of every process the cycle ran (wall time on a shared machine
depends on its load; the 1-minute load average is printed beside it), and the simulated
device time the cycle covered: per test, the span between the earliest and the latest device
date-time in its decoded responses (the virtual clock: GSME 30-minute wakes cost no wall time).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from harness.cli import main
from harness.gbcs.datetime import DateTime
from harness.report.store import CycleStore

TARGET_S = 30.0


def simulated_seconds(records: list[dict[str, object]]) -> float:
    """Sum over tests of (latest - earliest) device date-time seen in the test's responses."""
    total = 0.0
    for record in records:
        times = []
        for exchange in record.get("exchanges") or []:  # type: ignore[union-attr]
            decoded = exchange.get("decoded") if isinstance(exchange, dict) else None
            raw = decoded.get("date_time") if isinstance(decoded, dict) else None
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


def main_bench(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--profile-set", default=None, help="default: harness run's default (pit-matrix)")
    p.add_argument("--parallel", type=int, default=None)
    p.add_argument("--suites", default=None)
    args = p.parse_args(argv)
    result = bench_cycle(args.profile_set, args.parallel, args.suites)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main_bench())
