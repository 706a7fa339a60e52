"""The cycle store: every result record of every PIT cycle, in an SQLite file (the embedded
default) or a PostgreSQL database shared by a lab's bench PCs (``postgresql://...``), both through
``harness.report.db`` (SQLAlchemy Core; schema versioned and migrated there).

Durability: one transaction per record, so a run killed with SIGKILL keeps every test that had
finished. SQLite: WAL journal, ``synchronous=NORMAL`` (no fsync per record: the WAL survives a
killed process; only an OS crash or power cut may lose the last records); several processes
(one pytest per bench) write the same file at once and SQLite's busy timeout serialises them.
PostgreSQL: any number of writers on any number of PCs; read-modify-write steps (cycle meta,
verdict) lock the cycle's row (``FOR UPDATE``).

Where the store is: ``--store`` / ``--cycle-store``, else ``$HARNESS_STORE``, else the profile
set's ``lab.store``, else ``reports/cycles.sqlite`` (:func:`store_location`).

Comparison keys are ``(bench name, nodeid)``. Within one cycle the *final* outcome of a key is
the outcome of its last record (a rerun replaces the earlier result).

Flaky, as :meth:`CycleStore.compare` reports it, means either
* within the later cycle the key has several records whose outcomes differ in pass/fail terms
  (a rerun changed the result), or
* across the last ``flaky_window`` cycles up to and including the later one, the key's pass/fail
  state changed at least twice (pass -> fail -> pass or fail -> pass -> fail).
A flaky key is reported only as flaky, never as a new failure, fix or still-failing test.

Lifecycle. A cycle is ``running``, ``complete`` or ``incomplete`` (``harness.records.CYCLE_STATES``).
Whoever creates the cycle is its *owner* (host, pid); each bench's run is a ``bench_runs`` row
(running / ended / crashed) written by whoever executes it. Only :meth:`CycleStore.finish_cycle`
with ``state="complete"`` (called by ``harness run`` after every planned bench ended) makes a
cycle complete. A stored ``running`` cycle whose owner process is gone (killed) reads as
``incomplete``; :meth:`CycleStore.lifecycle` names the benches that did not run to the end.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import platform
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness.records import TestRecord
from harness.report import db as _db
from harness.vocabulary import BENCH_ERROR, DEFAULT_SEVERITY, FAILING, NOT_FAILING
from harness.vocabulary import OUTCOME_NAMES as OUTCOMES

__all__ = ["BENCH_ERROR", "DEFAULT_SEVERITY", "FAILING", "NOT_FAILING", "OUTCOMES", "CycleStore"]

STORE_ENV = "HARNESS_STORE"
DEFAULT_STORE = "reports/cycles.sqlite"
SCHEMA_VERSION = _db.SCHEMA_VERSION
StoreError = _db.StoreError
StoreVersionError = _db.StoreVersionError


def store_location(option: str | None = None, set_path: str | None = None) -> str:
    """Where the cycle store is: the option, ``$HARNESS_STORE``, the profile set's
    ``lab.store``, or :data:`DEFAULT_STORE`."""
    if option:
        return str(option)
    env = os.environ.get(STORE_ENV)
    if env:
        return env
    if set_path:
        try:
            from harness.profiles import load_profile_set

            store = load_profile_set(set_path).lab.store
        except Exception:  # noqa: BLE001 - a broken set is reported where it is loaded
            store = None
        if store:
            return str(store)
    return DEFAULT_STORE


def _tables() -> Any:
    import sqlalchemy as sa

    md = sa.MetaData()
    sa.Table("harness_schema", md, sa.Column("version", sa.Integer, nullable=False),
             sa.Column("harness", sa.Text))
    sa.Table("cycles", md,
             sa.Column("id", sa.Text, primary_key=True),
             sa.Column("started", sa.Text, nullable=False),
             sa.Column("finished", sa.Text),
             sa.Column("meta", sa.Text, nullable=False, server_default="{}"),
             sa.Column("verdict", sa.Text),
             sa.Column("state", sa.Text, nullable=False, server_default="running"),
             sa.Column("owner", sa.Text))
    records = sa.Table("records", md,
                       sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                                 autoincrement=True),
                       sa.Column("cycle_id", sa.Text, sa.ForeignKey("cycles.id"), nullable=False),
                       sa.Column("nodeid", sa.Text, nullable=False),
                       sa.Column("bench", sa.Text, nullable=False),
                       sa.Column("outcome", sa.Text, nullable=False),
                       sa.Column("severity", sa.Text, nullable=False),
                       sa.Column("requirements", sa.Text, nullable=False, server_default="[]"),
                       sa.Column("record", sa.Text, nullable=False),
                       sa.Column("finished", sa.Text, nullable=False),
                       sqlite_autoincrement=True)
    sa.Index("records_cycle", records.c.cycle_id, records.c.seq)
    sa.Index("records_cycle_bench", records.c.cycle_id, records.c.bench)
    sa.Table("bench_runs", md,
             sa.Column("cycle_id", sa.Text, sa.ForeignKey("cycles.id"), primary_key=True),
             sa.Column("bench", sa.Text, primary_key=True),
             sa.Column("state", sa.Text, nullable=False),
             sa.Column("started", sa.Text),
             sa.Column("finished", sa.Text),
             sa.Column("exitstatus", sa.Integer),
             sa.Column("reason", sa.Text),
             sa.Column("host", sa.Text),
             sa.Column("pid", sa.Integer))
    return md


def _create(connection: Any) -> None:
    _tables().create_all(connection, checkfirst=True)


def _detect(conn: _db.Conn, tables: set[str]) -> int | None:
    """The schema version of a store written before versioning: 1 (cycles + records), 2 (+ lifecycle)."""
    if "cycles" not in tables:
        return None
    import sqlalchemy as sa

    columns = {c["name"] for c in sa.inspect(conn._c).get_columns("cycles")}
    return 2 if {"state", "owner"} <= columns and "bench_runs" in tables else 1


def _migrate_1_to_2(conn: _db.Conn) -> None:
    """Lifecycle columns. Older stores had no lifecycle: a cycle is complete only if ``harness
    run`` stored its verdict (``wall_s``) with no bench errors; anything else (killed, plain
    pytest) is incomplete. (``bench_runs`` is created with the rest of the schema.)"""
    import sqlalchemy as sa

    have = {c["name"] for c in sa.inspect(conn._c).get_columns("cycles")}
    if "owner" not in have:
        conn.execute("ALTER TABLE cycles ADD COLUMN owner TEXT")
    if "state" not in have:
        conn.execute("ALTER TABLE cycles ADD COLUMN state TEXT NOT NULL DEFAULT 'running'")
        for row in conn.execute("SELECT id, verdict FROM cycles").fetchall():
            verdict = json.loads(row["verdict"]) if row["verdict"] else {}
            done = "wall_s" in verdict and not verdict.get("bench_errors")
            conn.execute("UPDATE cycles SET state = ? WHERE id = ?", ("complete" if done else "incomplete", row["id"]))


def _migrate_2_to_3(conn: _db.Conn) -> None:
    """Versioned schema: ``harness_schema`` and the per-bench index come with the rest."""


MIGRATIONS = {1: _migrate_1_to_2, 2: _migrate_2_to_3}


Key = tuple[str, str]


def utc_now() -> str:
    """Wall time now, ISO 8601 UTC with seconds."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def as_record(record: TestRecord | Mapping[str, Any] | str) -> TestRecord:
    """A typed record: a ``TestRecord`` as it is, a mapping or JSON text read by
    ``TestRecord.from_dict`` (a malformed one raises ``RecordError`` naming the field)."""
    if isinstance(record, TestRecord):
        return record
    if isinstance(record, str):
        return TestRecord.from_json(record)
    if isinstance(record, Mapping):
        return TestRecord.from_dict(record)
    raise TypeError(f"cannot store a result record of type {type(record).__name__}")


