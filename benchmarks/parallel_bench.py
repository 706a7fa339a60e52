"""Speed-up of two xdist workers on two benches over one worker, both measured in this run.

    python3 benchmarks/parallel_bench.py [--repeat 20] [--rounds 3] [--suites tests/compliance]

Both runs execute the same tests over the ``parallel-pair`` profile set: the compliance suites,
every test repeated ``--repeat`` times (a tiny local plugin parametrizes each test with a repeat
index) so start-up does not dominate. One worker: ``-n 1`` (one xdist worker, one bench of the
pair); two workers: ``-n 2`` (each worker locks one bench). The two are run alternately
``--rounds`` times; printed per figure: median [min..max] of wall seconds and of the CPU seconds
of the pytest processes (controller and workers), the speed-up of the medians (target >= 1.7x on
2 cores) and the speed-up per round. A CPU-only probe measured in the same run (two busy loops at
once against one) says how much two processes really run in parallel on this machine right now:
on a shared machine the wall speed-up cannot exceed it. Reports only: asserts nothing about speed.
Reused between runs: the byte-code cache (warmed by one collection first); nothing else.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAIR = REPO / "device_profiles" / "sets" / "parallel-pair.yaml"
TARGET = 1.7

REPEAT_PLUGIN = '''
import pytest

def pytest_addoption(parser):
    parser.addoption("--repeat", type=int, default=1)

def pytest_generate_tests(metafunc):
    count = metafunc.config.getoption("repeat")
    if count > 1:
        metafunc.fixturenames.append("_bench_repeat")
        metafunc.parametrize("_bench_repeat", range(count), ids=lambda i: f"r{i}")

@pytest.fixture
def _bench_repeat(request):
    return request.param
'''


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _pytest(args: list[str], env: dict[str, str]) -> tuple[float, int, str, float]:
    """(wall s, tests passed, summary line, CPU s of the pytest processes)."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", *args], cwd=REPO, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    tail = (done.stdout.strip().splitlines() or [""])[-1]
    passed = re.search(r"(\d+) passed", tail)
    return wall, int(passed.group(1)) if passed else 0, tail, cpu


def _cpu_probe() -> float:
    """How many CPU-bound processes really run at once here: 2 x one busy loop / wall of two."""
    code = "sum(range(6 * 10**7))"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    one = time.perf_counter() - t0
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(2)]
    for p in procs:
        p.wait()
    two = time.perf_counter() - t0
    return round(2 * one / two, 2)


def _summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 2), "min": round(min(values), 2), "max": round(max(values), 2)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=20, help="times each test runs (default 20)")
    p.add_argument("--rounds", type=int, default=3, help="alternating one-worker / two-worker runs (default 3)")
    p.add_argument("--suites", default="tests/compliance")
    args = p.parse_args(argv)
    runs: dict[str, list[tuple[float, int, str, float]]] = {"one_worker": [], "two_workers": []}
    probes = []
    with tempfile.TemporaryDirectory(prefix="parallel-bench-") as tmp:
        Path(tmp, "bench_repeat_plugin.py").write_text(REPEAT_PLUGIN, encoding="utf-8")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [tmp, os.environ.get("PYTHONPATH")])),
                   HARNESS_LOCK_DIR=str(Path(tmp) / "locks"))
        if env.pop("PYTHONDONTWRITEBYTECODE", None) is not None:  # as harness run does: cache byte code
            env.setdefault("PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / f"harness-pycache-{os.getuid()}"))
        common = [args.suites, "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
                  "-p", "bench_repeat_plugin", "--repeat", str(args.repeat), "--profile-set", str(PAIR)]
        _pytest(common + ["-n", "0", "--co"], env)  # warm byte-code caches
        load_before = os.getloadavg()[0]
        for _ in range(args.rounds):
            runs["one_worker"].append(_pytest(common + ["-n", "1"], env))
            runs["two_workers"].append(_pytest(common + ["-n", "2"], env))
            probes.append(_cpu_probe())
        load_after = os.getloadavg()[0]
    one = [r[0] for r in runs["one_worker"]]
    two = [r[0] for r in runs["two_workers"]]
    speedup = statistics.median(one) / statistics.median(two)
    print(json.dumps({
        "tests": {name: sorted({r[1] for r in rs}) for name, rs in runs.items()},
        "one_worker_wall_s": _summary(one),
        "two_workers_wall_s": _summary(two),
        "one_worker_cpu_s": _summary([r[3] for r in runs["one_worker"]]),
        "two_workers_cpu_s": _summary([r[3] for r in runs["two_workers"]]),
        "speedup_of_medians": round(speedup, 2),
        "speedup_per_round": [round(a / b, 2) for a, b in zip(one, two, strict=True)],
        "target": TARGET,
        "meets_target": speedup >= TARGET,
        "cpu_probe_parallelism": _summary(probes),
        "cpus": os.cpu_count(),
        "loadavg_1min": [round(load_before, 2), round(load_after, 2)],
        "shared_machine": "wall figures include waiting for a core; compare with the probe",
        "controller": "SCHED_BATCH, workers on the default policy (harness/plugin/workers.py, Linux)",
        "one_worker_tail": runs["one_worker"][-1][2],
        "two_workers_tail": runs["two_workers"][-1][2],
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
