"""``harness cycles list | show ID | compare A B``: the stored PIT cycles.

Each cycle shows its state (running / complete / incomplete) and its verdict, judged from the
store: MET or NOT MET only for a complete cycle without bench errors, else INCONCLUSIVE.
``show`` exits like ``harness run`` would for that cycle: 0 met, 1 not met, 3 inconclusive
(or still running); every command exits 2 on a usage error (no store, no such cycle). Options
go before or after the action: ``harness cycles list --json``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from harness.commands.common import add_env_option, plain
from harness.errors import HarnessError
from harness.report.db import display as store_display
from harness.report.db import exists as store_exists
from harness.report.mask import STATUS_WORDS, headline, judge
from harness.report.store import DEFAULT_STORE, CycleStore, final_outcomes, store_location

CATEGORIES = ("new_failures", "fixed", "still_failing", "flaky", "new_tests", "removed_tests")


def _common_options(parser: Any, *, defaults: bool) -> None:
    """``--store``/``--json`` on ``harness cycles`` and on each action, so both
    ``harness cycles --json list`` and ``harness cycles list --json`` work; on the actions they
    default to SUPPRESS so an option given before the action is not reset after it."""
    if defaults:
        add_env_option(parser, "--store", env="HARNESS_STORE", default=None, metavar="PATH|URL",
                       help=f"cycle store: SQLite file or postgresql://USER@HOST/DB (default {DEFAULT_STORE})")
        parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    else:
        parser.add_argument("--store", metavar="PATH|URL", default=argparse.SUPPRESS,
                            help="cycle store (as before the action; env HARNESS_STORE)")
        parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                            help="print JSON instead of text")


def register(sub: Any) -> None:
    p = sub.add_parser("cycles", help="list, show and compare stored test cycles",
                       description=plain(__doc__), formatter_class=argparse.RawDescriptionHelpFormatter)
    _common_options(p, defaults=True)
    what = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions = [what.add_parser("list", help="every cycle with its counts and verdict")]
    show = what.add_parser("show", help="one cycle's tests")
    show.add_argument("cycle_id", metavar="ID", help="cycle id (see harness cycles list)")
    cmp = what.add_parser("compare", help="new failures, fixes, still failing and flaky tests from A to B")
    cmp.add_argument("a", metavar="A", help="the earlier cycle id")
    cmp.add_argument("b", metavar="B", help="the later cycle id")
    for action in (*actions, show, cmp):
        _common_options(action, defaults=False)
    p.set_defaults(func=run)


def _verdict_word(store: CycleStore, cycle: dict[str, Any]) -> str:
    verdict = judge(cycle, store.records(cycle["id"]))
    return f"{cycle['state']}  mask {STATUS_WORDS[verdict['status']]}"


def run(args: argparse.Namespace) -> int:
    args.store = store_location(args.store)
    if not store_exists(args.store):
        raise HarnessError(f"no cycle store at {store_display(args.store)}")
    with CycleStore(args.store) as store:
        try:
            if args.action == "list":
                return _list(store, args.json)
            if args.action == "show":
                return _show(store, args.cycle_id, args.json)
            return _compare(store, args.a, args.b, args.json)
        except KeyError as exc:
            raise HarnessError(str(exc.args[0]) if exc.args else str(exc)) from None


def _list(store: CycleStore, as_json: bool) -> int:
    cycles = store.cycles()
    if as_json:
        print(json.dumps(cycles, indent=2, default=str))
        return 0
    if not cycles:
        print("no cycles stored")
    for c in cycles:
        counts = ", ".join(f"{n} {o}" for o, n in sorted(c["counts"].items())) or "no records"
        benches = len(c["meta"].get("bench_names") or []) or "?"
        print(f"{c['id']}  {c['started']}  benches {benches}  {counts}  {_verdict_word(store, c)}")
        if len(c["meta"].get("bench_names") or []) > 1:  # a lab cycle: each bench's part, and where it ran
            _bench_lines(store, c["id"])
    return 0


def _bench_lines(store: CycleStore, cycle_id: str) -> None:
    runs = store.bench_runs(cycle_id)
    progress = store.progress_by_bench(cycle_id)
    for bench in sorted(set(runs) | set(progress)):
        counts = progress.get(bench, {})
        outcomes = ", ".join(f"{n} {o}" for o, n in sorted(counts.items()) if o not in ("done", "failures"))
        run = runs.get(bench) or {}
        where = f" on {run['host']}" if run.get("host") else ""
        print(f"    {bench}{where}: {outcomes or 'no records'} ({run.get('state') or 'no bench run'})")


def _show(store: CycleStore, cycle_id: str, as_json: bool) -> int:
    cycle = store.cycle(cycle_id)
    if cycle is None:
        raise KeyError(f"no cycle {cycle_id!r} in {store.path}")
    records = store.records(cycle_id)
    verdict = judge(cycle, records)
    if as_json:
        print(json.dumps({"cycle": cycle, "verdict": verdict, "records": [r.to_dict() for r in records]},
                         indent=2, default=str))
        return int(verdict["exit"])
    print(f"cycle {cycle['id']}: {cycle['state']}, started {cycle['started']}, "
          f"finished {cycle['finished'] or '(not finished)'}")
    if cycle["lifecycle"]["reason"]:
        print(f"  {cycle['lifecycle']['reason']}")
    for missing in verdict["missing_benches"]:
        print(f"  bench {missing['bench']} did not run to the end: {missing['reason']}")
    print("open failures / limit: " + ", ".join(
        f"{s} {verdict['counts'].get(s, 0)}/{verdict['limits'].get(s, 0)}" for s in ("S1", "S2", "S3", "S4")))
    print(headline(verdict))
    if verdict["status"] == "inconclusive" and cycle["meta"].get("resume_command"):
        print(f"  re-run what did not run: {cycle['meta']['resume_command']}")
    for (bench, nodeid), record in sorted(final_outcomes(records).items(), key=lambda kv: (kv[0][1], kv[0][0])):
        reqs = ",".join(record.requirements)
        print(f"  {record.outcome.value:11} {record.severity.value} [{bench}] {nodeid}  {reqs}")
    return int(verdict["exit"])


def _compare(store: CycleStore, a: str, b: str, as_json: bool) -> int:
    result = store.compare(a, b)
    if as_json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{a} -> {b}")
    for category in CATEGORIES:
        items = result[category]
        print(f"{category.replace('_', ' ')}: {len(items)}")
        for item in items:
            after = ", ".join(item["attempts"]) if category == "flaky" and item.get("attempts") else item["after"]
            print(f"  [{item['bench']}] {item['nodeid']}  ({item['before'] or '-'} -> {after or '-'})")
    return 0
