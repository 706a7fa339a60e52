"""The suites on benches without a control channel (the harness's own test run, never a lab run).

* ``device_profiles/benches/hardware-like.yaml`` (``harness emulate --no-control`` behind a real
  pty, reached with ``type: serial``) and a hand-written ``type: serial`` profile pointing at the
  pty printed by ``harness emulate --profile default --serial pty --no-control --switches HOST:0``
  (its switch endpoint written into the profile's ``lab.power`` as a lab writes its PDU's address): both suites give
  0 failed and 0 errors, and most of the tests that run on the emulated default bench run here;
* every catalogued fault variant, its emulator started with ``--no-control --switches``, is caught
  by a failed assertion (never an error or a skip), except any that only a control channel can
  provoke (``NEEDS_CONTROL`` below, with the reason; none today).

The benches without control have what a lab has beside the data line: a network power switch on
each meter's supply (``restart: switch``) and the RF-shield relay of the HAN (``han_outage:
switch``), the emulator's switch endpoint driven by labgrid's NetworkPowerDriver (``lab.power``);
the same supply switch cuts a meter's power while it executes a reset (``power_loss: switch``).

Every run is its own pytest process with its own emulator; they run in parallel and mostly wait
(GSME wake interval 3 s), each fault run stopping at its first failure (``--maxfail=1``)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from selftest_util import PROFILES, SuiteRun, failure_message, faults_breaking, on_default_bench, run_suite

from harness.transport.spawn import EmulatorProcess, spawn_emulator

SUITES = {"secmp0015": "tests/compliance/secmp0015", "secmp0002": "tests/compliance/secmp0002"}
PREFIX = {"secmp0015": "SECMP0015-", "secmp0002": "SECMP0002-"}
WAKE_S = 3
#: The share of the tests that run (not skipped) on the emulated default bench that must also
#: run without a control channel. The issue's goal is 0.8. Without switches 59 of the 108 ran
#: (0.55); with the switches (restart through each meter's supply, the HAN's RF-shield relay) and a
#: GSME's next wake waited for, 71 (0.66); with the payment mode set by Set Payment Mode
#: (ECS02/ECS03, GCS02/GCS03), the ESME's event log read with ECS35a and the same-push values
#: observed over the HAN instead of planted, 83 (0.77); with the interrupted reset's power loss
#: made by the harness cutting the meter's supply right after writing the reset (``power_loss:
#: switch``), 89 of 108 run (0.82). The other 19 need what neither GBCS nor a lab switch gives: a
#: GPF that never received a push (6: a CH power cycle keeps the GPF's data, and our sources say
#: nothing that empties a mirror), UK clock-change dates (4), or hours of real waiting (recovery
#: 4, a mains meter's hourly tick 3, hours/days of HAN outage 2); see docs/PROFILES.md.
MIN_RUN_SHARE = 0.81
#: Faults only a control channel can provoke, and why (none left: a reset half applied when its
#: power is lost is caught with the supply cut through the meter's switch, ``power_loss: switch``).
NEEDS_CONTROL: dict[str, str] = {}
#: GPF faults in its fallback to its own time: with a SECMP0015 GSME that time shows only before the
#: first push (a reset to "never pushed", which needs control); without control they are run with a
#: pre-SECMP0015 GSME, where the GPF always falls back (the new CH + old GSME case of the matrix).
FALLBACK_FAULTS = ("bit2_set_on_gpf_time", "invalid_clock_reported_reliable", "snapshot_zero_default",
                   "own_time_marked_reliable")
#: The switches of a bench without control: the emulator's switch endpoint (``harness emulate
#: --switches``; outlet 1 the ESME's supply, 2 the GSME's, 3 the HAN relay of the RF-shield box),
#: driven by labgrid's NetworkPowerDriver; ``{switches}`` is the URL the emulator prints.
OUTLETS = {"ESME": 1, "GSME": 2, "HAN": 3}
OFF_S = 0.5


def lab_power(url: str, roles: set[str]) -> dict[str, object]:
    """``lab.power`` for the switch endpoint at ``url`` (a simplerest URL template)."""
    power: dict[str, object] = {}
    for name, index in OUTLETS.items():
        if name in roles or (name == "HAN" and "GSME" in roles):
            power[name] = {"resources": {"NetworkPowerPort": {"model": "simplerest", "host": url, "index": index}},
                           "drivers": {"NetworkPowerDriver": {}}, **({"off_s": OFF_S} if name != "HAN" else {})}
    return {"power": power}


def no_control_variant(bench: Path, out_dir: Path, wake_s: float = WAKE_S, old_gsme: bool = False) -> Path:
    """``bench`` (an emulated bench profile) behind ``harness emulate --no-control`` on a pty,
    reached with ``type: serial``; the GSME waking every ``wake_s`` seconds (``old_gsme``: without
    SECMP0015). The emulator reads this variant, so both sides see the same devices."""
    data = yaml.safe_load(bench.read_text(encoding="utf-8"))
    data["name"] = f"{data['name']}-no-control"
    out = out_dir / f"{bench.stem}-no-control.yaml"
    data["connection"] = {"type": "serial", "command": [
        "python3", "-m", "harness.cli", "emulate", "--profile", str(out), "--serial", "pty", "--no-control",
        "--switches", "127.0.0.1:0"]}
    data["timeouts"] = {"response_s": 15, "han_s": 15, "max_wait_s": 120, "restart_s": 20}
    devices = []
    roles: set[str] = set()
    for entry in data["devices"]:
        entry = dict(entry)
        if "profile" in entry:
            entry["profile"] = str((bench.parent / entry["profile"]).resolve())
        role = entry.get("role") or yaml.safe_load(Path(entry["profile"]).read_text()).get("role")
        roles.add(str(role))
        if role == "GSME":
            entry["behaviours"] = {**(entry.get("behaviours") or {}), "wake_interval_s": wake_s,
                                   **({"secmp0015": False} if old_gsme else {})}
            entry["stimuli"] = {"push": "wait", "han_outage": "switch", "restart": "switch", "power_loss": "switch"}
        elif role == "ESME":
            entry["stimuli"] = {"restart": "switch", "power_loss": "switch"}
        devices.append(entry)
    data["devices"] = devices
    data["lab"] = lab_power("{switches}", roles)
    out.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return out


def hand_written(pty: str, switches: str, out_dir: Path, label: str) -> Path:
    """A lab engineer's ``type: serial`` profile for the default devices on ``pty``, with the
    switches at ``switches`` (the simplerest URL template the emulator printed)."""
    devices = PROFILES / "devices"
    out = out_dir / f"hand-written-{label}.yaml"
    power = yaml.safe_dump({"lab": lab_power(switches, {"ESME", "GSME"})}, sort_keys=False)
    out.write_text(f"""kind: bench
