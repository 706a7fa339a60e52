"""The cycle store: every result record of every PIT cycle, in one SQLite file.

Durability: WAL journal and one transaction per record, so a run killed with SIGKILL keeps
every test that had finished. ``synchronous=NORMAL`` (no fsync per record: the WAL survives a
killed process; only an OS crash or power cut may lose the last records). Several processes (one pytest per bench) write
the same file at once; SQLite's busy timeout serialises them.

Comparison keys are ``(bench name, nodeid)``. Within one cycle the *final* outcome of a key is
the outcome of its last record (a rerun replaces the earlier result).

Flaky, as :meth:`CycleStore.compare` reports it, means either
* within the later cycle the key has several records whose outcomes differ in pass/fail terms
  (a rerun changed the result), or
* across the last ``flaky_window`` cycles up to and including the later one, the key's pass/fail
  state changed at least twice (pass -> fail -> pass or fail -> pass -> fail).
A flaky key is reported only as flaky, never as a new failure, fix or still-failing test.
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

FAILING = frozenset({"failed", "error"})
NOT_FAILING = frozenset({"passed", "waived"})
OUTCOMES = ("passed", "failed", "error", "waived", "skipped")
DEFAULT_SEVERITY = "S3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cycles (
    id TEXT PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    meta TEXT NOT NULL DEFAULT '{}',
    verdict TEXT
);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    cycle_id TEXT NOT NULL REFERENCES cycles(id),
    nodeid TEXT NOT NULL,
    bench TEXT NOT NULL,
    outcome TEXT NOT NULL,
    severity TEXT NOT NULL,
    requirements TEXT NOT NULL DEFAULT '[]',
    record TEXT NOT NULL,
    finished TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_cycle ON records(cycle_id, seq);
"""

Key = tuple[str, str]


