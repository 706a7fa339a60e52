"""On a bench with no control channel and the wall clock (here: the emulator behind TCP, reached
as real hardware is), the S1SR clock-change tests and the DP093 Set Clock alert tests skip naming
the stimulus they lack, and the tests that need none (device logs, millipence) run and pass."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.records import read_records

ROOT = Path(__file__).resolve().parents[2]
TESTS = ["tests/compliance/secmp0002/test_s1sr_local_time.py", "tests/compliance/secmp0015/test_s1sr_local_time.py",
         "tests/compliance/secmp0002/test_s1sr_debt.py", "tests/compliance/dp093"]


@pytest.mark.slow
def test_clock_change_and_set_clock_tests_name_the_missing_stimulus(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARNESS_") and k != "PYTEST_ADDOPTS"}
    emu = subprocess.Popen([sys.executable, "-c", "from harness.cli import main; import sys; "
                            "sys.exit(main(['emulate', '--profile', 'default', '--tcp', '127.0.0.1:0']))"],
                           cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert emu.stdout is not None
        line = emu.stdout.readline()
        m = re.match(r"TCP ([\d.]+):(\d+)", line)
        assert m, line
        devices = (ROOT / "device_profiles" / "devices").as_posix()
        bench = tmp_path / "wall-clock.yaml"
        bench.write_text(f"""
kind: bench
name: wall-clock-tcp
connection: {{type: tcp, host: "{m.group(1)}", port: {m.group(2)}}}
devices:
  - profile: {devices}/chf-sbch-new.yaml
  - profile: {devices}/gpf-sbch-new.yaml
  - profile: {devices}/gsme-new.yaml
  - profile: {devices}/esme.yaml
  - profile: {devices}/ihd.yaml
""")
        records = tmp_path / "r.jsonl"
        proc = subprocess.run([sys.executable, "-m", "pytest", *TESTS, "-q", "-p", "no:cacheprovider", "-p",
                               "no:randomly", "-p", "no:xdist", "--bench", str(bench), "--records", str(records)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    finally:
        emu.terminate()
        emu.wait(10)
    got = {r.nodeid.split("::")[-1]: r for r in read_records(str(records))}
    assert got, proc.stdout[-3000:]
    for name, r in got.items():
        if "clock_change" in name:
            assert r.outcome == "skipped" and "restart_at" in (r.skip_reason or ""), (name, r.outcome, r.skip_reason)
        elif "set_clock_alert" in name:
            assert r.outcome == "skipped" and "clock_offset_s" in (r.skip_reason or ""), (name, r.outcome)
    ran = {n for n, r in got.items() if r.outcome == "passed"}
    assert {"test_device_log_lists_the_han_devices", "test_removed_device_moves_to_historic_log",
            "test_restored_device_reuses_its_historic_key"} <= ran, sorted(ran)
    assert any(n.startswith("test_debt_amounts_convert_exactly") for n in ran), sorted(ran)
