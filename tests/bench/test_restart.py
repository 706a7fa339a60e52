"""The ``restart`` stimulus on a bench without control: the meter's labgrid power switch cycled
and the meter probed until it answers (``DeviceNotBack`` when it never does), the operator
prompted, an undeclared restart skipped naming the key; the profile checks of ``restart``."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.bench.bench import Bench
from harness.bench.restart import restart
from harness.emulators import EmulatorHost, HostConfig
from harness.errors import CapabilityMissing, DeviceNotBack, ProfileError
from harness.profiles import default_bench_path, load_bench
from harness.transport import InProcessTransport

DEVICES = Path(default_bench_path()).parent.parent / "devices"
SWITCH = ("lab:\n  power:\n    ESME:\n      drivers: {ExternalPowerDriver: {cmd_on: \"sh -c 'echo on >> %s'\", "
          "cmd_off: \"sh -c 'echo off >> %s'\"}}\n      off_s: 0.1\n")


def write(tmp_path: Path, esme: str, tail: str = "", restart_s: float = 5) -> Path:
    p = tmp_path / "b.yaml"
    p.write_text(f"""kind: bench
name: lab
connection: {{type: serial, path: /dev/null}}
timeouts: {{restart_s: {restart_s}, operator_s: 7}}
devices:
  - profile: {DEVICES}/esme.yaml
{esme}{tail}""")
    return p


def bench_at(path: Path) -> Bench:
    """A bench without control (the ESME served in-process, reached as real hardware)."""
    profile = load_bench(path)
    host = EmulatorHost(HostConfig.from_profile(profile))
    return Bench(profile, InProcessTransport(host, name="lab"), path=str(path), emulated=False)


class Probe:
    """Answers after ``silent`` failed probes."""

    def __init__(self, silent: int) -> None:
        self.silent, self.calls = silent, 0

    def __call__(self) -> str | None:
        self.calls += 1
        return "timeout: no response" if self.calls <= self.silent else None


class FakeOperator:
    def __init__(self, answer: bool) -> None:
        self.answer, self.asked = answer, []  # type: ignore[var-annotated]

    def ask(self, instruction: str, timeout_s: float) -> bool:
        self.asked.append((instruction, timeout_s))
        return self.answer


def test_switch_cycles_the_meters_supply_and_waits_for_an_answer(tmp_path: Path) -> None:
    pytest.importorskip("labgrid")
    relay = tmp_path / "relay.log"
    bench = bench_at(write(tmp_path, "    stimuli: {restart: switch}\n", SWITCH % (relay, relay)))
    probe = Probe(silent=2)
    how = restart(bench, "ESME", probe)
    assert relay.read_text().split() == ["off", "on"] and probe.calls == 3
    assert how.startswith("after a power cycle (0.1 s off, ExternalPowerDriver lab.power.ESME)")
    assert [e.state for e in bench.power.events] == ["off", "on"]
    bench.close()


def test_a_meter_that_never_answers_again_is_a_device_not_back(tmp_path: Path) -> None:
    pytest.importorskip("labgrid")
    relay = tmp_path / "relay.log"
    bench = bench_at(write(tmp_path, "    stimuli: {restart: switch}\n", SWITCH % (relay, relay), restart_s=0.3))
    with pytest.raises(DeviceNotBack, match=r"the ESME did not answer after a power cycle.*restart_s 0.3.*"
                                            r"the last: timeout: no response"):
        restart(bench, "ESME", Probe(silent=10**6))
    bench.close()


def test_operator_power_cycles_when_prompted(tmp_path: Path) -> None:
    bench = bench_at(write(tmp_path, "    stimuli: {restart: operator}\n"))
    with pytest.raises(CapabilityMissing, match="needs an operator.*--operator"):
        restart(bench, "ESME", Probe(0))
    bench.operator = FakeOperator(True)
    assert restart(bench, "ESME", Probe(0)).startswith("after a power cycle by the operator")
    instruction, timeout = bench.operator.asked[0]
    assert "power-cycle the ESME" in instruction and timeout == 7


def test_undeclared_restart_on_real_hardware_skips_naming_the_key(tmp_path: Path) -> None:
    bench = bench_at(write(tmp_path, ""))
    with pytest.raises(CapabilityMissing, match=r"cannot restart \(power-cycle\) the meter \(ESME stimulus "
                                                r"'restart' is 'none'\).*devices\[ESME\]\.stimuli\.restart: "
                                                r"operator \| switch \(switch: .*lab\.power\.ESME\)"):
        restart(bench, "ESME", Probe(0))


@pytest.mark.parametrize("esme, tail, words", [
    ("    stimuli: {restart: switch}\n", "", ("lab.power.ESME", "declared: none")),
    ("    stimuli: {restart: wait}\n", "", ("not one of",)),
    ("    stimuli: {restart: control}\n", "", ("emulated connection",)),
])
def test_restart_stimulus_errors_name_the_field(tmp_path: Path, esme: str, tail: str, words: tuple[str, ...]) -> None:
    with pytest.raises(ProfileError, match=r"stimuli\.restart") as exc:
        load_bench(write(tmp_path, esme, tail))
    assert all(w in str(exc.value) for w in words), exc.value
    assert ":7:" in str(exc.value)  # the line of the stimulus


def test_restart_is_a_meter_stimulus(tmp_path: Path) -> None:
    p = write(tmp_path, "", f"  - profile: {DEVICES}/ihd.yaml\n    stimuli: {{restart: operator}}\n")
    with pytest.raises(ProfileError, match="a IHD has no 'restart' stimulus"):
        load_bench(p)
