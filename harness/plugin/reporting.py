"""Result records: built in ``pytest_runtest_makereport`` phase by phase, written when the
test's teardown ends (JSON Lines and cycle store). Also waivers, measurement verdicts and the
pytest-html extras.

Outcomes (``harness.vocabulary.Outcome``). A test that raised is *failed* when the device did not
do what the spec says, and a *bench error* when the harness could not ask (:func:`bench_trouble`):

* bench error: the port is missing, busy or vanished, the line stayed corrupted beyond resync
  (``FramingError``), any other ``TransportError`` except a timeout, the bench could not start
  (``BenchError``), a broken profile or keystore, a command the harness could not build
  (``EncodeError``), and any exception that is not a verdict (``TypeError``, ``KeyError``, ...:
  a harness bug). Bench errors never count against the defect mask; they make the cycle
  inconclusive.
* failed: an assertion (or ``pytest.fail``), and what a device did wrong: ``DeviceError``,
  ``DecodeError`` (malformed bytes from the device), ``SecurityError`` (a bad MAC or signature),
  and ``TransportTimeout`` -- **a device that never answers a valid command on a working line
  is a defect**. The rule rests on what the transport can tell apart: a serial port that is gone
  raises ``PortVanished`` (ENXIO/EIO on read, ENOENT on open), a pty or TCP peer that died closes
  the line (``PortVanished``); only a line that is still there and silent times out.
"""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

import pytest

from harness.errors import (
    BenchError,
    DecodeError,
    DeviceError,
    EncodeError,
    HarnessError,
    KeystoreError,
    ProfileError,
    SecurityError,
    TransportError,
    TransportTimeout,
)
from harness.plugin import markers
from harness.plugin.item import ItemState, fresh_item_state, item_state
from harness.plugin.state import state_of
from harness.records import ExchangeRecord, Failure, TestRecord, Waiver
from harness.vocabulary import Outcome, Severity

# What the harness could not do (never the device's fault), and what the device did wrong.
_BENCH_TROUBLE = (BenchError, ProfileError, KeystoreError, EncodeError)
_DEVICE_FAULTS = (AssertionError, DeviceError, DecodeError, SecurityError, TransportTimeout)


HARNESS_BUG = "harness bug: "


def _chain(exc: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def bench_trouble(exc: BaseException) -> str | None:
    """Why ``exc`` means the harness could not ask the device (see the module doc), or None
    when it is a verdict on the device. The text names the cause (port, file:line)."""
    chain = _chain(exc)
    for link in chain:  # the deepest bench cause names the port or file best
        if isinstance(link, TransportError) and not isinstance(link, TransportTimeout):
            return f"{type(link).__name__}: {link}"
        if isinstance(link, _BENCH_TROUBLE) and not isinstance(link, BenchError):
            return f"{type(link).__name__}: {link}"
    if any(isinstance(link, BenchError) for link in chain):
        return str(next(link for link in chain if isinstance(link, BenchError)))
    if isinstance(exc, (_DEVICE_FAULTS, pytest.fail.Exception, pytest.skip.Exception)):
        return None
    if isinstance(exc, HarnessError):
        return f"{type(exc).__name__}: {exc}"
    if isinstance(exc, Exception):
        return f"{HARNESS_BUG}{type(exc).__name__}: {exc}"  # its traceback stays in the report
    return None  # KeyboardInterrupt and friends are not results


def _crash_message(report: pytest.TestReport) -> str:
    """The failure in the test's own words, every line (the report's expected-vs-actual box:
    per-push detail and the like), without the traceback."""
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message) if crash.message else ""
    text = report.longreprtext or ""
    return text.strip().splitlines()[-1] if text.strip() else ""


def _skip_reason(report: pytest.TestReport) -> str:
    if getattr(report, "wasxfail", None) is not None:
        return f"xfail: {report.wasxfail}" if report.wasxfail else "xfail"
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        text = str(longrepr[2])
    else:
        text = report.longreprtext or ""
    return text[len("Skipped: "):] if text.startswith("Skipped: ") else text


def _measurement_failures(st: ItemState) -> list[str]:
    lines = []
    for m in st.measurements:
        if not m.passed:
            limits = []
            if m.expected is not None:
                limits.append(f"expected {m.expected!r}")
            if m.low is not None:
                limits.append(f">= {m.low}")
            if m.high is not None:
                limits.append(f"<= {m.high}")
            units = f" {m.units}" if m.units else ""
            lines.append(f"measurement {m.name} = {m.value!r}{units} out of limits ({', '.join(limits)})")
    return lines


def _waiver_for(item: pytest.Item) -> Waiver | None:
    hs = state_of(item.config)
    profile = hs.loaded_profile
    if profile is None:
        return None
    return markers.find_waiver(item, profile)


