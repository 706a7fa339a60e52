"""JUnit XML properties per test and per suite, and the pytest-html columns/extras in a plain
``pytest --html`` run (no ``-p``), without breaking runs that have no pytest-html."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.profiles import default_bench_path

BENCHES = Path(default_bench_path()).parent
DEVICES = BENCHES.parent / "devices"

SUITE = '''
import pytest

@pytest.mark.requirement("SECMP0015-FR4")
@pytest.mark.requirement("SECMP0015-TR1")
@pytest.mark.severity("S2")
def test_gcs13a_time_from_gsme(gpf, gsme):
    gsme.push()
    assert gpf.send("GCS13a").require().clock_status.IsFromGSME

@pytest.mark.requirement("REQ-WAIVED")
@pytest.mark.severity("S1")
def test_known_deviation():
    assert 1 == 2, "device deviates"

@pytest.mark.requirement("REQ-FAILS")
def test_defect(gpf, gsme):
    gsme.push()
    gpf.send("GCS13a")
    assert 1 == 3, "register not reset"

@pytest.mark.device("PPMID")
def test_needs_ppmid(bench):
    pass
'''


def _bench(path: Path) -> Path:
    gsme = (DEVICES / "gsme-new.yaml").read_text(encoding="utf-8")
    gsme += "waivers:\n  - requirement: REQ-WAIVED\n    reason: vendor deviation D-17 accepted\n"
    (path / "gsme-waived.yaml").write_text(gsme)
    bench = path / "junit-bench.yaml"
    devices = [DEVICES / "chf-sbch-new.yaml", DEVICES / "gpf-sbch-new.yaml", path / "gsme-waived.yaml",
               DEVICES / "esme.yaml"]
    bench.write_text("kind: bench\nname: junit-bench\nconnection:\n  type: emulated\ndevices:\n"
                     + "".join(f"  - profile: {d}\n" for d in devices))
    return bench


def _props(element: ET.Element) -> list[tuple[str, str]]:
    node = element.find("properties")
    return [] if node is None else [(p.get("name", ""), p.get("value", "")) for p in node.findall("property")]




def _html_rows(page: str) -> list[dict[str, object]]:
    """pytest-html 4 keeps the results in a JSON blob on the page."""
    blob = re.search(r'data-jsonblob="([^"]*)"', page)
    assert blob, "no pytest-html data blob"
    data = json.loads(html.unescape(blob.group(1)))
    return [row for rows in data["tests"].values() for row in rows]


def _suite(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite is not None
    return suite


def test_junit_properties_and_plain_pytest_html(pytester: pytest.Pytester) -> None:
    """One plain run with --junitxml and --html (no -p): properties per test and per suite,
    and pytest-html's Requirements/Severity columns and GBCS extras."""
    pytest.importorskip("pytest_html")
    pytester.makepyfile(test_suite=SUITE)
    bench = _bench(pytester.path)
    result = pytester.runpytest_subprocess("--bench", str(bench), "--cycle-id", "C-JUNIT-1",
                                           "--junitxml", "j.xml", "--html", "r.html", "--self-contained-html")
    result.assert_outcomes(passed=1, failed=1, skipped=1, xfailed=1)
    suite = _suite(pytester.path / "j.xml")
    sprops = dict(_props(suite))
    assert sprops["cycle_id"] == "C-JUNIT-1"
    assert sprops["bench"] == "junit-bench"
    assert sprops["bench_profile"] == str(bench)
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", sprops["harness_version"])
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    good = _props(cases["test_gcs13a_time_from_gsme"])
    assert sorted(v for n, v in good if n == "requirement") == ["SECMP0015-FR4", "SECMP0015-TR1"]
    g = dict(good)
    assert g["severity"] == "S2" and g["bench"] == "junit-bench" and g["outcome"] == "passed"
    assert g["device.GSME.firmware"] == "3.0.0-secmp0015"
    assert "emulated-gsme" in g["device.GSME"] and "EUI" in g["device.GSME"]
    assert {"device.CHF.firmware", "device.GPF.firmware", "device.ESME.firmware"} <= set(g)
    assert "waiver" not in g and "outcome_detail" not in g
    waived = dict(_props(cases["test_known_deviation"]))
    assert waived["outcome"] == "waived" and waived["severity"] == "S1"
    assert waived["waiver"].startswith("vendor deviation D-17 accepted") and "REQ-WAIVED" in waived["waiver"]
    assert "device deviates" in waived["outcome_detail"]
    failed = dict(_props(cases["test_defect"]))
    assert failed["outcome"] == "failed" and failed["severity"] == "S3"
    assert "register not reset" in failed["outcome_detail"]
    skipped = dict(_props(cases["test_needs_ppmid"]))
    assert skipped["outcome"] == "skipped" and "PPMID" in skipped["outcome_detail"]

    page = (pytester.path / "r.html").read_text(encoding="utf-8")
    assert "<th>Requirements</th>" in page and "<th>Severity</th>" in page
    assert "GBCS compliance harness" in page  # our summary above the table
    rows = {str(r["testId"]).split("::")[-1]: r for r in _html_rows(page)}
    cells = " ".join(rows["test_gcs13a_time_from_gsme"]["resultsTableRow"])  # type: ignore[arg-type]
    req_cell = re.search(r"<td>(SECMP0015-[^<]*)</td>", cells)
    assert req_cell and sorted(req_cell.group(1).split(", ")) == ["SECMP0015-FR4", "SECMP0015-TR1"]
    assert "<td>S2</td>" in cells
    extras = [e["name"] for e in rows["test_defect"]["extras"]]  # type: ignore[union-attr]
    assert "GBCS exchanges" in extras  # a test that did not pass carries its traffic (issue 12: not a pass)


def test_junit_properties_under_xdist_without_pytest_html(pytester: pytest.Pytester) -> None:
    """Properties travel from xdist workers to the controller's XML; no pytest-html loaded."""
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess("-n", "2", "--cycle-id", "C-X", "--junitxml", "j.xml", "-p", "no:html")
    result.assert_outcomes(passed=1, failed=2, skipped=1)
    assert "pytest_html" not in result.stderr.str()
    suite = _suite(pytester.path / "j.xml")
    assert dict(_props(suite))["cycle_id"] == "C-X"
    cases = {c.get("name"): dict(_props(c)) for c in suite.iter("testcase")}
    assert cases["test_gcs13a_time_from_gsme"]["severity"] == "S2"
    assert cases["test_gcs13a_time_from_gsme"]["device.GSME.firmware"] == "3.0.0-secmp0015"
    assert cases["test_defect"]["outcome"] == "failed"
