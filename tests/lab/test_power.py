"""DUT power through labgrid's NetworkPowerDriver against a small HTTP relay on 127.0.0.1:
the harness switches off and on at the right moments, and a bench without a switch skips."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from harness.errors import CapabilityMissing, HarnessError, ProfileError
from harness.lab.power import BenchPower
from harness.profiles import load_bench
from tests.lab.conftest import PowerBackend, need_labgrid

ROOT = Path(__file__).resolve().parents[2]
DEVICES = ROOT / "device_profiles" / "devices"


def _bench(tmp_path: Path, power: str) -> Path:
    path = tmp_path / "powered.yaml"
    path.write_text(
        "kind: bench\nname: powered\nconnection: {type: emulated}\n"
        f"devices:\n  - profile: {DEVICES / 'chf-sbch-new.yaml'}\n  - profile: {DEVICES / 'gpf-sbch-new.yaml'}\n"
        f"  - profile: {DEVICES / 'esme.yaml'}\n"
        f"lab:\n  place: powered\n{power}", encoding="utf-8")
    return path


def _power_section(backend: PowerBackend) -> str:
    return (
        "  power:\n"
        "    CHF:\n"
        f"      resources: {{NetworkPowerPort: {{model: simplerest, host: '{backend.url}', index: 1}}}}\n"
        "      drivers: {NetworkPowerDriver: {delay: 0.1}}\n"
        "      off_s: 0.4\n"
        "    esme:\n"
        f"      resources: {{NetworkPowerPort: {{model: simplerest, host: '{backend.url}', index: 2}}}}\n"
        "      drivers: {NetworkPowerDriver: {}}\n")


def test_cycle_switches_off_then_on_after_the_declared_time(tmp_path: Path, power_backend: PowerBackend) -> None:
    need_labgrid()
    bench = load_bench(_bench(tmp_path, _power_section(power_backend)))
    power = BenchPower.from_profile(bench)
    seen: list[str] = []
    power.listeners.append(lambda e: seen.append(f"{e.role}:{e.state}"))
    assert power.roles == ["CHF", "ESME"] and power.has("GPF")  # the GPF is powered with its CH
    power.switch("ESME").off()
    assert power_backend.log[-1][1:] == (2, 0) and power.switch("esme").get() is False
    power.switch("ESME").on()
    assert power_backend.log[-1][1:] == (2, 1) and power.switch("esme").get() is True
    t0 = time.time()
    power.switch("GPF").cycle()
    chf = [(t, v) for t, i, v in power_backend.log if i == 1]
    assert [v for _, v in chf] == [0, 1]
    assert chf[0][0] >= t0 and chf[1][0] - chf[0][0] >= 0.4  # off for the profile's off_s
    assert seen == ["ESME:off", "ESME:on", "CHF:off", "CHF:on"]
    assert [e.state for e in power.events] == ["off", "on", "off", "on"]
    with pytest.raises(CapabilityMissing, match="no power switch for GSME.*declared: CHF, ESME"):
        power.switch("GSME")
    power.close()


def test_a_dead_power_switch_is_a_clear_error(tmp_path: Path) -> None:
    need_labgrid()
    section = ("  power:\n    ESME:\n      resources: {NetworkPowerPort: {model: simplerest, "
               "host: 'http://127.0.0.1:9/relay/{index}/{value}', index: 3}}\n"
               "      drivers: {NetworkPowerDriver: {}}\n")
    power = BenchPower.from_profile(load_bench(_bench(tmp_path, section)))
    with pytest.raises(HarnessError, match=r"power off of ESME failed \(NetworkPowerDriver\)"):
        power.switch("ESME").off()


def test_power_driver_misdeclared(tmp_path: Path) -> None:
    need_labgrid()
    section = "  power:\n    ESME:\n      drivers: {NoSuchPowerDriver: {}}\n"
    power = BenchPower.from_profile(load_bench(_bench(tmp_path, section)))
    with pytest.raises(HarnessError, match=r"lab.power.ESME: InvalidConfigError.*NoSuchPowerDriver"):
        power.switch("ESME")


@pytest.mark.parametrize(("section", "message"), [
    ("  power:\n    meter:\n      drivers: {NetworkPowerDriver: {}}\n", "'meter' is not a role"),
    ("  power:\n    ESME:\n      resources: {}\n", "names a labgrid power driver"),
    ("  power:\n    ESME:\n      drivers: {X: {}}\n      volts: 3\n", "unknown field"),
    ("  tags: {CH: sbch}\n", "labgrid tag name"),
])
def test_lab_section_errors_name_the_field(tmp_path: Path, section: str, message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        load_bench(_bench(tmp_path, section))


PLUGIN_SUITE = '''
def test_power_cycle_the_meter(power):
    power.switch("ESME").cycle(off_s=0.2)
    assert [e.state for e in power.events] == ["off", "on"]

def test_no_switch_for_the_gas_meter(power):
    power.switch("GSME")
'''


def test_power_fixture_in_a_suite(pytester: pytest.Pytester, tmp_path: Path, power_backend: PowerBackend) -> None:
    need_labgrid()
    bench = _bench(tmp_path, _power_section(power_backend))
    pytester.makepyfile(test_powered=PLUGIN_SUITE)
    result = pytester.runpytest_subprocess("--bench", str(bench), "-p", "no:labgrid", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*declares no power switch for GSME*"])
    assert [(i, v) for _, i, v in power_backend.log] == [(2, 0), (2, 1)]
