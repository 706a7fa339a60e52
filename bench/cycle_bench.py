"""Times one whole ``harness run`` cycle on the emulated PIT matrix (target <= 30 s wall).

    python3 bench/cycle_bench.py [--profile-set device_profiles/sets/pit-matrix.yaml] [--parallel N]

Runs into a throw-away store and reports folder; prints wall time, tests per second and the
ratio to the 30 s target. Reports only: it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path

from harness.cli import main
from harness.report.store import CycleStore

TARGET_S = 30.0


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
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(log):
            status = main(argv)
        wall = time.perf_counter() - t0
        with CycleStore(store) as s:
            cycle = s.cycle("CBENCH") or {}
            tests = sum((cycle.get("counts") or {}).values())
            benches = len((cycle.get("meta") or {}).get("bench_names") or [])
    return {
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
