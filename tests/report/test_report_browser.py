"""Headless Chromium opens a report full of script payloads: nothing runs.

A control page (same payloads, unescaped, no CSP) proves this browser set-up does run scripts,
so the check on the real report can fail."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from report_factory import XSS_ELEMENT, XSS_IMG, XSS_SCRIPT, xss_record

from harness.report.html import render_cycle
from harness.report.store import CycleStore

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (CI: apt-get install chromium; scripts/setup does it)"
)


def _dump_dom(page: Path, profile: Path) -> str:
    """The DOM once the page's own scripts (pytest-html renders its rows with them) and the
    events they cause (an image's onerror) have run: a virtual-time budget lets them."""
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--virtual-time-budget=5000", f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=90,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _title(dom: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", dom, re.S)
    return match.group(1) if match else ""


def test_control_page_shows_the_browser_runs_scripts(tmp_path: Path) -> None:
    control = tmp_path / "control.html"
    control.write_text(f"<html><head><title>control</title></head><body>{XSS_SCRIPT}{XSS_ELEMENT}</body></html>",
                       encoding="utf-8")
    dom = _dump_dom(control, tmp_path / "profile")
    assert _title(dom) == "PWNED-SCRIPT"
    assert "<pwned-element>" in dom


def test_report_payloads_do_not_run(tmp_path: Path) -> None:
    with CycleStore(tmp_path / "cycles.sqlite") as store:
        store.start_cycle("CXSS", {})
        store.add_record("CXSS", xss_record())
        report = tmp_path / "report.html"
        render_cycle(store, "CXSS", report)
    dom = _dump_dom(report, tmp_path / "profile")
    assert _title(dom) == "GBCS compliance report CXSS"
    assert "PWNED" not in _title(dom)
    assert "<pwned-element" not in dom
    assert not re.search(r"<img\b", dom) and not re.search(r"<script\b", dom)
    # The payloads are there, as visible text.
    assert "document.title='PWNED-IMG'" in dom and "onerror" in dom
    assert XSS_IMG not in dom


PYTEST_HTML_SUITE = f'''
import pytest
from pytest_html import extras as html_extras

@pytest.mark.parametrize("x", [pytest.param(1, id={XSS_IMG!r})])
def test_payload(x, extras):
    extras.append(html_extras.text("exchange log", name={XSS_IMG!r}))
    assert False, {XSS_SCRIPT!r}

def test_skipped():
    pytest.skip({XSS_ELEMENT!r})
'''


def _pytest_html_page(pytester: pytest.Pytester, *plugins: str) -> Path:
    pytester.makepyfile(test_hostile=PYTEST_HTML_SUITE)
    out = pytester.path / f"pytest-html{len(plugins)}.html"
    pytester.runpytest_subprocess("--html", str(out), "--self-contained-html", "-p", "no:cacheprovider",
                                  *[a for p in plugins for a in ("-p", p)])
    assert out.is_file()
    return out


def test_pytest_html_control_page_runs_the_test_id_payload(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """Without our hooks pytest-html puts the test id in as markup: this set-up would catch it."""
    # the harness plugin loads our hooks with it (issue 15): block them for the control
    dom = _dump_dom(_pytest_html_page(pytester, "no:harness.report.pytest_html_hooks"), tmp_path / "profile")
    assert _title(dom) == "PWNED-IMG"


def test_per_bench_pytest_html_payloads_do_not_run(pytester: pytest.Pytester, tmp_path: Path) -> None:
    page = _pytest_html_page(pytester, "harness.report.pytest_html_hooks")
    dom = _dump_dom(page, tmp_path / "profile")
    assert "PWNED" not in _title(dom) and "<pwned-element" not in dom
    assert not re.search(r"<img\b[^>]*onerror", dom)
    assert "test_payload[" in dom and "document.title=" in dom  # shown, as text