def utc_now() -> str:
    """Wall time now, ISO 8601 UTC with seconds."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def as_dict(record: Any) -> dict[str, Any]:
    """A record as a plain dict: accepts dicts, JSON text and objects with ``to_json()``."""
    if isinstance(record, Mapping):
        return dict(record)
    if isinstance(record, str):
        loaded = json.loads(record)
        if not isinstance(loaded, dict):
            raise ValueError("a result record must be a JSON object")
        return loaded
    to_json = getattr(record, "to_json", None)
    if callable(to_json):
        value = to_json()
        return as_dict(value)
    raise TypeError(f"cannot store a result record of type {type(record).__name__}")


def bench_name(record: Mapping[str, Any]) -> str:
    """The bench name of a record (``bench`` may be a mapping or a plain string)."""
    bench = record.get("bench")
    if isinstance(bench, Mapping):
        return str(bench.get("name") or bench.get("path") or "")
    return str(bench or "")


def record_key(record: Mapping[str, Any]) -> Key:
    return (bench_name(record), str(record.get("nodeid", "")))


def final_outcomes(records: Iterable[Mapping[str, Any]]) -> dict[Key, dict[str, Any]]:
    """The last record of every (bench, nodeid), in first-seen order."""
    last: dict[Key, dict[str, Any]] = {}
    for record in records:
        last[record_key(record)] = dict(record)
    return last


def _state(outcome: str | None) -> str | None:
    """Pass/fail state of an outcome; None for skipped or unknown."""
    if outcome in FAILING:
        return "fail"
    if outcome in NOT_FAILING:
        return "pass"
    return None


class CycleStore:
    """SQLite store of cycles and their result records. Safe to open from several processes."""

    def __init__(self, path: str | Path, *, timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), timeout=timeout_s, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(f"PRAGMA busy_timeout={int(timeout_s * 1000)}")
        with self._write():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)

    # -- plumbing ---------------------------------------------------------------------------

    def _write(self) -> _Transaction:
        return _Transaction(self._db)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> CycleStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------

    def start_cycle(self, cycle_id: str, meta: Mapping[str, Any] | None = None) -> None:
        """Create the cycle, or merge ``meta`` into an existing one (each bench process calls
        this): existing keys win, except lists, which are united in order."""
        meta = dict(meta or {})
        with self._write():
            row = self._db.execute("SELECT meta FROM cycles WHERE id = ?", (cycle_id,)).fetchone()
            if row is None:
                self._db.execute(
                    "INSERT INTO cycles(id, started, meta) VALUES (?, ?, ?)",
                    (cycle_id, str(meta.get("started") or utc_now()), json.dumps(meta, default=str)),
                )
                return
            merged = _merge_meta(json.loads(row["meta"] or "{}"), meta)
            self._db.execute("UPDATE cycles SET meta = ? WHERE id = ?", (json.dumps(merged, default=str), cycle_id))

    def add_record(self, cycle_id: str, record: Any) -> None:
        """Store one finished test, committed before returning."""
        data = as_dict(record)
        data.setdefault("cycle_id", cycle_id)
        requirements = [str(r) for r in data.get("requirements") or []]
        severity = str(data.get("severity") or DEFAULT_SEVERITY)
        finished = str(data.get("finished") or utc_now())
        with self._write():
            self._db.execute(
                "INSERT OR IGNORE INTO cycles(id, started, meta) VALUES (?, ?, '{}')",
                (cycle_id, str(data.get("started") or utc_now())),
            )
            self._db.execute(
                "INSERT INTO records(cycle_id, nodeid, bench, outcome, severity, requirements, record, finished)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    cycle_id,
                    str(data.get("nodeid", "")),
                    bench_name(data),
                    str(data.get("outcome", "")),
                    severity,
                    json.dumps(requirements),
                    json.dumps(data, default=str),
                    finished,
                ),
            )

    def finish_cycle(self, cycle_id: str, verdict: Mapping[str, Any]) -> None:
        """Mark the cycle finished with its verdict (defect-mask result and run facts). Keys of
        an earlier verdict (each bench's pytest session writes its exit status) are kept unless
        ``verdict`` replaces them."""
        with self._write():
            row = self._db.execute("SELECT verdict FROM cycles WHERE id = ?", (cycle_id,)).fetchone()
            if row is None:
                raise KeyError(f"no cycle {cycle_id!r} in {self.path}")
            merged = {**(json.loads(row["verdict"]) if row["verdict"] else {}), **dict(verdict)}
            self._db.execute(
                "UPDATE cycles SET finished = ?, verdict = ? WHERE id = ?",
                (utc_now(), json.dumps(merged, default=str), cycle_id),
            )

    # -- reading ----------------------------------------------------------------------------

    def cycles(self) -> list[dict[str, Any]]:
        """Every cycle, oldest first, with outcome counts."""
        rows = self._db.execute("SELECT * FROM cycles ORDER BY started, id").fetchall()
        counts: dict[str, dict[str, int]] = {}
        for row in self._db.execute("SELECT cycle_id, outcome, COUNT(*) AS n FROM records GROUP BY cycle_id, outcome"):
            counts.setdefault(row["cycle_id"], {})[row["outcome"]] = row["n"]
        return [self._cycle_dict(row, counts.get(row["id"], {})) for row in rows]

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
        return self._cycle_dict(row, counts)

    @staticmethod
    def _cycle_dict(row: sqlite3.Row, counts: dict[str, int]) -> dict[str, Any]:
        return {
            "id": row["id"],
            "started": row["started"],
            "finished": row["finished"],
            "meta": json.loads(row["meta"] or "{}"),
            "verdict": json.loads(row["verdict"]) if row["verdict"] else None,
            "counts": counts,
        }

    def records(self, cycle_id: str) -> list[dict[str, Any]]:
        """Every record of the cycle, in the order they were stored."""
        rows = self._db.execute("SELECT record FROM records WHERE cycle_id = ? ORDER BY seq", (cycle_id,))
        return [json.loads(row["record"]) for row in rows]

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

        def item(key: Key) -> dict[str, Any]:
            return {"bench": key[0], "nodeid": key[1], "before": before.get(key), "after": after.get(key)}

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

    def history(self, requirement: str, *, until: str | None = None, last: int | None = None) -> list[dict[str, Any]]:
        """Pass rate of one requirement per stored cycle, oldest first.

        Each entry: ``{"cycle_id", "started", "passed", "failed", "waived", "skipped",
        "tests", "executed", "rate"}`` counting final outcomes per (bench, nodeid); ``rate`` is
        (passed + waived) / (passed + waived + failed + error), None when nothing ran.
        ``until`` stops at that cycle (a rebuilt old report shows the history it had);
        ``last`` keeps only the newest n entries."""
        cycles = self.cycles()
        if until is not None:
            ids = [c["id"] for c in cycles]
            if until in ids:
                cycles = cycles[: ids.index(until) + 1]
        out: list[dict[str, Any]] = []
        for cycle in cycles:
            rows = self._db.execute(
                "SELECT r.bench, r.nodeid, r.outcome FROM records r, json_each(r.requirements) j"
                " WHERE r.cycle_id = ? AND j.value = ? ORDER BY r.seq",
                (cycle["id"], requirement),
            )
            final = {(row["bench"], row["nodeid"]): row["outcome"] for row in rows}
            counts = {o: 0 for o in OUTCOMES}
            for outcome in final.values():
                counts[outcome] = counts.get(outcome, 0) + 1
            ok = counts["passed"] + counts["waived"]
            executed = ok + counts["failed"] + counts["error"]
            out.append(
                {
                    "cycle_id": cycle["id"],
                    "started": cycle["started"],
                    **counts,
                    "tests": len(final),
                    "executed": executed,
                    "rate": (ok / executed) if executed else None,
                }
            )
        return out[-last:] if last else out


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (rollback on error): one durable write."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> sqlite3.Connection:
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")


def _merge_meta(old: dict[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for key, value in new.items():
        if key not in merged or merged[key] in (None, "", [], {}):
            merged[key] = value
        elif isinstance(merged[key], list) and isinstance(value, list):
            merged[key] = merged[key] + [v for v in value if v not in merged[key]]
    return merged