def _exchange_text(exchanges: list[ExchangeRecord]) -> str:
    lines = []
    for ex in exchanges:
        lines.append(f"{ex.time} {ex.summary}")
        lines.append(f"    {ex.hex}")
    return "\n".join(lines)


def _attach_html(item: pytest.Item, report: pytest.TestReport, st: ItemState) -> None:
    """The exchanges as pytest-html extras, for a test that did not pass (a passed test's
    traffic is in the cycle store and, summarised, in the compliance report: attaching it to
    every test made each bench's pytest-html file ~2 MB)."""
    if not st.exchanges or not getattr(item.config.option, "htmlpath", None):
        return  # only when an HTML report is being written: extras travel with every report
    if st.outcome in (Outcome.PASSED, Outcome.SKIPPED, Outcome.WAIVED):
        return
    try:
        from pytest_html import extras as html_extras
    except ImportError:
        return
    extra = list(getattr(report, "extras", []))
    extra.append(html_extras.text(_exchange_text(st.exchanges), name="GBCS exchanges"))
    decoded = json.loads(json.dumps([x.to_dict() for x in st.exchanges], default=str))
    extra.append(html_extras.json(decoded, name="GBCS exchanges (decoded)"))
    report.extras = extra  # type: ignore[attr-defined]


def _update(item: pytest.Item, report: pytest.TestReport, st: ItemState, trouble: str | None = None) -> None:
    when = report.when
    if report.failed and trouble is not None:
        if st.outcome is not Outcome.FAILED:  # a device failure already seen stands
            st.outcome = Outcome.BENCH_ERROR
            st.failure = Failure(f"bench error: {trouble}", report.longreprtext, kind=Outcome.BENCH_ERROR.value)
        return
    if report.skipped:
        if st.outcome is None:
            st.outcome = Outcome.WAIVED if st.waiver else Outcome.SKIPPED
            st.skip_reason = None if st.waiver else _skip_reason(report)
        return
    if report.failed:
        failure = Failure(_crash_message(report), report.longreprtext)
        if when == "call":
            st.outcome = Outcome.FAILED
            st.failure = failure
        elif st.outcome in (None, Outcome.PASSED, Outcome.WAIVED, Outcome.SKIPPED):
            st.outcome = Outcome.FAILED  # a fixture's check of the device (setup/teardown) failed
            st.failure = st.failure or failure
        return
    if when == "call" and st.outcome is None:
        st.outcome = Outcome.PASSED


def _with_date_times(exchanges: list[ExchangeRecord], outcome: Outcome | None) -> list[ExchangeRecord]:
    """The test's exchanges; for a test that did not pass, each with its date-times in words
    (``datetimes``, from the tree decoded on arrival), which the report shows beside the tree."""
    if outcome in (Outcome.PASSED, Outcome.SKIPPED):
        return list(exchanges)
    from harness.gbcs.words import date_times

    return [x if x.datetimes is not None else
            dataclasses.replace(x, datetimes=[(p, w) for p, w in date_times(x.decoded)]) for x in exchanges]


def build_record(item: pytest.Item, st: ItemState) -> TestRecord:
    hs = state_of(item.config)
    severity = Severity(markers.severity(item))  # checked at collection
    return TestRecord(
        nodeid=item.nodeid,
        name=item.name,
        outcome=st.outcome or Outcome.BENCH_ERROR,
        duration_s=round(time.monotonic() - st.t0, 6),
        started=st.started,
        cycle_id=hs.cycle_id,
        bench=hs.bench_identity(),
        devices=hs.device_identities(),
        requirements=markers.requirements(item),
        severity=severity,
        waiver=st.waiver,
        skip_reason=st.skip_reason,
        failure=st.failure,
        measurements=list(st.measurements),
        exchanges=_with_date_times(st.exchanges, st.outcome),
        attempt=int(getattr(item, "execution_count", 1) or 1),
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report: pytest.TestReport = yield
    st = item_state(item)
    trouble = None
    if report.failed and call.excinfo is not None:
        trouble = bench_trouble(call.excinfo.value)
        if trouble is not None and not trouble.startswith(HARNESS_BUG):  # one line, not a chained traceback
            report.longrepr = f"bench error ({report.when}): {trouble}"
    if report.when == "call" and trouble is None:
        failures = _measurement_failures(st)
        if report.passed and failures:
            report.outcome = "failed"
            report.longrepr = "\n".join(failures)
        if report.failed:
            waiver = _waiver_for(item)
            if waiver is not None:
                st.waiver = waiver
                st.failure = Failure(_crash_message(report), report.longreprtext)
                st.outcome = Outcome.WAIVED
                report.outcome = "skipped"
                report.wasxfail = f"waived: {waiver.reason}"  # pytest's xfail reason
    _update(item, report, st, trouble)
    if report.when == "teardown":
        _attach_html(item, report, st)
        state_of(item.config).write(build_record(item, st))
        fresh_item_state(item)  # a rerun (pytest-rerunfailures) is a new attempt with its own record
    return report
