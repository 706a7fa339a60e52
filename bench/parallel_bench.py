"""Speed-up of ``pytest -n 2 --profile-set parallel-pair.yaml`` over ``-n 0`` on one bench.

    python3 bench/parallel_bench.py [--repeat 20] [--suites tests/compliance]

Both runs execute the same tests: the compliance suites, every test repeated ``--repeat`` times
(a tiny local plugin parametrizes each test with a repeat index) so start-up does not dominate.
The serial run uses the first bench of the pair, the parallel run two xdist workers that each
lock one bench of the pair. Reports wall times, the speed-up (target >= 1.7x on 2 cores) and,
because a shared machine's load skews wall time, the load average and a CPU-only probe of how
much two processes really run in parallel here. Reports only: asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAIR = REPO / "device_profiles" / "sets" / "parallel-pair.yaml"
FIRST = REPO / "device_profiles" / "benches" / "emulated-default.yaml"
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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=20, help="times each test runs (default 20)")
    p.add_argument("--suites", default="tests/compliance")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="parallel-bench-") as tmp:
        Path(tmp, "bench_repeat_plugin.py").write_text(REPEAT_PLUGIN, encoding="utf-8")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [tmp, os.environ.get("PYTHONPATH")])),
                   HARNESS_LOCK_DIR=str(Path(tmp) / "locks"))
        if env.pop("PYTHONDONTWRITEBYTECODE", None) is not None:  # as harness run does: cache byte code
            env.setdefault("PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / f"harness-pycache-{os.getuid()}"))
        common = [args.suites, "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
                  "-p", "bench_repeat_plugin", "--repeat", str(args.repeat)]
        _pytest(common + ["-n", "0", "--bench", str(FIRST), "--co"], env)  # warm byte-code caches
        load_before = os.getloadavg()[0]
        serial = _pytest(common + ["-n", "0", "--bench", str(FIRST)], env)
        parallel = _pytest(common + ["-n", "2", "--profile-set", str(PAIR)], env)
        load_after = os.getloadavg()[0]
    probe = _cpu_probe()
    speedup = serial[0] / parallel[0] if parallel[0] else 0.0
    print(json.dumps({
        "tests": {"serial": serial[1], "parallel": parallel[1]},
        "serial_wall_s": round(serial[0], 2),
        "parallel_wall_s": round(parallel[0], 2),
        "speedup": round(speedup, 2),
        "target": TARGET,
        "meets_target": speedup >= TARGET,
        "serial_cpu_s": round(serial[3], 2),
        "parallel_cpu_s": round(parallel[3], 2),
        # what an idle machine would give: serial CPU over the busier half of the parallel CPU
        "idle_machine_estimate": round(serial[3] / (parallel[3] / 2), 2) if parallel[3] else None,
        "cpus": os.cpu_count(),
        "loadavg_1min": [round(load_before, 2), round(load_after, 2)],
        "cpu_probe_parallelism": probe,
        "serial_tail": serial[2],
        "parallel_tail": parallel[2],
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
