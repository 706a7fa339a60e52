"""SECMP0002 "a reset survives a power cycle" through labgrid power, no hardware: the real suite test
(``test_persistence.py -k restart``) runs in its own pytest process on an emulated meter
(``harness emulate`` behind a pty) whose bench declares ``stimuli.restart: switch`` and
``lab.power``: labgrid's NetworkPowerDriver switches outlets of the small HTTP relay of
tests/lab/conftest.py, and each outlet switches an emulated meter's supply (the emulator's
``supply`` op over its TCP port). Off, the meter answers nothing; on again, it boots (the same
path as the emulator's ``restart``), so a meter keeping its reset in volatile memory
(``reset_lost_on_restart``) loses it and the test fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.transport import Frame, Transport, decode_control, transport_for
from tests.lab.conftest import PowerBackend, free_port, need_labgrid

ROOT = Path(__file__).resolve().parents[2]
DEVICES = ROOT / "device_profiles" / "devices"
SUITE = "tests/compliance/secmp0002/test_persistence.py"
OUTLETS = {1: "ESME", 2: "GSME"}
OFF_S = 0.3


class EmulatedSupply:
    """The relay's loads: outlet ``index`` feeds the emulated meter ``OUTLETS[index]``; switching it
    sends the emulator's ``supply`` op over its TCP port (connected on first use)."""

    def __init__(self, port: int) -> None:
        self.url = f"tcp://127.0.0.1:{port}"
        self.replies: list[dict[str, object]] = []
        self._transport: Transport | None = None
        self._lock = threading.Lock()

    def __call__(self, index: int, value: int) -> None:
        role = OUTLETS[index]
        with self._lock:
            if self._transport is None:
                self._transport = transport_for(self.url)
            reply = self._transport.exchange(Frame.control({"op": "supply", "device": role, "on": bool(value)}),
                                             10.0, skip_other_kinds=True)
            obj = decode_control(reply.data)
            if obj.get("ok") is not True:
                raise RuntimeError(f"supply {role} {value}: {obj}")
            self.replies.append({"role": role, **obj})

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


def _bench(tmp_path: Path, backend: PowerBackend, port: int, *, fault: str | None = None,
           restart: str | None = "switch") -> Path:
    """An emulated-process bench: ``harness emulate`` on a pty (the bench's line) and on TCP
    ``port`` (the relay's side); both meters' ``restart`` stimulus is ``restart`` (None: undeclared)."""
    path = tmp_path / "powered-meters.yaml"
    stimuli = f"\n    stimuli: {{restart: {restart}}}" if restart else ""
    faults = f"\n    emulator: {{faults: [{fault}]}}" if fault else ""
    outlet = {role: index for index, role in OUTLETS.items()}
    power = "".join(
        f"    {role}:\n"
        f"      resources: {{NetworkPowerPort: {{model: simplerest, host: '{backend.url}', index: {outlet[role]}}}}}\n"
        "      drivers: {NetworkPowerDriver: {}}\n"
        f"      off_s: {OFF_S}\n" for role in ("ESME", "GSME"))
    path.write_text(
        "kind: bench\nname: powered-meters\n"
        "connection:\n  type: emulated-process\n"
        f"  command: [python3, -m, harness, emulate, --profile, '{path}', --serial, pty, --tcp, '127.0.0.1:{port}']\n"
        "timeouts: {response_s: 5, restart_s: 20}\n"
        "devices:\n"
        f"  - profile: {DEVICES / 'chf-sbch-new.yaml'}\n  - profile: {DEVICES / 'gpf-sbch-new.yaml'}\n"
        f"  - profile: {DEVICES / 'gsme-new.yaml'}{stimuli}{faults}\n"
        f"  - profile: {DEVICES / 'esme.yaml'}{stimuli}{faults}\n"
        f"  - profile: {DEVICES / 'ihd.yaml'}\n"
        f"lab:\n  power:\n{power}", encoding="utf-8")
    return path


