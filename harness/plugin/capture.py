"""Per-test pcapng captures: ``--captures DIR`` (env ``HARNESS_CAPTURES``).

For every test that uses the bench, a ``CaptureWriter`` listens to the bench transport's
ExchangeLog from the start of setup to the end of teardown and writes
``DIR/<bench name>/<sanitised test id>.pcapng`` (section comment and packet comments name the
test and the bench). A test that exchanged no frame leaves no file. The record's ``capture``
is the file's path relative to DIR's parent (the cycle's report folder under ``harness run``),
with ``/`` separators, so the HTML report next to DIR links it as it is.
With ``HARNESS_CAPTURES_KEEP=failed`` (``harness run`` without ``--all-captures``) only the
captures of tests that did not pass (failed, bench error) are kept.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from harness.errors import CapabilityMissing
from harness.plugin.fixtures import HARNESS_FIXTURES
from harness.plugin.options import option
from harness.plugin.state import STATE_KEY, HarnessState
from harness.records import TestRecord
from harness.vocabulary import NOT_FAILING

MAX_NAME = 120
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def sanitise(text: str, max_len: int = MAX_NAME) -> str:
    """A file-name-safe form of a test id or bench name (``tests/a.py::t[x]`` -> ``tests_a.py__t_x``);
    names cut to ``max_len`` get a short hash of the full text so they stay distinct."""
    name = _UNSAFE.sub("_", text.replace("::", "__")).strip("._") or "test"
    if len(name) > max_len:
        name = name[:max_len].rstrip("._") + "-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return name


class CaptureSession:
    """The captures of one pytest process: the open writer (one test at a time) and the finished
    captures waiting for their record."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self.disabled: str | None = None  # why captures stopped (python-pcapng missing...)
        self._writer: Any = None
        self._logs: list[Any] = []
        self._nodeid = ""
        self._pending: dict[str, str] = {}
        self._owners: dict[Path, str] = {}

    def path_for(self, nodeid: str, bench_name: str) -> Path:
        """``root/<bench>/<test>.pcapng``, unique per test id in this process."""
        path = self.root / sanitise(bench_name) / f"{sanitise(nodeid)}.pcapng"
        owner = self._owners.setdefault(path, nodeid)
        if owner != nodeid:
            digest = hashlib.sha1(nodeid.encode("utf-8")).hexdigest()[:8]
            path = path.with_name(f"{path.stem}-{digest}.pcapng")
            self._owners[path] = nodeid
        return path

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root.parent).as_posix()

    def start(self, nodeid: str, bench: Any, cycle_id: str | None) -> None:
        """Capture everything the bench's transport logs until ``stop``."""
        self.stop()
        if self.disabled:
            return
        from harness.capture import CaptureWriter

        logs = list(getattr(bench, "exchange_logs", None) or [bench.transport.log])  # one per connection
        name = str(getattr(bench, "name", "bench"))
        comment = f"test {nodeid} on bench {name}" + (f" (cycle {cycle_id})" if cycle_id else "")
        try:
            writer = CaptureWriter(self.path_for(nodeid, name), comment, test=f"{nodeid} @ {name}")
        except (CapabilityMissing, OSError) as exc:
            self.disabled = str(exc)
            raise
        for log in logs:
            log.add_listener(writer.on_event)
        self._writer, self._logs, self._nodeid = writer, logs, nodeid

    def stop(self) -> str | None:
        """Stop the running capture; its relative path (None, and no file, when it is empty)."""
        writer, logs = self._writer, self._logs
        if writer is None:
            return None
        self._writer, self._logs = None, []
        for log in logs:
            log.remove_listener(writer.on_event)
        writer.close()
        path = Path(writer.path)
        if writer.count == 0:
            path.unlink(missing_ok=True)
            return None
        rel = self.relative(path)
        self._pending[self._nodeid] = rel
        return rel

    def take(self, nodeid: str) -> str | None:
        """The finished capture of ``nodeid`` (once)."""
        return self._pending.pop(nodeid, None)


CAPTURE_KEY = pytest.StashKey[CaptureSession]()
# "failed": keep the captures of failed tests and bench errors only (``harness run``'s default,
# which keeps a cycle folder small); "all" (the default of a plain pytest run): every capture.
KEEP_ENV = "HARNESS_CAPTURES_KEEP"


def session_of(config: pytest.Config) -> CaptureSession | None:
    return config.stash.get(CAPTURE_KEY, None)


def _name_captures_in_records(state: HarnessState, session: CaptureSession) -> None:
    """Records are written by ``state.write``: fill in ``capture`` on the way."""
    original = state.write

    keep_all = os.environ.get(KEEP_ENV, "all").strip().lower() != "failed"

    def write(record: TestRecord) -> None:
        if record.capture is None:
            record.capture = session.take(record.nodeid)
            if record.capture and not keep_all and record.outcome.value in NOT_FAILING | {"skipped"}:
                (session.root.parent / record.capture).unlink(missing_ok=True)  # keep failures' only
                record.capture = None
        original(record)

    state.write = write  # type: ignore[method-assign]


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    root = option(config, "captures")
    state = config.stash.get(STATE_KEY, None)
    if not root or state is None:
        return
    session = CaptureSession(root)
    config.stash[CAPTURE_KEY] = session
    _name_captures_in_records(state, session)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, Any]:
    session = session_of(item.config)
    if session is not None and not session.disabled and HARNESS_FIXTURES & set(getattr(item, "fixturenames", ())):
        state = item.config.stash[STATE_KEY]
        try:
            bench = state.bench
        except Exception:  # noqa: BLE001 - the bench fixture reports why the bench cannot start
            bench = None
        if bench is not None:
            try:
                session.start(item.nodeid, bench, state.cycle_id)
            except (CapabilityMissing, OSError) as exc:
                item.warn(pytest.PytestWarning(f"harness: captures switched off: {exc}"))
    return (yield)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, Any, Any]:
    try:
        return (yield)
    finally:
        session = session_of(item.config)
        if session is not None:
            session.stop()


def pytest_unconfigure(config: pytest.Config) -> None:
    session = session_of(config)
    if session is not None:
        session.stop()
