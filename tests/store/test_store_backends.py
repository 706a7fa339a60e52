"""The cycle store behaves the same on SQLite and PostgreSQL, and a store location that looks
like a URL is never taken for a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import main
from harness.report.db import StoreError, display, is_url, sqlalchemy_url
from harness.report.store import DEFAULT_STORE, CycleStore, store_location


def _scenario(store: CycleStore) -> dict[str, object]:
    store.start_cycle("C1", {"bench_names": ["a", "b"], "started": "2026-01-01T00:00:00+00:00"})
    for bench, outcome in (("a", "passed"), ("b", "failed"), ("a", "failed"), ("a", "passed")):
        store.add_record("C1", {"nodeid": f"t.py::{outcome}", "bench": {"name": bench}, "outcome": outcome,
                                "requirements": ["SECMP0015-FR4"], "severity": "S2"})
    store.start_cycle("C2", {"bench_names": ["a"], "started": "2026-01-02T00:00:00+00:00"})
    store.add_record("C2", {"nodeid": "t.py::failed", "bench": {"name": "a"}, "outcome": "passed",
                            "requirements": ["SECMP0015-FR4", "SECMP0002-R1"]})
    store.start_cycle("C1", {"bench_names": ["c"], "x": 1})  # a second PC joins with its bench
    return {
        "records": [(r.nodeid, r.outcome) for r in store.records("C1")],
        "progress": store.progress("C1"),
        "by_bench": store.progress_by_bench("C1"),
        "failures": store.failures("C1"),
        "compare": store.compare("C1", "C2"),
        "requirements": store.requirements(),
        "history": [(h["cycle_id"], h["rate"], h["tests"]) for h in store.history("SECMP0015-FR4")],
        "meta": store.cycle("C1")["meta"],  # type: ignore[index]
        "ids": [c["id"] for c in store.cycles()],
    }


def test_both_backends_give_the_same_answers(tmp_path: Path, pg_url: str) -> None:
    with CycleStore(tmp_path / "c.sqlite") as lite, CycleStore(pg_url) as pg:
        assert lite.kind == "sqlite" and pg.kind == "postgresql"
        expected = _scenario(lite)
        assert _scenario(pg) == expected
    assert expected["meta"] == {"bench_names": ["a", "b", "c"], "started": "2026-01-01T00:00:00+00:00", "x": 1}
    assert expected["history"] == [("C1", 1 / 3, 3), ("C2", 1.0, 1)]


def test_records_survive_reopening(store_url: str) -> None:
    with CycleStore(store_url) as store:
        store.add_record("C9", {"nodeid": "n", "bench": "x", "outcome": "passed"})
    with CycleStore(store_url) as store:
        assert [r.nodeid for r in store.records("C9")] == ["n"]


@pytest.mark.parametrize("url", ["postgresql://u@127.0.0.1:1/x", "postgres://u:secret@127.0.0.1:1/x"])
def test_a_server_url_is_never_a_file(tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert is_url(url) and sqlalchemy_url(url)[0] == "postgresql"
    for command in (["cycles", "--store", url, "list"], ["report", "C1", "--store", url]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert "cannot open the cycle store postgresql" in err or "cannot open the cycle store postgres" in err, err
        assert "secret" not in err
    assert list(tmp_path.iterdir()) == []  # no folder "postgresql:" and no SQLite file in it


def test_unknown_scheme_and_password_hiding() -> None:
    with pytest.raises(StoreError, match="unknown cycle store URL scheme 'mysql'"):
        CycleStore("mysql://root@db/x")
    assert display("postgresql://harness:s3cret@db.lab:5432/cycles") == "postgresql://harness:***@db.lab:5432/cycles"
    assert sqlalchemy_url("sqlite:////tmp/x.sqlite") == ("sqlite", "sqlite:////tmp/x.sqlite")


def test_store_location_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARNESS_STORE", raising=False)
    bench = Path(__file__).resolve().parents[2] / "device_profiles" / "benches" / "emulated-default.yaml"
    lab_set = tmp_path / "lab.yaml"
    lab_set.write_text(f"kind: profile_set\nname: lab\nbenches: [{bench}]\n"
                       "lab: {store: 'postgresql://harness@db.lab/cycles', coordinator: 'lab-ctl:20408'}\n")
    assert store_location(None, None) == DEFAULT_STORE
    assert store_location(None, str(lab_set)) == "postgresql://harness@db.lab/cycles"
    monkeypatch.setenv("HARNESS_STORE", "postgresql://env@db/x")
    assert store_location(None, str(lab_set)) == "postgresql://env@db/x"
    assert store_location("mine.sqlite", str(lab_set)) == "mine.sqlite"
