"""JUnit XML properties (``pytest --junitxml``): what a CI dashboard shows next to a test.

Per test, through the report's ``user_properties`` (what ``record_property`` fills; written for
every junit family): ``requirement`` (one per id), ``severity``, ``bench``, ``bench_profile``,
``device.<ROLE>`` (name, EUI) and ``device.<ROLE>.firmware``, ``waiver`` (reason, requirement,
device), ``outcome`` (the harness's outcome word) and ``outcome_detail`` (failure message, skip
or waiver reason, bench error). Per run, as ``<testsuite>`` properties (what
``record_testsuite_property`` fills): ``cycle_id``, ``profile_set``, ``bench``/``benches``,
``harness_version``. Values come from the test's result record, so the XML and the cycle store
say the same thing.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from harness import __version__
from harness.plugin.state import STATE_KEY
from harness.records import TestRecord
from harness.vocabulary import Outcome


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())  # one line for a dashboard cell


def _detail(record: TestRecord) -> str:
    if record.outcome is Outcome.WAIVED and record.waiver:
        message = record.failure.message if record.failure else ""
        return f"waived: {record.waiver.reason}" + (f" (failure: {message})" if message else "")
    if record.failure:
        return record.failure.message
    return record.skip_reason or ""


def properties_of(record: TestRecord) -> list[tuple[str, str]]:
    """The ``(name, value)`` properties of one test's record, in a stable order."""
    props: list[tuple[str, str]] = [("requirement", _text(r)) for r in record.requirements]
    props.append(("severity", record.severity.value))
    if record.bench.name:
        props.append(("bench", _text(record.bench.name)))
    if record.bench.path:
        props.append(("bench_profile", _text(record.bench.path)))
    for device in record.devices:
        role = device.role.value
        who = " ".join(_text(v) for v in (device.manufacturer, device.model, device.name) if v)
        eui = _text(device.eui)
        props.append((f"device.{role}", f"{who} (EUI {eui})" if eui else who))
        props.append((f"device.{role}.firmware", _text(device.firmware) or "unknown"))
    if record.waiver:
        w = record.waiver
        where = ", ".join(f"{k} {v}" for k, v in (("requirement", w.requirement), ("test", w.test),
                                                   ("device", w.device)) if v)
        props.append(("waiver", _text(w.reason) + (f" [{where}]" if where else "")))
    props.append(("outcome", record.outcome.value))
    props.append(("attempt", str(record.attempt)))  # 2, 3...: a rerun (pytest-rerunfailures)
    detail = _detail(record)
    if detail:
        props.append(("outcome_detail", _text(detail)[:2000]))
    return props


WRITTEN_KEY = pytest.StashKey[dict[str, TestRecord]]()


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """Keep each record as the plugin writes it (``state.write``), for the teardown report."""
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        return
    written: dict[str, TestRecord] = {}
    config.stash[WRITTEN_KEY] = written
    original = state.write

    def write(record: TestRecord) -> None:
        written[record.nodeid] = record
        original(record)

    state.write = write  # type: ignore[method-assign]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Outermost wrapper: after the plugin has settled the outcome and written the record
    (reporting.py), put the record's properties on the teardown report (the one junitxml reads)."""
    report: pytest.TestReport = yield
    written = item.config.stash.get(WRITTEN_KEY, None)
    if report.when == "teardown" and written is not None:
        record = written.pop(item.nodeid, None)
        if record is not None and wants_properties(item.config):
            report.user_properties = [*report.user_properties, *properties_of(record)]
    return report


def wants_properties(config: pytest.Config) -> bool:
    """Whether a report file that reads them is written (JUnit XML, pytest-html). Without one
    the properties would only travel: under xdist every report is serialised to the controller,
    and they were a quarter of its bytes (#16)."""
    return bool(getattr(config.option, "xmlpath", None) or getattr(config.option, "htmlpath", None))


def suite_properties(config: pytest.Config) -> list[tuple[str, str]]:
    """The run's ``<testsuite>`` properties."""
    state = config.stash[STATE_KEY]
    props = [("cycle_id", _text(state.cycle_id)), ("harness_version", __version__)]
    if state.set_path:
        props.append(("profile_set", _text(state.set_path)))
        props.extend(("benches", _text(p)) for p in state.set_members)
    else:
        ident = state.bench_identity()
        if ident.name:
            props.append(("bench", _text(ident.name)))
        if ident.path:
            props.append(("bench_profile", _text(ident.path)))
    return props


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Controller only: junitxml writes the XML there (xdist workers have no LogXML)."""
    from _pytest.junitxml import xml_key

    xml = session.config.stash.get(xml_key, None)
    if xml is None or STATE_KEY not in session.config.stash:
        return
    for name, value in suite_properties(session.config):
        xml.add_global_property(name, value)
