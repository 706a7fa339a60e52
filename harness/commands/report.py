"""``harness report ID``: rebuild ``reports/<ID>/report.html`` from the cycle store alone."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from harness.commands.common import add_env_option, plain
from harness.errors import HarnessError
from harness.report.store import DEFAULT_STORE


def register(sub: Any) -> None:
    p = sub.add_parser("report", help="rebuild a cycle's HTML report from the cycle store",
                       description=plain(__doc__))
    p.add_argument("cycle_id", metavar="ID", help="cycle id (see harness cycles list)")
    add_env_option(p, "--store", env="HARNESS_STORE", metavar="PATH|URL", default=None,
                   help=f"cycle store: SQLite file or postgresql://USER@HOST/DB (default {DEFAULT_STORE})")
    p.add_argument("--reports", metavar="DIR", default="reports", help="reports folder (default reports)")
    p.add_argument("--out", metavar="FILE", help="write here instead of <reports>/<ID>/report.html")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from harness.report.db import display as store_display
    from harness.report.db import exists as store_exists
    from harness.report.html import render_cycle
    from harness.report.store import CycleStore, store_location

    args.store = store_location(args.store)
    if not store_exists(args.store):
        raise HarnessError(f"no cycle store at {store_display(args.store)}")
    out = Path(args.out) if args.out else Path(args.reports) / args.cycle_id / "report.html"
    with CycleStore(args.store) as store:
        if store.cycle(args.cycle_id) is None:
            raise HarnessError(f"no cycle {args.cycle_id!r} in {store_display(args.store)} (see `harness cycles list`)")
        render_cycle(store, args.cycle_id, out)
        count = len(store.records(args.cycle_id))
    print(f"{out} ({count} records)")
    return 0
