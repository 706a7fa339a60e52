"""SECMP0002-R4 with ``power_loss: switch``, no hardware: the real suite test
(``test_atomicity.py``) runs in its own pytest process against an ESME behind
``harness emulate --no-control --switches`` (a real pty, ``type: serial``), its supply cut by the
harness through labgrid's NetworkPowerDriver right after the reset is written. A compliant meter
passes whether the cut lands inside its processing window (nothing applied, nothing sent) or after
it (the reset done and answered); a meter leaving the reset half applied fails R4."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.lab.conftest import need_labgrid

ROOT = Path(__file__).resolve().parents[2]
DEVICES = ROOT / "device_profiles" / "devices"
SUITE = "tests/compliance/secmp0002/test_atomicity.py"


def _bench(tmp_path: Path, emulator: str) -> Path:
    path = tmp_path / "cut-esme.yaml"
    path.write_text(
        "kind: bench\nname: cut-esme\n"
        "connection:\n  type: serial\n"
        f"  command: [python3, -m, harness.cli, emulate, --profile, '{path}', --serial, pty, --no-control, "
        "--switches, '127.0.0.1:0']\n"
        "timeouts: {response_s: 10, restart_s: 20}\n"
        "devices:\n"
        f"  - profile: {DEVICES / 'chf-sbch-new.yaml'}\n  - profile: {DEVICES / 'gpf-sbch-new.yaml'}\n"
        f"  - profile: {DEVICES / 'esme.yaml'}\n"
        "    behaviours: {payment_mode: prepayment}\n"
        "    stimuli: {power_loss: switch, clock: wait, state: none}\n"
        f"    emulator: {emulator}\n"
        "lab:\n  power:\n    ESME:\n"
        "      resources: {NetworkPowerPort: {model: simplerest, host: '{switches}', index: 1}}\n"
        "      drivers: {NetworkPowerDriver: {}}\n      off_s: 0.3\n", encoding="utf-8")
    return path


def _run(bench: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    records = tmp_path / "records.jsonl"
    cmd = [sys.executable, "-m", "pytest", SUITE, "-k", "ESME", "-q", "-rs", "-p", "no:randomly",
           "-p", "no:xdist", "--bench", str(bench), "--records", str(records)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARNESS_") and k != "PYTEST_ADDOPTS"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    lines = records.read_text(encoding="utf-8").splitlines() if records.exists() else []
    return run, [json.loads(line) for line in lines if line.strip()]


def _reset_replies(record: dict[str, Any]) -> list[str]:
    return [str(x.get("summary")) for x in record.get("exchanges", [])
            if x.get("direction") == "rx" and str(x.get("summary", "")).startswith("ECS07r")]


@pytest.mark.parametrize("emulator,reply", [
    ("{processing_ms: 2000}", "no response"),  # the cut lands inside the window: the reset is lost
    ("{processing_ms: 0}", "success"),  # the reset is done and answered before the cut
], ids=["cut-before-completion", "cut-after-completion"])
def test_a_compliant_meter_passes_wherever_the_cut_lands(tmp_path: Path, emulator: str, reply: str) -> None:
    need_labgrid()
    run, records = _run(_bench(tmp_path, emulator), tmp_path)
    out = run.stdout[-3000:] + run.stderr[-2000:]
    assert run.returncode == 0, out
    assert [r["outcome"] for r in records] == ["passed"] * 3, out
    for record in records:
        replies = _reset_replies(record)
        assert len(replies) == 1 and reply in replies[0], replies


def test_a_reset_half_applied_fails_r4(tmp_path: Path) -> None:
    need_labgrid()
    run, records = _run(_bench(tmp_path, "{processing_ms: 2000, faults: [reset_half_applied_on_error]}"), tmp_path)
    out = run.stdout[-3000:] + run.stderr[-2000:]
    assert run.returncode == 1, out
    assert [r["outcome"] for r in records] == ["failed"] * 3, out
    for record in records:
        message = str((record.get("failure") or {}).get("message", ""))
        assert "SECMP0002-R4 ECS07r reset " in message and "interrupted by a supply cut" in message, message
        assert "neither unchanged (the reset lost) nor exactly the reset applied" in message, message
