"""compare(a, b) categories, the flaky definition and the per-requirement history."""

from __future__ import annotations

from report_factory import record

from harness.cli import main
from harness.report.store import CycleStore


def _cycle(store: CycleStore, cycle_id: str, outcomes: dict[str, str], bench: str = "bench-a") -> None:
    store.start_cycle(cycle_id, {"started": f"2024-05-0{cycle_id[-1]}T00:00:00+00:00"})
    for name, outcome in outcomes.items():
        store.add_record(cycle_id, record(f"t.py::{name}", outcome, bench=bench))


def _keys(items: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [i["nodeid"].split("::")[1] for i in items]


def test_compare_categories(store: CycleStore) -> None:
    _cycle(store, "C1", {"stays_ok": "passed", "breaks": "passed", "gets_fixed": "failed", "still_bad": "error",
                         "goes_away": "passed", "becomes_waived": "failed", "skipped_now": "failed"})
    _cycle(store, "C2", {"stays_ok": "passed", "breaks": "failed", "gets_fixed": "passed", "still_bad": "failed",
                         "brand_new_bad": "failed", "brand_new_ok": "passed", "becomes_waived": "waived",
                         "skipped_now": "skipped"})
    got = store.compare("C1", "C2")
    assert _keys(got["new_failures"]) == ["brand_new_bad", "breaks"]
    assert _keys(got["fixed"]) == ["becomes_waived", "gets_fixed"]
    assert _keys(got["still_failing"]) == ["still_bad"]
    assert _keys(got["new_tests"]) == ["brand_new_bad", "brand_new_ok"]
    assert _keys(got["removed_tests"]) == ["goes_away"]
    assert got["flaky"] == []
    assert got["new_failures"][1] == {"bench": "bench-a", "nodeid": "t.py::breaks", "before": "passed", "after": "failed",
                                        "attempts": ["failed"]}


def test_keys_include_the_bench(store: CycleStore) -> None:
    _cycle(store, "C1", {"x": "passed"}, bench="bench-a")
    _cycle(store, "C2", {"x": "failed"}, bench="bench-b")
    got = store.compare("C1", "C2")
    assert [(i["bench"], i["nodeid"]) for i in got["new_failures"]] == [("bench-b", "t.py::x")]
    assert [(i["bench"], i["nodeid"]) for i in got["removed_tests"]] == [("bench-a", "t.py::x")]


def test_flaky_within_a_cycle_rerun(store: CycleStore) -> None:
    _cycle(store, "C1", {"rerun": "passed", "steady": "passed"})
    _cycle(store, "C2", {"rerun": "failed", "steady": "passed"})
    store.add_record("C2", record("t.py::rerun", "passed"))  # the rerun passes: last record wins
    got = store.compare("C1", "C2")
    assert _keys(got["flaky"]) == ["rerun"]
    assert got["flaky"][0]["after"] == "passed"
    assert got["new_failures"] == [] and got["fixed"] == []


def test_flaky_alternating_across_cycles(store: CycleStore) -> None:
    _cycle(store, "C1", {"alternates": "passed", "broke_once": "passed"})
    _cycle(store, "C2", {"alternates": "failed", "broke_once": "passed"})
    _cycle(store, "C3", {"alternates": "passed", "broke_once": "failed"})
    got = store.compare("C2", "C3")
    assert _keys(got["flaky"]) == ["alternates"]
    assert _keys(got["new_failures"]) == ["broke_once"]
    assert got["fixed"] == []
    # With a window of 2 cycles the alternation is not visible: it is a plain fix.
    narrow = store.compare("C2", "C3", flaky_window=2)
    assert _keys(narrow["fixed"]) == ["alternates"] and narrow["flaky"] == []


def test_history_counts_final_outcomes_per_cycle(store: CycleStore) -> None:
    _cycle(store, "C1", {"a": "passed", "b": "failed", "c": "skipped"})
    _cycle(store, "C2", {"a": "passed", "b": "waived", "c": "skipped"})
    store.add_record("C1", record("t.py::other", "failed", requirements=("SECMP0002-R1",)))
    hist = store.history("SECMP0015-FR4")
    assert [(h["cycle_id"], h["executed"], h["rate"]) for h in hist] == [("C1", 2, 0.5), ("C2", 2, 1.0)]
    assert store.history("SECMP0015-FR4", until="C1") == hist[:1]
    assert [h["rate"] for h in store.history("SECMP0002-R1")] == [0.0, None]
    assert store.requirements(["C2"]) == ["SECMP0015-FR4"]


def test_cycles_compare_command(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cycles.sqlite"
    with CycleStore(path) as store:
        _cycle(store, "C1", {"breaks": "passed", "gets_fixed": "failed"})
        _cycle(store, "C2", {"breaks": "failed", "gets_fixed": "passed"})
    assert main(["cycles", "--store", str(path), "compare", "C1", "C2"]) == 0
    out = capsys.readouterr().out
    assert "new failures: 1" in out and "[bench-a] t.py::breaks  (passed -> failed)" in out
    assert "fixed: 1" in out and "still failing: 0" in out and "flaky: 0" in out
    assert main(["cycles", "--store", str(path), "compare", "C1", "C9"]) == 2
