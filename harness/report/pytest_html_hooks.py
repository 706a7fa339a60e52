"""pytest-html 4 hooks: our summary above pytest-html's table and requirement/severity columns.

Loaded with the harness plugin (its ``pytest_plugins``), so any ``pytest --html`` run gets the
columns and extras without ``-p`` (``harness run`` also passes ``-p``: loaded once). Harmless
without pytest-html: every pytest-html hook is optional. pytest-html inserts these strings as
HTML, so every value is escaped here, and the test-id and links cells pytest-html builds itself
from raw strings are rebuilt escaped (the log it escapes already).
"""

from __future__ import annotations

from collections.abc import Generator
from html import escape
from typing import Any

import pytest

from harness import __version__
from harness.vocabulary import DEFAULT_SEVERITY


def _option(config: pytest.Config, name: str) -> str:
    try:
        value = config.getoption(name, default=None)
    except ValueError:
        value = None
    return "" if value is None else str(value)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """Carry the requirement and severity markers onto the report for the table row hook."""
    outcome = yield
    if not getattr(item.config.option, "htmlpath", None):
        return  # only pytest-html's table reads them; under xdist every report attribute travels
    report = outcome.get_result()
    requirements = [str(a) for m in item.iter_markers("requirement") for a in m.args]
    severity = next((str(m.args[0]) for m in item.iter_markers("severity") if m.args), DEFAULT_SEVERITY)
    report.harness_requirements = requirements
    report.harness_severity = severity


@pytest.hookimpl(optionalhook=True)
def pytest_html_report_title(report: Any) -> None:
    report.title = f"harness {__version__}: pytest-html results"


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_summary(prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session) -> None:
    config = session.config
    cycle = _option(config, "harness_cycle_id")
    bench = _option(config, "harness_bench") or "emulated default bench"
    prefix.append(
        "<p><b>GBCS compliance harness</b> "
        f"{escape(__version__)} &mdash; cycle <code>{escape(cycle or '(none)')}</code> &mdash; bench "
        f"<code>{escape(bench)}</code>. The compliance report (report.html beside this file) carries "
        "the defect-mask verdict, devices, traceability and decoded exchanges.</p>"
    )


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_header(cells: list[str]) -> None:
    cells.insert(2, "<th>Requirements</th>")
    cells.insert(3, "<th>Severity</th>")


_LINK = '<a target="_blank" href="{href}" class="col-links__extra {kind}">{name}</a>'


def _safe_href(value: Any) -> str:
    """An extra's link target without a script scheme (pytest-html puts it in as it is)."""
    text = str(value or "")
    scheme = text.split(":", 1)[0].strip().lower() if ":" in text else ""
    return "" if scheme in ("javascript", "vbscript") else escape(text)


def _escape_cells(report: Any, cells: list[str]) -> None:
    """pytest-html 4 builds the test-id and links cells from raw strings (a test id or an extra's
    name holding ``<img onerror=...>`` runs in the browser): rebuild both escaped."""
    for i, cell in enumerate(cells):
        if cell.startswith('<td class="col-testId">'):
            test_id = str(report.nodeid) + ("" if report.when == "call" else f"::{report.when}")
            cells[i] = f'<td class="col-testId">{escape(test_id)}</td>'
        elif cell.startswith('<td class="col-links">'):
            links = [e for e in getattr(report, "extras", []) or []
                     if isinstance(e, dict) and e.get("format_type") in ("json", "text", "url")]
            cells[i] = '<td class="col-links">' + "".join(
                _LINK.format(href=_safe_href(e.get("content")), kind=escape(str(e.get("format_type"))),
                             name=escape(str(e.get("name") or ""))) for e in links) + "</td>"


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_row(report: Any, cells: list[str]) -> None:
    _escape_cells(report, cells)
    requirements = getattr(report, "harness_requirements", []) or []
    cells.insert(2, f"<td>{escape(', '.join(requirements))}</td>")
    cells.insert(3, f"<td>{escape(str(getattr(report, 'harness_severity', '')))}</td>")
