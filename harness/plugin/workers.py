"""What an xdist run costs beyond the tests (#16): the reports a worker sends, the heap gc walks.

Under xdist every report a worker makes is serialised by execnet, read back by the controller's
receiver thread and replayed through the controller's hooks; with two workers on two cores the
controller takes its share of both (about 0.85 CPU-ms a test, measured in
``benchmarks/parallel_bench.py``). So a worker sends nothing a reader could miss:

* empty ``sections``, ``user_properties`` and ``extras`` are left out (``TestReport`` and every
  reader default them to empty: lossless);
* a passed report's ``keywords`` are left out: pytest reads a report's keywords only to fold
  skip reasons (``"skip"``/``"pytestmark"``), pytest-html and junitxml not at all. A report that
  did not pass keeps them.

And once collection is done (workers) or the workers are being set up (controller), what is on
the heap (imports, collected items, profiles) lives to the end of the run: ``gc.freeze()`` moves
it out of the collector's way, so the collections during the tests and pytest's five at session
end walk only what the tests made. ``harness run``'s bench server does the same before it forks.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Generator
from typing import Any

import pytest

from harness.plugin.state import state_of

#: Report fields a reader defaults to empty when absent.
EMPTY_BY_DEFAULT = ("sections", "user_properties", "extras")
#: Controller: whether it moved itself to ``SCHED_BATCH`` (its workers then move back).
BATCHED_KEY = pytest.StashKey[bool]()


def slim(data: dict[str, Any]) -> dict[str, Any]:
    """The serialised report without what its reader would default (see the module doc)."""
    for key in EMPTY_BY_DEFAULT:
        if key in data and not data[key]:
            del data[key]
    if data.get("outcome") == "passed" and data.get("$report_type") == "TestReport":
        data["keywords"] = {}
    return data


@pytest.hookimpl(wrapper=True)
def pytest_report_to_serializable(config: pytest.Config, report: Any) -> Generator[None, Any, Any]:
    data = yield
    if isinstance(data, dict) and state_of(config).is_worker:
        return slim(data)
    return data


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    if state_of(session.config).is_worker:
        gc.freeze()


@pytest.hookimpl(optionalhook=True, trylast=True)
def pytest_xdist_setupnodes(config: pytest.Config, specs: Any) -> None:
    gc.freeze()
    config.stash[BATCHED_KEY] = to_batch_policy()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    node.workerinput["harness_sched_batched"] = node.config.stash.get(BATCHED_KEY, False)


def pytest_configure(config: pytest.Config) -> None:
    workerinput = getattr(config, "workerinput", None)
    if workerinput and workerinput.get("harness_sched_batched"):
        to_other_policy()


def to_batch_policy() -> bool:
    """The controller as ``SCHED_BATCH`` (Linux): its wakeups, one for each of the six messages a
    test sends, stop preempting the workers that run the tests. Measured (#16): the controller's
    CPU with two workers 2.0 -> 1.0 s, each worker's involuntary switches ~10,000 -> ~1,800. Only from the
    default policy (a run started under ``chrt`` keeps its own); True when changed."""
    try:
        if os.sched_getscheduler(0) != os.SCHED_OTHER:
            return False
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux, or refused: the run is only slower
        return False
    return True


def to_other_policy() -> None:
    """A worker back to the default policy its controller left (a policy is inherited by the
    processes it starts): the worker talks to the devices and keeps their latencies."""
    try:
        if os.sched_getscheduler(0) == os.SCHED_BATCH:
            os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    except (AttributeError, OSError):
        pass
