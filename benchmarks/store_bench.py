"""Cycle-store write throughput (records/s) with 1, 4 and 16 concurrent writers, SQLite and
PostgreSQL.

    python3 benchmarks/store_bench.py [--records 200] [--writers 1,4,16] [--rounds 3] [--json]

Each writer is a process playing one bench: it opens the store, starts its bench run, then
adds ``--records`` result records to the one shared cycle, one transaction each (as the plugin
does after every test), and ends its bench. All writers start together (a barrier, after
opening); the clock runs from the barrier until the last writer is done. Rate = all records /
that time. Each (backend, writers) point is run ``--rounds`` times on a fresh store and the
median reported, with the ratio to one writer and PostgreSQL's ratio to SQLite.

Reuses between rounds: the PostgreSQL server (started once by this script on 127.0.0.1, like the
tests: tests/pgserver.py) and the record payload; every round gets a new database / file.
A record is ~2 KB of JSON (a typical compliance test's record with two exchanges). Reports
only: asserts nothing about speed. On a shared machine, load skews the figures: the load
average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from harness.report.store import CycleStore  # noqa: E402

RECORD = {
    "outcome": "passed", "severity": "S2", "requirements": ["SECMP0015-FR4", "SECMP0015-FR6"],
    "devices": [{"role": "GPF", "eui": "00DB1234567890A1", "firmware": "2.1"}],
    "measurements": [{"name": "clock_status", "value": "0x04", "passed": True}],
    "exchanges": [{"direction": d, "hex": "DE" * 300, "use_case": "ECS17b"} for d in ("out", "in")],
}


def _writer(location: str, bench: str, count: int, gate: Any, out: Any) -> None:
    store = CycleStore(location)
    store.start_cycle("BENCH", {"bench_names": [bench]})
    store.bench_started("BENCH", bench)
    gate.wait()
    for i in range(count):
        store.add_record("BENCH", {**RECORD, "nodeid": f"tests/compliance/test_x.py::test_{i}",
                                   "bench": {"name": bench}})
    store.bench_ended("BENCH", bench, exitstatus=0)
    out.put(time.perf_counter())
    store.close()


def one_round(location: str, writers: int, count: int) -> float:
    ctx = mp.get_context("fork")
    gate, out = ctx.Barrier(writers + 1), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(location, f"bench-{w}", count, gate, out)) for w in range(writers)]
    for p in procs:
        p.start()
    gate.wait()
    t0 = time.perf_counter()
    ends = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise RuntimeError(f"a writer failed (exit {p.exitcode})")
    with CycleStore(location) as store:
        stored = store.progress("BENCH")["done"]
    if stored != writers * count:
        raise RuntimeError(f"{stored} records stored, expected {writers * count}")
    return writers * count / (max(ends) - t0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200, help="records per writer (default 200)")
    parser.add_argument("--writers", default="1,4,16", help="writer counts (default 1,4,16)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per point; the median is reported")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    counts = [int(w) for w in args.writers.split(",")]
    backends = args.backends.split(",")
    results: dict[str, dict[int, float]] = {}
    pg = None
    if "postgresql" in backends:
        from tests.pgserver import PostgresServer

        pg = PostgresServer().start()
    try:
        for backend in backends:
            results[backend] = {}
            for writers in counts:
                rates = []
                for _ in range(args.rounds):
                    if backend == "sqlite":
                        location = str(Path(tempfile.mkdtemp(prefix="store-bench-")) / "cycles.sqlite")
                    else:
                        assert pg is not None
                        location = pg.new_database("bench")
                    CycleStore(location).close()  # schema created outside the timing
                    rates.append(one_round(location, writers, args.records))
                results[backend][writers] = statistics.median(rates)
    finally:
        if pg is not None:
            pg.stop()
    load = os.getloadavg()
    if args.json:
        print(json.dumps({"records_per_writer": args.records, "rounds": args.rounds, "load": load,
                          "records_per_s": results}, indent=2))
        return 0
    print(f"cycle store throughput, {args.records} records per writer, median of {args.rounds} rounds, "
          f"load average {load[0]:.1f} on {os.cpu_count()} CPUs")
    head = f"{'writers':>8} " + " ".join(f"{b + ' rec/s':>18} {'x1':>6}" for b in backends)
    if len(backends) == 2:
        head += f" {'pg/sqlite':>10}"
    print(head)
    for writers in counts:
        line = f"{writers:>8} "
        for b in backends:
            rate = results[b][writers]
            line += f"{rate:>18.0f} {rate / results[b][counts[0]]:>6.2f}"
        if len(backends) == 2:
            line += f" {results[backends[1]][writers] / results[backends[0]][writers]:>10.2f}"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
