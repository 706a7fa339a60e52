"""The harness pytest plugin (pytest11 entry point ``harness = "harness.plugin"``).

Options (options.py), markers (markers.py), fixtures (fixtures.py), result records
(reporting.py), bench locks for xdist over a profile set (locks.py). One suite, any bench.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pytest

from harness import __version__
from harness.errors import HarnessError
from harness.plugin import markers
from harness.plugin.fixtures import (  # noqa: F401 - fixtures are registered by import
    _harness_bench_for_test,
    bench,
    chf,
    clock,
    esme,
    gpf,
    gsme,
    harness_fresh_bench,
    ihd,
    measure,
    power,
    ppmid,
)
from harness.plugin.options import add_options
from harness.plugin.realbench import announce
from harness.plugin.reporting import pytest_runtest_makereport  # noqa: F401 - hook
from harness.plugin.state import STATE_KEY, HarnessState, state_of

# per-test pcapng captures (--captures DIR); CapabilityMissing -> skip; JUnit XML properties;
# pytest-html columns/extras (every pytest-html hook is optional: harmless without pytest-html);
# slim xdist reports and a frozen heap (workers.py)
pytest_plugins = ["harness.plugin.capture", "harness.plugin.skips", "harness.plugin.junit",
                  "harness.report.pytest_html_hooks", "harness.plugin.workers"]


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    markers.register(config)
    state = HarnessState(config)
    config.stash[STATE_KEY] = state
    if getattr(config.option, "collectonly", False) and not (state.set_path or config.getoption("harness_bench")):
        return
    try:
        state.validate()
    except HarnessError as exc:
        raise pytest.UsageError(f"harness: {exc}") from None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller: every worker writes records under the same cycle id."""
    node.workerinput["harness_cycle_id"] = state_of(node.config).cycle_id


def pytest_sessionstart(session: pytest.Session) -> None:
    state = state_of(session.config)
    if not state.is_worker and state.store_path:
        ident = state.bench_identity()
        state.start_cycle({
            "bench_paths": [state.bench_path] if state.bench_path else list(state.set_members),
            "bench_names": [ident.name] if ident.name else [],
            "profile_set": state.set_path, "harness_version": __version__,
            "started": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        })
        state.record_bench_start()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A misspelt severity marker stops the run at collection (a usage error naming the test),
    never turning into another severity in the record and so in the defect mask."""
    for item in items:
        markers.severity(item)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Before a run on a bench without control: the planned duration of its real waits."""
    state = state_of(session.config)
    if state.is_worker or state.set_path or getattr(session.config.option, "collectonly", False):
        return
    profile = state.loaded_profile
    if profile is not None:
        announce(session.config, list(session.items), profile)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip, with the reason, a test needing a device/capability/GBCS version the bench lacks."""
    if not any(item.iter_markers(name) for name in ("device", "capability", "gbcs")):
        return
    reason = markers.skip_reason(item, state_of(item.config).profile)
    if reason:
        pytest.skip(reason)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = state_of(session.config)
    if not state.is_worker and state.store_path:
        state.record_bench_end(int(exitstatus))  # the cycle itself is closed only by harness run


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE_KEY, None)
    if state is not None:
        state.close()
