"""Acceptance: two `harness run` processes on two benches (two PCs of a lab) write one cycle into
one PostgreSQL store; the cycle is complete only after the last declared bench ended;
`harness cycles list --store URL` shows it complete with both benches' results and
`harness report ID --store URL` builds one report with a section per bench."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEVICES = ROOT / "device_profiles" / "devices"
SUITE = '''
import os, time
import pytest

@pytest.mark.requirement("SECMP0015-FR4")
def test_reading_on_this_bench():
    release = os.environ.get("HOLD_UNTIL")  # the test lets this bench end by creating the file
    deadline = time.monotonic() + 300
    while release and not os.path.exists(release) and time.monotonic() < deadline:
        time.sleep(0.1)

@pytest.mark.requirement("SECMP0002-R1")
def test_other():
    pass
'''


def _lab(root: Path) -> Path:
    (root / "suite").mkdir()
    (root / "suite" / "test_lab.py").write_text(SUITE, encoding="utf-8")
    for name, ch in (("bench-pc1", "sbch"), ("bench-pc2", "dbch")):
        (root / f"{name}.yaml").write_text(
            f"kind: bench\nname: {name}\nconnection: {{type: emulated}}\n"
            f"devices:\n  - profile: {DEVICES / 'chf-sbch-new.yaml'}\n  - profile: {DEVICES / 'esme.yaml'}\n"
            f"lab:\n  tags: {{ch: {ch}}}\n", encoding="utf-8")
    lab_set = root / "lab.yaml"
    lab_set.write_text("kind: profile_set\nname: lab\nbenches: [bench-pc1.yaml, bench-pc2.yaml]\n", encoding="utf-8")
    return lab_set


def _harness(root: Path, *args: str, hold_until: Path | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOLD_UNTIL": str(hold_until or ""),
           "HARNESS_LOCK_DIR": str(root / "locks")}
    for name in ("HARNESS_STORE", "HARNESS_LOCKS", "PYTEST_XDIST_WORKER"):
        env.pop(name, None)
    return subprocess.Popen([sys.executable, "-c", "import sys; from harness.cli import main; sys.exit(main())",
                             *args], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _cycles(root: Path, url: str, *args: str) -> str:
    proc = _harness(root, "cycles", "--store", url, *args)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode in (0, 1, 3), out
    return out


def test_two_pcs_one_cycle_in_postgresql(tmp_path: Path, pg_url: str) -> None:
    lab_set = _lab(tmp_path)
    common = ["--profile-set", str(lab_set), "--cycle-id", "LAB-1", "--store", pg_url, "--suites",
              str(tmp_path / "suite"), "--reports", str(tmp_path / "reports")]
    release = tmp_path / "release-pc2"
    pc2 = _harness(tmp_path, "run", *common, "--only", "bench-pc2", hold_until=release)
    pc1 = _harness(tmp_path, "run", *common, "--only", "bench-pc1")
    out1, _ = pc1.communicate(timeout=180)
    assert pc1.returncode == 0, out1
    assert pc2.poll() is None, "bench-pc2 must still be running"
    running = json.loads(_cycles(tmp_path, pg_url, "--json", "list"))
    assert [c["state"] for c in running] == ["running"], "complete only after the last declared bench"
    assert "waits for bench-pc2" in out1
    assert pc2.poll() is None
    release.touch()
    out2, _ = pc2.communicate(timeout=180)
    assert pc2.returncode == 0, out2
    listed = json.loads(_cycles(tmp_path, pg_url, "--json", "list"))
    assert len(listed) == 1
    cycle = listed[0]
    assert cycle["id"] == "LAB-1" and cycle["state"] == "complete", cycle
    assert cycle["meta"]["bench_names"] == ["bench-pc1", "bench-pc2"]
    assert cycle["counts"] == {"passed": 4}
    text = _cycles(tmp_path, pg_url, "list")
    assert "LAB-1" in text and "complete" in text
    assert "bench-pc1 on " in text and "bench-pc2 on " in text and "2 passed (ended)" in text, text
    show = json.loads(_cycles(tmp_path, pg_url, "--json", "show", "LAB-1"))
    assert {r["bench"]["name"] for r in show["records"]} == {"bench-pc1", "bench-pc2"}
    report = tmp_path / "lab-report.html"
    proc = _harness(tmp_path, "report", "LAB-1", "--store", pg_url, "--out", str(report))
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0 and "4 records" in out, out
    html = report.read_text(encoding="utf-8")
    assert "bench-pc1" in html and "bench-pc2" in html and "complete" in html
