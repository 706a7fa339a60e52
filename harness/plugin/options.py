"""Command-line options of the harness plugin (each with its environment variable)."""

from __future__ import annotations

import os

import pytest

ENV = {
    "bench": "HARNESS_BENCH",
    "profile_set": "HARNESS_PROFILE_SET",
    "cycle_store": "HARNESS_CYCLE_STORE",
    "cycle_id": "HARNESS_CYCLE_ID",
    "records": "HARNESS_RECORDS",
    "bench_wait": "HARNESS_BENCH_WAIT",
    "captures": "HARNESS_CAPTURES",
    "operator": "HARNESS_OPERATOR",
}
DEFAULT_BENCH_WAIT_S = 300.0


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "GBCS compliance harness")
    group.addoption("--bench", dest="harness_bench", metavar="PATH", default=None,
                    help="bench profile to run on (env HARNESS_BENCH; default: the emulated default bench)")
    group.addoption("--profile-set", dest="harness_profile_set", metavar="PATH", default=None,
                    help="profile set: each xdist worker locks one bench of the set (env HARNESS_PROFILE_SET)")
    group.addoption("--cycle-store", dest="harness_cycle_store", metavar="PATH|URL", default=None,
                    help="cycle store to add every result record to: SQLite file or postgresql://USER@HOST/DB"
                         " (env HARNESS_CYCLE_STORE)")
    group.addoption("--cycle-id", dest="harness_cycle_id", metavar="ID", default=None,
                    help="test cycle id for the records (env HARNESS_CYCLE_ID; default: a timestamp)")
    group.addoption("--records", dest="harness_records", metavar="PATH", default=None,
                    help="JSON Lines file receiving one result record per test, flushed per test (env HARNESS_RECORDS)")
    group.addoption("--bench-wait", dest="harness_bench_wait", metavar="SECONDS", type=float, default=None,
                    help=f"how long a worker waits for a free bench of the set (env HARNESS_BENCH_WAIT; default {DEFAULT_BENCH_WAIT_S:g})")
    group.addoption("--captures", dest="harness_captures", metavar="DIR", default=None,
                    help="write each test's exchanges to DIR/<bench>/<test>.pcapng (env HARNESS_CAPTURES)")
    group.addoption("--operator", dest="harness_operator", action="store_const", const="1", default=None,
                    help="an engineer is at the bench: prompt for operator stimuli (button presses, RF-shield "
                         "box) with a countdown; without it such tests skip (env HARNESS_OPERATOR=1)")


def option(config: pytest.Config, name: str) -> str | None:
    """An option's value, falling back to its environment variable."""
    value = config.getoption(f"harness_{name}", default=None)
    if value is None or value == "":
        value = os.environ.get(ENV[name]) or None
    return None if value is None else str(value)


def bench_wait(config: pytest.Config) -> float:
    value = option(config, "bench_wait")
    return DEFAULT_BENCH_WAIT_S if value is None else float(value)