name: hand-written
connection:
  type: serial
  path: {pty}
timeouts: {{response_s: 15, han_s: 15, max_wait_s: 120, restart_s: 20}}
devices:
  - profile: {devices}/chf-sbch-new.yaml
  - profile: {devices}/gpf-sbch-new.yaml
  - profile: {devices}/gsme-new.yaml
    behaviours: {{wake_interval_s: {WAKE_S}, payment_mode: prepayment}}
    stimuli: {{push: wait, han_outage: switch, restart: switch, power_loss: switch}}
  - profile: {devices}/esme.yaml
    behaviours: {{payment_mode: prepayment}}
    stimuli: {{restart: switch, power_loss: switch}}
  - profile: {devices}/ihd.yaml
{power}""", encoding="utf-8")
    return out


class Runs:
    """Every run of this module, by name (``suite:bench``)."""

    def __init__(self, results: dict[str, SuiteRun], faults: dict[str, str]) -> None:
        self.results = results
        self.faults = faults  # fault -> suite

    def run(self, name: str) -> SuiteRun:
        return self.results[name]


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    if not on_default_bench(request.config):
        pytest.skip("suite self-test runs only in the harness's own test run (emulated default bench)")
    out = tmp_path_factory.mktemp("no-control")
    emulators: list[EmulatorProcess] = []
    try:
        jobs: list[tuple[str, str, Path, tuple[str, ...]]] = []
        for suite in SUITES:  # one `harness emulate` per suite run: a pty has one user at a time
            emulators.append(spawn_emulator("default", command=[
                sys.executable, "-m", "harness.cli", "emulate", "--profile", "default", "--serial", "pty",
                "--no-control", "--wake-interval", str(WAKE_S), "--switches", "127.0.0.1:0"]))
            switches = next(line.split(" ", 1)[1] for line in emulators[-1].lines if line.startswith("SWITCHES "))
            benches = {"default": PROFILES / "benches" / "emulated-default.yaml",
                       "hardware-like": PROFILES / "benches" / "hardware-like.yaml",
                       "hand-written": hand_written(emulators[-1].pty_path, switches, out, suite)}
            for bench, path in benches.items():
                jobs.append((f"{suite}:{bench}", SUITES[suite], path, ()))
        faults: dict[str, str] = {}
        for suite in SUITES:
            for fault in faults_breaking([PREFIX[suite]]):
                if fault in NEEDS_CONTROL or fault in faults:
                    continue
                faults[fault] = suite
                variant = no_control_variant(PROFILES / "faulty" / f"{fault}.yaml", out,
                                             old_gsme=fault in FALLBACK_FAULTS)
                jobs.append((f"{suite}:fault-{fault}", SUITES[suite], variant, ("--maxfail=1",)))
        workers = max(4, (os.cpu_count() or 2) * 2)  # the runs mostly wait for GSME wakes
        t0 = time.monotonic()

        def one(job: tuple[str, str, Path, tuple[str, ...]]) -> SuiteRun:
            start = time.monotonic()
            result = run_suite(job[1], job[2], out, job[0].replace(":", "-"), job[3])
            print(f"{job[0]}: {time.monotonic() - start:.0f} s, {len(result.records)} records")
            return result

        with ThreadPoolExecutor(max_workers=workers) as pool:
            done = list(pool.map(one, jobs))
        print(f"{len(jobs)} runs without control in {time.monotonic() - t0:.0f} s")
        yield Runs({j[0]: r for j, r in zip(jobs, done)}, faults)
    finally:
        for emulator in emulators:
            emulator.stop()


def _ran(run: SuiteRun) -> set[str]:
    return {r.nodeid for r in run.records if r.outcome not in ("skipped",)}


def _problems(run: SuiteRun) -> list[str]:
    if not run.records:
        return [f"no records (exit {run.returncode}):\n{run.output}"]
    return [f"{r.nodeid} {r.outcome}: {failure_message(r)}" for r in run.failed()]


@pytest.mark.slow
@pytest.mark.parametrize("bench_name", ["hardware-like", "hand-written"])
def test_suites_pass_without_a_control_channel(runs: Runs, bench_name: str) -> None:
    bench = bench_name
    problems: list[str] = []
    ran = default = 0
    for suite in SUITES:
        run, base = runs.run(f"{suite}:{bench}"), runs.run(f"{suite}:default")
        problems += [f"{suite}: {p}" for p in _problems(run)]
        ran += len(_ran(run) & _ran(base))
        default += len(_ran(base))
    assert not problems, f"{bench}: " + "\n".join(problems)
    assert default, "no test ran on the emulated default bench"
    share = ran / default
    print(f"{bench}: {ran} of {default} tests that run on the emulated default bench also run ({share:.0%})")
    assert share >= MIN_RUN_SHARE, f"{bench}: only {ran} of {default} tests run without a control channel"


@pytest.mark.slow
def test_every_fault_is_caught_by_a_failed_assertion_without_control(runs: Runs) -> None:
    uncaught = []
    for fault, suite in sorted(runs.faults.items()):
        run = runs.run(f"{suite}:fault-{fault}")
        failed = [r for r in run.records if r.outcome == "failed" and PREFIX[suite] in failure_message(r)]
        if not failed:
            errors = [f"{r.nodeid} {r.outcome}: {failure_message(r) or r.skip_reason}" for r in run.records
                      if r.outcome != "passed"]
            uncaught.append(f"{fault}: no failed assertion naming {PREFIX[suite]} (exit {run.returncode}); "
                            f"{errors[-3:] or run.output[-1500:]}")
    assert not uncaught, "faults not caught without a control channel:\n" + "\n".join(uncaught)


def test_faults_left_to_the_control_channel_are_catalogued() -> None:
    from harness.faults import FAULTS

    assert set(NEEDS_CONTROL) <= set(FAULTS), set(NEEDS_CONTROL) - set(FAULTS)

