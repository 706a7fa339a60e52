"""Many benches write one cycle at once: >= 4 writer processes on different benches, one
transaction per record; every record counted exactly once; the cycle complete only after the
last declared bench ended."""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

from harness.report.store import CycleStore

BENCHES = ["sbch-old", "sbch-new", "dbch-old", "dbch-new", "dbch-f", "itch"]
PER_BENCH = 40


def _writer(url: str, bench: str, gate: Any, done: Any) -> None:
    store = CycleStore(url)
    store.start_cycle("LAB1", {"bench_names": BENCHES, "declared": True})
    store.bench_started("LAB1", bench)
    if gate is not None:
        gate.wait()  # all writers at once
    for i in range(PER_BENCH):
        store.add_record("LAB1", {"nodeid": f"tests/compliance/t.py::test_{i}", "bench": {"name": bench},
                                  "outcome": "failed" if i % 7 == 0 else "passed", "requirements": ["R1"]})
    store.bench_ended("LAB1", bench, exitstatus=1)
    done.put((bench, store.complete_if_done("LAB1", {"host_bench": bench})))
    store.close()


def test_concurrent_writers_on_different_benches_fill_one_cycle(store_url: str) -> None:
    ctx = mp.get_context("fork")  # nothing open in the parent yet: cheap starts
    gate, done = ctx.Barrier(len(BENCHES) - 1), ctx.Queue()
    first = BENCHES[:-1]  # the last bench runs after the others (its PC was busy)
    procs = [ctx.Process(target=_writer, args=(store_url, b, gate, done)) for b in first]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=180)
        assert p.exitcode == 0
    states = dict(done.get(timeout=10) for _ in first)
    assert set(states.values()) == {"running"}, states  # the last declared bench has not run
    with CycleStore(store_url) as store:
        assert store.cycle("LAB1")["state"] == "running"  # type: ignore[index]
        assert store.progress("LAB1")["done"] == PER_BENCH * len(first)
    last = ctx.Process(target=_writer, args=(store_url, BENCHES[-1], None, done))
    last.start()
    last.join(timeout=120)
    assert last.exitcode == 0 and done.get(timeout=10) == (BENCHES[-1], "complete")
    with CycleStore(store_url) as store:
        records = store.records("LAB1")
        assert len(records) == PER_BENCH * len(BENCHES)
        keys = {(r.bench.name, r.nodeid) for r in records}
        assert len(keys) == len(records)  # none lost, none duplicated
        by_bench = store.progress_by_bench("LAB1")
        assert {b: c["done"] for b, c in by_bench.items()} == {b: PER_BENCH for b in BENCHES}
        cycle = store.cycle("LAB1")
        assert cycle is not None and cycle["state"] == "complete" and cycle["lifecycle"]["missing"] == []
        assert all(run["state"] == "ended" for run in store.bench_runs("LAB1").values())
