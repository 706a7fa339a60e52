"""The HTML report: content from the store alone, escaping of every record value, CSP, chart."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from report_factory import XSS_ELEMENT, XSS_IMG, XSS_SCRIPT, record, xss_record

from harness.gbcs.words import date_times
from harness.report.html import render_cycle
from harness.report.store import CycleStore


class _Scan(HTMLParser):
    """Every element and attribute as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.csp: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((k, v or "") for k, v in attrs)
        found = dict(attrs)
        if tag == "meta" and (found.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = found.get("content")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _scan(page: str) -> _Scan:
    scan = _Scan()
    scan.feed(page)
    return scan


def _seed(store: CycleStore) -> None:
    store.start_cycle("C1", {"bench_names": ["bench-a"], "mask": {"S3": 1}, "profile_set": "sets/pit.yaml"})
    store.add_record("C1", record("t.py::test_ok", "passed", requirements=("SECMP0015-FR4",)))
    store.add_record("C1", record("t.py::test_bad", "failed", requirements=("SECMP0015-FR4",)))
    store.finish_cycle("C1", {"met": True, "counts": {"S3": 1}, "limits": {"S1": 0, "S2": 0, "S3": 1, "S4": 0}},
                       state="complete")
    store.start_cycle("C2", {"bench_names": ["bench-a", "bench-b"], "profile_set": "sets/pit.yaml"})
    store.add_record("C2", record(
        "t.py::test_ok", "passed", requirements=("SECMP0015-FR4",),
        measurements=[{"name": "snapshot age", "value": 12, "units": "s", "low": 0, "high": 1800,
                       "expected": None, "verdict": "pass"}],
        exchanges=[{"use_case": "GCS60a", "direction": "rx", "time": "2024-05-01T10:00:01Z", "hex": "DD0000AB",
                    "decoded": {"date_time": {"iso": "2024-05-01T09:30:00Z", "status": "reliable, from GSME"},
                                "payload": {"reading_snapshot_date_time": "07E80501FF091E0000800004"}},
                    "summary": "ReadingSnapshotTime 2024-05-01 09:30:00Z status reliable, source GSME"}]))
    store.add_record("C2", record("t.py::test_bad", "passed", requirements=("SECMP0015-FR4",)))
    store.add_record("C2", record("t.py::test_reset", "waived", bench="bench-b", requirements=("SECMP0002-R3",),
                                  waiver={"reason": "ESME firmware 1.2 clears PDR late (DEV-42)",
                                          "requirement": "SECMP0002-R3"}))
    store.add_record("C2", record("t.py::test_skip", "skipped", bench="bench-b", requirements=("SECMP0002-R1",),
                                  skip_reason="bench lacks capability debt_register_reset"))
    store.finish_cycle("C2", {"met": True, "counts": {"S1": 0, "S2": 0, "S3": 0, "S4": 0},
                              "limits": {"S1": 0, "S2": 0, "S3": 0, "S4": 0}}, state="complete")


def test_first_screen_traceability_and_tests(store: CycleStore, tmp_path: Path) -> None:
    _seed(store)
    out = tmp_path / "C2" / "report.html"
    page = render_cycle(store, "C2", out)
    assert out.read_text(encoding="utf-8") == page
    head = page[: page.index('id="traceability"')]
    for expected in ("C2", "Harness version", "0.1.0", "bench-a", "bench-b", "00DB123456789002", "GPF new",
                     "devices/gpf-sbch-new.yaml", "Defect mask MET", "Open failures"):
        assert expected in head, expected
    matrix = page[page.index('id="traceability"'): page.index('id="waivers"')]
    assert "SECMP0015-FR4" in matrix and "SECMP0002-R3" in matrix and "waived" in matrix
    # SECMP0002-R1's only test skipped: the requirement is not verified, distinct from passed/failed
    r1 = matrix[matrix.index("SECMP0002-R1"):]
    assert "not verified on these benches" in r1[: r1.index("</div>")]
    waivers = page[page.index('id="waivers"'): page.index('id="chart"')]
    assert "ESME firmware 1.2 clears PDR late (DEV-42)" in waivers
    tests = page[page.index('id="tests"'):]
    assert "bench lacks capability debt_register_reset" in tests
    # A passed test is one row: its measurements and its traffic in one line (size: issue 12).
    passed = tests[tests.index('id="passed-tests"'):]
    assert "snapshot age = 12 s" in passed and "1 exchange: GCS60a rx 1" in passed and "DD0000AB" not in page
    # A failed test's traffic is shown in full: summary, date-times in words, hex, decoded tree.
    # the plugin records a failed test's date-times in words (decoded once, on arrival)
    exchange = [{**x.to_dict(), "datetimes": date_times(x.decoded)} for x in store.records("C2")[0].exchanges]
    store.start_cycle("C5", {"bench_names": ["bench-a"]})
    store.add_record("C5", record("t.py::test_bad", "failed", exchanges=exchange))
    tests = render_cycle(store, "C5")
    tests = tests[tests.index('id="tests"'):]
    assert "ReadingSnapshotTime 2024-05-01 09:30:00Z status reliable, source GSME" in tests
    assert "2024-05-01 09:30:00 (from GSME, reliable) [07E80501FF091E0000800004]" in tests  # in words
    assert "DD0000AB" in tests


def test_chart_is_an_svg_with_one_bar_per_cycle_and_requirement(store: CycleStore) -> None:
    _seed(store)
    page = render_cycle(store, "C2")
    chart = page[page.index('id="chart"'): page.index('id="tests"')]
    assert "<svg" in chart and "<table" not in chart
    scan = _scan(chart)
    # SECMP0015-FR4 ran in C1 and C2; the SECMP0002 requirements only in C2.
    assert scan.tags.count("rect") == 4
    assert "SECMP0015-FR4 in C1: 50% of 2 executed" in chart
    assert "SECMP0002-R1 in C2: nothing executed" in chart
    assert "C1 (incomplete)" not in chart and 'class="axis"' in chart and "C2" in chart  # labelled x-axis
    # Another profile set's cycle stays out of this chart; an incomplete cycle is marked.
    store.start_cycle("C3", {"bench_names": ["bench-z"], "profile_set": "sets/other.yaml"})
    store.add_record("C3", record("t.py::test_ok", "failed", requirements=("SECMP0015-FR4",)))
    store.start_cycle("C4", {"bench_names": ["bench-a"], "profile_set": "sets/pit.yaml"})
    store.add_record("C4", record("t.py::test_ok", "passed", requirements=("SECMP0015-FR4",)))
    store.finish_cycle("C4", {}, state="incomplete")
    page = render_cycle(store, "C4")
    chart = page[page.index('id="chart"'): page.index('id="tests"')]
    assert "C3" not in chart and "C4 (incomplete)" in chart and 'stroke-dasharray="2 2"' in chart
    assert "SECMP0015-FR4 in C4: 100% of 1 executed (incomplete cycle)" in chart
    # Rebuilding the older cycle shows only the history it had.
    old = render_cycle(store, "C1")
    assert _scan(old[old.index('id="chart"'): old.index('id="tests"')]).tags.count("rect") == 1


def test_an_unfinished_cycle_never_shows_met(store: CycleStore) -> None:
    store.start_cycle("C9", {"mask": {"S3": 1}, "bench_names": ["bench-a", "bench-b"]})
    store.add_record("C9", record("t.py::test_bad", "failed"))
    page = render_cycle(store, "C9")
    banner = page[page.index('id="verdict"'):page.index('id="mask"')]
    assert "MET" not in banner and "Running" in banner and "not finished" in page
    store.finish_cycle("C9", {}, state="incomplete")
    page = render_cycle(store, "C9")
    banner = page[page.index('id="verdict"'):page.index('id="mask"')]
    assert "MET" not in banner and "Inconclusive" in banner and "cycle incomplete" in banner
    incomplete = page[page.index('id="incomplete"'):]
    assert "bench-a" in incomplete and "bench-b" in incomplete and "never started" in incomplete
    assert "harness run --resume C9" in incomplete
    store.add_record("C9", record("t.py::test_worse", "failed"))
    assert "already exceed" in render_cycle(store, "C9")


def test_bench_errors_are_inconclusive_never_failures(store: CycleStore) -> None:
    store.start_cycle("CB", {"bench_names": ["bench-a"]})
    store.bench_started("CB", "bench-a")
    store.bench_ended("CB", "bench-a", exitstatus=1)
    for i in range(3):
        store.add_record("CB", record(f"t.py::test_{i}", "bench_error", requirements=("SECMP0002-R6",),
                                      failure={"message": "bench error: /dev/ttyNOPE: no such port", "text": ""}))
    store.add_record("CB", record("t.py::test_ok", "passed", requirements=("SECMP0015-FR4",)))
    store.finish_cycle("CB", {}, state="complete")
    page = render_cycle(store, "CB")
    banner = page[page.index('id="verdict"'):page.index('id="mask"')]
    assert "Inconclusive: bench error" in banner and "MET" not in banner
    errors = page[page.index('id="bench-errors"'):page.index('class="kv"')]
    assert "inconclusive: bench error" in errors and "/dev/ttyNOPE: no such port (3 tests)" in errors
    assert "SECMP0002-R6" in errors
    matrix = page[page.index('id="traceability"'): page.index('id="waivers"')]
    assert '<div class="o-inconclusive">inconclusive</div>' in matrix and 'td class="o-failed"' not in matrix
    mask = page[page.index('id="mask"'):page.index('</table>', page.index('id="mask"'))]
    assert ">1<" not in mask and ">3<" not in mask  # no open failures counted


def test_every_record_value_is_escaped(store: CycleStore) -> None:
    store.start_cycle("CX", {"bench_names": []})
    store.add_record("CX", xss_record())
    store.add_record("CX", record("t.py::w", "waived", waiver={"reason": XSS_IMG, "requirement": XSS_SCRIPT}))
    page = render_cycle(store, "CX")
    for payload in (XSS_SCRIPT, XSS_IMG, XSS_ELEMENT):
        assert payload not in page
    scan = _scan(page)
    assert "script" not in scan.tags and "img" not in scan.tags and "pwned-element" not in scan.tags
    assert not [k for k, _ in scan.attrs if k.lower().startswith("on")]
    text = "".join(scan.text)
    # The payloads are shown as text, where the reader can see them.
    assert XSS_SCRIPT in text and XSS_IMG in text and XSS_ELEMENT in text


def test_csp_forbids_scripts_and_allows_only_our_stylesheet(store: CycleStore) -> None:
    _seed(store)
    scan = _scan(render_cycle(store, "C2"))
    assert scan.csp is not None
    directives = dict(d.strip().split(" ", 1) for d in scan.csp.split(";") if d.strip())
    assert directives["default-src"] == "'none'" and directives["script-src"] == "'none'"
    assert directives["style-src"].startswith("'sha256-") and "unsafe-inline" not in scan.csp
    assert not [k for k, _ in scan.attrs if k == "style"]  # inline style attributes would be blocked


def test_a_failed_test_shows_every_failure_line_and_no_green_measurement(store: CycleStore) -> None:
    store.start_cycle("CM", {"bench_names": ["bench-a"]})
    store.add_record("CM", record(
        "t.py::test_every_push", "failed",
        failure={"message": "push 1: ok\npush 2: ReadingSnapshotTime missing\npush 3: ok", "text": "Traceback"},
        measurements=[{"name": "pushes", "value": 3, "units": None, "low": 1, "high": None, "expected": None,
                       "verdict": "pass"}],
        bench={"name": "bench-a", "path": "b.yaml", "connection": "emulated", "description": "Rig 7 " + XSS_IMG}))
    page = render_cycle(store, "CM")
    tests = page[page.index('id="tests"'):]
    assert "push 1: ok\npush 2: ReadingSnapshotTime missing\npush 3: ok" in tests
    row = tests[tests.index("<td>pushes</td>"):tests.index("</tr>", tests.index("<td>pushes</td>"))]
    assert "o-passed" not in row and "within limits (the test failed)" in row
    devices = page[page.index('id="devices"'):page.index('id="traceability"')]
    assert "Rig 7 &lt;img" in devices  # the bench description, escaped