def _run(bench: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pytest", SUITE, "-k", "restart", "-q", "-rs", "-p", "no:randomly",
           "-p", "no:xdist", "--bench", str(bench), "--records", str(tmp_path / "records.jsonl")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARNESS_") and k != "PYTEST_ADDOPTS"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def supplied(power_backend: PowerBackend) -> Iterator[tuple[PowerBackend, EmulatedSupply]]:
    """The relay with the emulated meters as its loads (the emulator's TCP port chosen here)."""
    need_labgrid()
    supply = EmulatedSupply(free_port())
    power_backend.listeners.append(supply)
    yield power_backend, supply
    supply.close()


def _outcomes(tmp_path: Path) -> list[str]:
    """The result records' outcomes (a failure, not a bench error, for a faulty meter)."""
    lines = (tmp_path / "records.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["outcome"] for line in lines if line.strip()]


def _switchings(backend: PowerBackend) -> dict[str, list[int]]:
    return {role: [v for _, i, v in backend.log if i == index] for index, role in OUTLETS.items()}


def test_reset_survives_a_power_cycle_through_labgrid(tmp_path: Path, supplied: tuple[PowerBackend, EmulatedSupply]
                                                      ) -> None:
    backend, supply = supplied
    port = int(supply.url.rsplit(":", 1)[1])
    run = _run(_bench(tmp_path, backend, port), tmp_path)
    out = run.stdout[-3000:] + run.stderr[-2000:]
    assert run.returncode == 0, out
    assert "6 passed" in run.stdout, out
    assert _outcomes(tmp_path) == ["passed"] * 6
    assert not backend.errors
    # three registers per meter, each one power cycle: off then on, on each meter's own outlet
    assert _switchings(backend) == {"ESME": [0, 1] * 3, "GSME": [0, 1] * 3}
    for (t_off, i_off, v_off), (t_on, i_on, v_on) in zip(backend.log[::2], backend.log[1::2]):
        assert (i_off, v_off, v_on) == (i_on, 0, 1) and t_on - t_off >= OFF_S
    # the emulated meters really lost their supply and booted again at each "on"
    assert [(r["role"], r["on"], r["restarted"]) for r in supply.replies] == \
        [(OUTLETS[i], bool(v), bool(v)) for _, i, v in backend.log]


def test_reset_lost_on_restart_fails_on_the_power_cycle(tmp_path: Path,
                                                        supplied: tuple[PowerBackend, EmulatedSupply]) -> None:
    backend, supply = supplied
    port = int(supply.url.rsplit(":", 1)[1])
    run = _run(_bench(tmp_path, backend, port, fault="reset_lost_on_restart"), tmp_path)
    out = run.stdout[-3000:] + run.stderr[-2000:]
    assert run.returncode == 1, out
    assert "6 failed" in run.stdout and " passed" not in run.stdout, out
    assert _outcomes(tmp_path) == ["failed"] * 6
    for fuel, use_case in (("ESME", "ECS07r"), ("GSME", "GCS04r")):
        for register in ("TDR1", "TDR2", "PDR"):
            assert (f"SECMP0002-R10 {use_case} reset {register}, read after a power cycle ({OFF_S:g} s off, "
                    f"NetworkPowerDriver lab.power.{fuel})") in run.stdout, out
    assert "changed 0 -> " in run.stdout, out  # the old value is back
    assert _switchings(backend) == {"ESME": [0, 1] * 3, "GSME": [0, 1] * 3}


def test_bench_without_a_restart_stimulus_skips(tmp_path: Path, supplied: tuple[PowerBackend, EmulatedSupply]
                                                ) -> None:
    backend, supply = supplied
    port = int(supply.url.rsplit(":", 1)[1])
    run = _run(_bench(tmp_path, backend, port, restart="none"), tmp_path)
    out = run.stdout[-3000:] + run.stderr[-2000:]
    assert run.returncode == 0 and "6 skipped" in run.stdout, out
    for fuel in ("ESME", "GSME"):
        assert f"cannot restart (power-cycle) the meter ({fuel} stimulus 'restart' is 'none')" in run.stdout, out
        assert f"devices[{fuel}].stimuli.restart: control | operator | switch" in run.stdout, out
    assert backend.log == []