def bench_name(record: TestRecord) -> str:
    """The bench name of a record (its profile's file when the bench has no name)."""
    return record.bench.label


def record_key(record: TestRecord) -> Key:
    return record.key


def final_outcomes(records: Iterable[TestRecord]) -> dict[Key, TestRecord]:
    """The last record of every (bench, nodeid), in first-seen order."""
    last: dict[Key, TestRecord] = {}
    for record in records:
        last[record.key] = record
    return last


def _state(outcome: str | None) -> str | None:
    """Pass/fail state of an outcome; None for skipped or unknown."""
    if outcome in FAILING:
        return "fail"
    if outcome in NOT_FAILING:
        return "pass"
    return None


class CycleStore:
    """Store of cycles and their result records (SQLite file or PostgreSQL). Safe to open from
    several processes, on several PCs for PostgreSQL."""

    def __init__(self, path: str | Path, *, timeout_s: float = 30.0) -> None:
        from harness import __version__

        self.location = str(path)
        database = _db.Database(self.location, timeout_s=timeout_s)
        file = _db.sqlite_path(self.location)
        self.path: Path | str = file if file is not None else database.display
        self.kind = database.kind
        self._db = _Session(database)
        database.ensure_schema(_create, MIGRATIONS, _detect, harness_version=__version__)

    # -- plumbing ---------------------------------------------------------------------------

    def _write(self) -> Any:
        return self._db.write()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> CycleStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------

    def start_cycle(self, cycle_id: str, meta: Mapping[str, Any] | None = None) -> None:
        """Create the cycle (state ``running``, owned by this process), or merge ``meta`` into an
        existing one (each bench process calls this): existing keys win, except lists, which are
        united in order. The state and owner of an existing cycle are left alone."""
        meta = dict(meta or {})
        with self._write():
            self._db.execute(
                "INSERT INTO cycles(id, started, meta, state, owner) VALUES (?, ?, ?, 'running', ?)"
                " ON CONFLICT DO NOTHING",
                (cycle_id, str(meta.get("started") or utc_now()), json.dumps(meta, default=str),
                 json.dumps(_this_process())),
            )
            created = self._db.last_rowcount == 1
            if created:
                return
            row = self._db.execute("SELECT meta FROM cycles WHERE id = ?" + self._db.for_update(),
                                   (cycle_id,)).fetchone()
            merged = _merge_meta(json.loads(row["meta"] or "{}"), meta)
            self._db.execute("UPDATE cycles SET meta = ? WHERE id = ?", (json.dumps(merged, default=str), cycle_id))

    def add_record(self, cycle_id: str, record: TestRecord | Mapping[str, Any] | str) -> None:
        """Store one finished test, committed before returning (a record without a cycle id
        gets ``cycle_id``)."""
        typed = as_record(record)
        if typed.cycle_id is None:
            typed = dataclasses.replace(typed, cycle_id=cycle_id)
        data = typed.to_dict()
        with self._write():
            self._db.execute(
                "INSERT INTO cycles(id, started, meta) VALUES (?, ?, '{}') ON CONFLICT DO NOTHING",
                (cycle_id, typed.started or utc_now()),
            )
            self._db.execute(
                "INSERT INTO records(cycle_id, nodeid, bench, outcome, severity, requirements, record, finished)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    cycle_id,
                    typed.nodeid,
                    typed.bench.label,
                    typed.outcome.value,
                    typed.severity.value,
                    json.dumps(typed.requirements),
                    json.dumps(data, default=str),
                    utc_now(),
                ),
            )

    def finish_cycle(self, cycle_id: str, verdict: Mapping[str, Any], *, state: str) -> None:
        """Close the cycle as ``complete`` or ``incomplete`` with its verdict (defect-mask result
        and run facts; keys of an earlier verdict are kept unless ``verdict`` replaces them).
        Only ``harness run`` calls this, after every bench it started has ended."""
        if state not in ("complete", "incomplete"):
            raise ValueError(f"a finished cycle is complete or incomplete, not {state!r}")
        with self._write():
            row = self._db.execute("SELECT verdict FROM cycles WHERE id = ?" + self._db.for_update(),
                                   (cycle_id,)).fetchone()
            if row is None:
                raise KeyError(f"no cycle {cycle_id!r} in {self.path}")
            merged = {**(json.loads(row["verdict"]) if row["verdict"] else {}), **dict(verdict)}
            self._db.execute(
                "UPDATE cycles SET finished = ?, verdict = ?, state = ? WHERE id = ?",
                (utc_now(), json.dumps(merged, default=str), state, cycle_id),
            )

    def reopen_cycle(self, cycle_id: str) -> None:
        """A resumed cycle runs again: state ``running``, owned by this process, not finished."""
        with self._write():
            done = self._db.execute(
                "UPDATE cycles SET state = 'running', finished = NULL, owner = ? WHERE id = ?",
                (json.dumps(_this_process()), cycle_id),
            )
            if done.rowcount == 0:
                raise KeyError(f"no cycle {cycle_id!r} in {self.path}")

    def complete_if_done(self, cycle_id: str, verdict: Mapping[str, Any] | None = None) -> str:
        """A lab cycle after one PC's benches ended: ``complete`` when every declared bench
        (``meta.bench_names``) ended (``incomplete`` when one crashed); else it stays ``running``
        for the benches still to come, with no single owner (any PC may finish it). Returns the
        state. The cycle's row is locked, so two PCs finishing at once close it once."""
        with self._write():
            row = self._db.execute("SELECT state, meta, verdict FROM cycles WHERE id = ?" + self._db.for_update(),
                                   (cycle_id,)).fetchone()
            if row is None:
                raise KeyError(f"no cycle {cycle_id!r} in {self.path}")
            if row["state"] != "running":
                return str(row["state"])
            planned = [str(b) for b in json.loads(row["meta"] or "{}").get("bench_names") or []]
            runs = {r["bench"]: r["state"] for r in self._db.execute(
                "SELECT bench, state FROM bench_runs WHERE cycle_id = ?", (cycle_id,))}
            for name in runs:
                if name not in planned:
                    planned.append(name)
            if any(runs.get(b) not in ("ended", "crashed") for b in planned):
                self._db.execute("UPDATE cycles SET owner = NULL WHERE id = ?", (cycle_id,))
                return "running"
            state = "complete" if all(runs[b] == "ended" for b in planned) else "incomplete"
            merged = {**(json.loads(row["verdict"]) if row["verdict"] else {}), **dict(verdict or {})}
            self._db.execute("UPDATE cycles SET finished = ?, verdict = ?, state = ? WHERE id = ?",
                             (utc_now(), json.dumps(merged, default=str), state, cycle_id))
            return state

    def bench_started(self, cycle_id: str, bench: str, *, pid: int | None = None) -> None:
        """One bench's run begins (a re-run of the bench replaces its earlier row)."""
        with self._write():
            self._db.execute(
                "INSERT INTO cycles(id, started, meta, state, owner) VALUES (?, ?, '{}', 'running', ?) ON CONFLICT DO NOTHING",
                (cycle_id, utc_now(), json.dumps(_this_process())),
            )
            self._db.execute(
                "INSERT INTO bench_runs(cycle_id, bench, state, started, host, pid)"
                " VALUES (?, ?, 'running', ?, ?, ?) ON CONFLICT (cycle_id, bench) DO UPDATE SET"
                " state = excluded.state, started = excluded.started, finished = NULL, exitstatus = NULL,"
                " reason = NULL, host = excluded.host, pid = excluded.pid",
                (cycle_id, bench, utc_now(), platform.node(), pid if pid is not None else os.getpid()),
            )

    def bench_ended(self, cycle_id: str, bench: str, *, exitstatus: int | None,
                    crashed: str | None = None) -> None:
        """One bench's run is over: ``ended`` with pytest's exit status, or ``crashed`` with the
        reason (the process died, pytest could not start, an internal error)."""
        with self._write():
            self._db.execute(
                "INSERT INTO bench_runs(cycle_id, bench, state, started, host, pid)"
                " VALUES (?, ?, 'running', ?, ?, ?) ON CONFLICT DO NOTHING",
                (cycle_id, bench, utc_now(), platform.node(), os.getpid()),
            )
            self._db.execute(
                "UPDATE bench_runs SET state = ?, finished = ?, exitstatus = ?, reason = ?"
                " WHERE cycle_id = ? AND bench = ?",
                ("crashed" if crashed else "ended", utc_now(), exitstatus, crashed, cycle_id, bench),
            )

    def bench_runs(self, cycle_id: str) -> dict[str, dict[str, Any]]:
        """Every bench run of the cycle: ``{bench: {"state", "started", "finished", "exitstatus",
        "reason", "host", "pid"}}``."""
        rows = self._db.execute("SELECT * FROM bench_runs WHERE cycle_id = ? ORDER BY started, bench", (cycle_id,))
        return {row["bench"]: {k: row[k] for k in row.keys() if k not in ("cycle_id", "bench")} for row in rows}

    def lifecycle(self, cycle_id: str) -> dict[str, Any]:
        """Where the cycle stands: ``{"state", "reason", "missing": [{"bench", "reason"}]}``.

        ``missing`` lists every planned bench (``meta.bench_names``, plus any bench that wrote a
        run or records) that did not end: never started, running when its process or the cycle's
        owner died, or crashed. A stored ``running`` cycle whose owner is gone is ``incomplete``."""
        row = self._db.execute("SELECT state, owner, meta FROM cycles WHERE id = ?", (cycle_id,)).fetchone()
        if row is None:
            raise KeyError(f"no cycle {cycle_id!r} in {self.path}")
        meta = json.loads(row["meta"] or "{}")
        owner = json.loads(row["owner"]) if row["owner"] else None
        runs = self.bench_runs(cycle_id)
        planned = [str(b) for b in meta.get("bench_names") or []]
        with_records = [r["bench"] for r in self._db.execute(
            "SELECT DISTINCT bench FROM records WHERE cycle_id = ?", (cycle_id,))]
        for name in [*runs, *with_records]:
            if name not in planned:
                planned.append(name)
        state = str(row["state"] or "running")
        owner_alive = _alive(owner)
        missing = []
        for name in planned:
            run = runs.get(name)
            if run is None:
                reason = "never started"
            elif run["state"] == "crashed":
                reason = f"crashed: {run['reason']}"
            elif run["state"] == "running":
                if state == "running" and owner_alive is not False and _alive(run) is not False:
                    continue  # still at work
                reason = "did not finish (its process was killed or the cycle was stopped)"
            else:
                continue
            missing.append({"bench": name, "reason": reason})
        reason = ""
        if state == "running" and owner_alive is False:
            state = "incomplete"
            pid = owner.get("pid") if isinstance(owner, Mapping) else "?"
            reason = (f"the process that ran it (pid {pid}) is gone without closing it: killed, or a plain"
                      " pytest session (only harness run marks a cycle complete)")
        elif state == "incomplete":
            reason = "not every bench ran to the end"
        return {"state": state, "reason": reason, "missing": missing}

    # -- reading ----------------------------------------------------------------------------

    def cycles(self) -> list[dict[str, Any]]:
        """Every cycle, oldest first, with outcome counts."""
        rows = self._db.execute("SELECT * FROM cycles ORDER BY started, id").fetchall()
        counts: dict[str, dict[str, int]] = {}
        for row in self._db.execute("SELECT cycle_id, outcome, COUNT(*) AS n FROM records GROUP BY cycle_id, outcome"):
            counts.setdefault(row["cycle_id"], {})[row["outcome"]] = row["n"]
        return [self._cycle_dict(row, counts.get(row["id"], {}), self.lifecycle(row["id"])) for row in rows]

    def cycle(self, cycle_id: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT * FROM cycles WHERE id = ?", (cycle_id,)).fetchone()
        if row is None:
            return None
        counts = {
            r["outcome"]: r["n"]
            for r in self._db.execute(
                "SELECT outcome, COUNT(*) AS n FROM records WHERE cycle_id = ? GROUP BY outcome", (cycle_id,)
            )
        }
        return self._cycle_dict(row, counts, self.lifecycle(cycle_id))

    @staticmethod
    def _cycle_dict(row: Any, counts: dict[str, int], lifecycle: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": row["id"],
            "started": row["started"],
            "finished": row["finished"],
            "state": lifecycle["state"],
            "lifecycle": lifecycle,
            "meta": json.loads(row["meta"] or "{}"),
            "verdict": json.loads(row["verdict"]) if row["verdict"] else None,
            "counts": counts,
        }

    def records(self, cycle_id: str) -> list[TestRecord]:
        """Every record of the cycle, in the order they were stored (``RecordError`` naming the
        field for a stored record that is not a result record)."""
        rows = self._db.execute("SELECT record FROM records WHERE cycle_id = ? ORDER BY seq", (cycle_id,))
        return [TestRecord.from_json(row["record"]) for row in rows]

    def progress(self, cycle_id: str) -> dict[str, int]:
        """Cheap live counts for a running cycle: done, failures (failed+error) per outcome."""
        counts = {
            r["outcome"]: r["n"]
            for r in self._db.execute(
                "SELECT outcome, COUNT(*) AS n FROM records WHERE cycle_id = ? GROUP BY outcome", (cycle_id,)
            )
        }
        return {"done": sum(counts.values()), "failures": sum(counts.get(o, 0) for o in FAILING), **counts}

    def progress_by_bench(self, cycle_id: str) -> dict[str, dict[str, int]]:
        """Live counts per bench name: ``{bench: {"done", "failures", outcome: n...}}``."""
        out: dict[str, dict[str, int]] = {}
        for r in self._db.execute(
            "SELECT bench, outcome, COUNT(*) AS n FROM records WHERE cycle_id = ? GROUP BY bench, outcome", (cycle_id,)
        ):
            counts = out.setdefault(r["bench"], {"done": 0, "failures": 0})
            counts[r["outcome"]] = r["n"]
            counts["done"] += r["n"]
            if r["outcome"] in FAILING:
                counts["failures"] += r["n"]
        return out

    def failures(self, cycle_id: str, bench: str | None = None) -> list[Key]:
        """(bench, nodeid) of every failed or errored record so far, in the order stored."""
        rows = self._db.execute(
            "SELECT bench, nodeid FROM records WHERE cycle_id = ? AND outcome IN ('failed', 'error')"
            + (" AND bench = ?" if bench is not None else "") + " ORDER BY seq",
            (cycle_id, bench) if bench is not None else (cycle_id,),
        )
        return [(row["bench"], row["nodeid"]) for row in rows]

    def _outcomes(self, cycle_id: str) -> list[tuple[Key, str]]:
        rows = self._db.execute(
            "SELECT bench, nodeid, outcome FROM records WHERE cycle_id = ? ORDER BY seq", (cycle_id,)
        )
        return [((row["bench"], row["nodeid"]), row["outcome"]) for row in rows]

    def compare(self, a: str, b: str, *, flaky_window: int = 3) -> dict[str, list[dict[str, Any]]]:
        """What changed from cycle ``a`` to cycle ``b`` (see the module doc for *flaky*).

        Returns lists of ``{"bench", "nodeid", "before", "after"}`` under ``new_failures``
        (failing in b, not failing or absent in a), ``fixed`` (failing in a, passed/waived in
        b), ``still_failing``, ``flaky``, ``new_tests`` (only in b) and ``removed_tests``
        (only in a)."""
        for cycle_id in (a, b):
            if self.cycle(cycle_id) is None:
                raise KeyError(f"no cycle {cycle_id!r} in {self.path}")
        before = dict(self._outcomes(a))
        runs_b = self._outcomes(b)
        after = dict(runs_b)
        flaky = self._flaky_keys(b, runs_b, flaky_window)
        result: dict[str, list[dict[str, Any]]] = {
            k: [] for k in ("new_failures", "fixed", "still_failing", "flaky", "new_tests", "removed_tests")
        }

        attempts: dict[Key, list[str]] = {}
        for key, outcome in runs_b:
            attempts.setdefault(key, []).append(outcome)

        def item(key: Key) -> dict[str, Any]:
            return {"bench": key[0], "nodeid": key[1], "before": before.get(key), "after": after.get(key),
                    "attempts": attempts.get(key, [])}

        for key in sorted(set(before) | set(after)):
            if key not in before:
                result["new_tests"].append(item(key))
            if key not in after:
                result["removed_tests"].append(item(key))
                continue
            if key in flaky:
                result["flaky"].append(item(key))
                continue
            old, new = _state(before.get(key)), _state(after[key])
            if new == "fail" and old != "fail":
                result["new_failures"].append(item(key))
            elif new == "fail":
                result["still_failing"].append(item(key))
            elif new == "pass" and old == "fail":
                result["fixed"].append(item(key))
        return result

    def _flaky_keys(self, cycle_id: str, runs: list[tuple[Key, str]], window: int) -> set[Key]:
        flaky: set[Key] = set()
        within: dict[Key, set[str]] = {}
        for key, outcome in runs:
            state = _state(outcome)
            if state:
                within.setdefault(key, set()).add(state)
        flaky.update(k for k, states in within.items() if len(states) > 1)
        ids = [c["id"] for c in self.cycles()]
        if cycle_id in ids and window >= 3:
            recent = ids[max(0, ids.index(cycle_id) - window + 1) : ids.index(cycle_id) + 1]
            sequences: dict[Key, list[str]] = {}
            for cid in recent:
                for key, outcome in dict(self._outcomes(cid)).items():
                    state = _state(outcome)
                    if state:
                        sequences.setdefault(key, []).append(state)
            for key, seq in sequences.items():
                if sum(1 for x, y in zip(seq, seq[1:]) if x != y) >= 2:
                    flaky.add(key)
        return flaky

    def requirements(self, cycle_ids: Iterable[str] | None = None) -> list[str]:
        """Every requirement id seen (in the given cycles, or in all), sorted."""
        found: set[str] = set()
        wanted = set(cycle_ids) if cycle_ids is not None else None
        for row in self._db.execute("SELECT cycle_id, requirements FROM records"):
            if wanted is None or row["cycle_id"] in wanted:
                found.update(json.loads(row["requirements"]))
        return sorted(found)

    def history(self, requirement: str, *, until: str | None = None, last: int | None = None,
                cycles: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """Pass rate of one requirement per stored cycle, oldest first.

        Each entry: ``{"cycle_id", "started", "passed", "failed", "waived", "skipped",
        "tests", "executed", "rate"}`` counting final outcomes per (bench, nodeid); ``rate`` is
        (passed + waived) / (passed + waived + failed + error), None when nothing ran.
        ``until`` stops at that cycle (a rebuilt old report shows the history it had);
        ``last`` keeps only the newest n entries; ``cycles`` (as :meth:`cycles` gives them) limits
        the history to those cycles (the report: the cycles of the same profile set). Each entry
        also carries the cycle's ``state`` (an incomplete cycle's rate is marked as such)."""
        cycles = self.cycles() if cycles is None else cycles
        if until is not None:
            ids = [c["id"] for c in cycles]
            if until in ids:
                cycles = cycles[: ids.index(until) + 1]
        out: list[dict[str, Any]] = []
        for cycle in cycles:
            rows = self._db.execute(
                "SELECT bench, nodeid, outcome, requirements FROM records WHERE cycle_id = ? ORDER BY seq",
                (cycle["id"],),
            )
            final = {(row["bench"], row["nodeid"]): row["outcome"] for row in rows
                     if requirement in json.loads(row["requirements"] or "[]")}
            counts = {o: 0 for o in OUTCOMES}
            for outcome in final.values():
                counts[outcome] = counts.get(outcome, 0) + 1
            ok = counts["passed"] + counts["waived"]
            executed = ok + counts["failed"] + counts["error"]
            out.append(
                {
                    "cycle_id": cycle["id"],
                    "started": cycle["started"],
                    "state": cycle.get("state"),
                    **counts,
                    "tests": len(final),
                    "executed": executed,
                    "rate": (ok / executed) if executed else None,
                }
            )
        return out[-last:] if last else out


class _Session:
    """``execute(sql, params)`` in the current write transaction (inside ``write()``), else in a
    short read transaction; rows are materialised (mappings: ``row["name"]``)."""

    def __init__(self, database: _db.Database) -> None:
        self.database = database
        self._tx: _db.Conn | None = None
        self.last_rowcount = -1

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> _Rows:
        if self._tx is not None:
            result = self._tx.execute(sql, params)
            self.last_rowcount = result.rowcount
            return _Rows(result.fetchall(), result.rowcount)
        with self.database.read() as conn:
            result = conn.execute(sql, params)
            return _Rows(result.fetchall(), result.rowcount)

    def for_update(self) -> str:
        return " FOR UPDATE" if self.database.kind == "postgresql" else ""

    @contextmanager
    def write(self) -> Iterator[_Session]:
        if self._tx is not None:  # nested: the outer transaction
            yield self
            return
        with self.database.write() as conn:
            self._tx = conn
            try:
                yield self
            finally:
                self._tx = None

    def close(self) -> None:
        self.database.close()


class _Rows(list[Any]):
    def __init__(self, rows: list[Any], rowcount: int) -> None:
        super().__init__(rows)
        self.rowcount = rowcount

    def fetchone(self) -> Any:
        return self[0] if self else None

    def fetchall(self) -> list[Any]:
        return list(self)


# pytest's exit statuses of a session that ran to its end: tests all passed, some failed, none
# collected. Anything else (interrupted, internal error, usage error, a signal) is a crash.
PYTEST_ENDED = (0, 1, 5)


def pytest_end_problem(code: int) -> str | None:
    """None when a bench's pytest exit status means it ran to its end; else what went wrong."""
    if code in PYTEST_ENDED:
        return None
    if code < 0:
        return f"killed by signal {-code}"
    words = {2: "interrupted or collection errors", 3: "pytest internal error", 4: "pytest usage error"}
    return f"pytest exit status {code}: {words.get(code, 'unexpected')}"


def _this_process() -> dict[str, Any]:
    """Who owns a cycle: host, pid and the pid's start time (pids are reused)."""
    return {"host": platform.node(), "pid": os.getpid(), "since": _process_start(os.getpid())}


def _process_start(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (clock ticks since boot), None where /proc has none."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _alive(who: Mapping[str, Any] | None) -> bool | None:
    """Whether the process ``{"host", "pid"[, "since"]}`` still runs: None when it cannot be told
    (another host, no pid)."""
    if not isinstance(who, Mapping) or not who.get("pid") or who.get("host") != platform.node():
        return None
    pid = int(who["pid"])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    since = who.get("since")
    if since is not None and _process_start(pid) not in (None, since):
        return False  # the pid now belongs to another process
    if _zombie(pid):
        return False
    return True


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _merge_meta(old: dict[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for key, value in new.items():
        if key not in merged or merged[key] in (None, "", [], {}):
            merged[key] = value
        elif isinstance(merged[key], list) and isinstance(value, list):
            merged[key] = merged[key] + [v for v in value if v not in merged[key]]
    return merged
