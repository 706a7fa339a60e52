"""The emulator's switch endpoint (``harness emulate --switches``), driven the way a lab drives its
PDU and RF-shield relay: labgrid's NetworkPowerDriver (simplerest) through ``lab.power``. It cuts a
meter's supply and the HAN, nothing else; ``han_outage: switch`` uses the ``HAN`` switch."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.bench.stimuli import switch_link
from harness.emulators.config import HostConfig
from harness.emulators.host import EmulatorHost
from harness.emulators.switches import serve_switches
from harness.errors import CapabilityMissing, ProfileError
from harness.lab.power import BenchPower
from harness.profiles import load_bench
from tests.lab.conftest import need_labgrid

ROOT = Path(__file__).resolve().parents[2]
DEVICES = ROOT / "device_profiles" / "devices"


@pytest.fixture
def switched() -> Iterator[tuple[EmulatorHost, str]]:
    host = EmulatorHost(HostConfig.default())
    stop = threading.Event()
    urls: list[str] = []
    serve_switches(host, "127.0.0.1", 0, stop, urls.append)
    yield host, urls[0]
    stop.set()


def _power(url: str, *names: str) -> BenchPower:
    index = {"ESME": 1, "GSME": 2, "HAN": 3}
    return BenchPower("switched", {n: {"resources": {"NetworkPowerPort": {
        "model": "simplerest", "host": url, "index": index[n]}}, "drivers": {"NetworkPowerDriver": {}},
        "off_s": 0.1} for n in names})


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as reply:  # noqa: S310 - a local test server
        return str(reply.read().decode())


def test_supply_outlets_cut_and_restore_a_meter(switched: tuple[EmulatorHost, str]) -> None:
    need_labgrid()
    host, url = switched
    power = _power(url, "ESME", "GSME")
    assert host.esme is not None and host.gsme is not None
    power.switch("ESME").off()
    assert host.esme.powered is False and host.gsme.powered is True
    assert power.switch("ESME").get() is False and power.switch("GSME").get() is True
    assert host.gsme.push() is True  # the GSME's outlet is another one
    power.switch("ESME").on()
    assert host.esme.powered is True and [e.what for e in host.esme.events][-2:] == ["power_off", "restart"]
    power.switch("GSME").cycle()
    assert host.gsme.powered is True and host.gsme.events[-1].what == "restart"


def test_han_outlet_is_the_rf_shield(switched: tuple[EmulatorHost, str]) -> None:
    need_labgrid()
    host, url = switched
    power = _power(url, "HAN")
    assert host.gsme is not None and host.gpf is not None
    power.switch("HAN").off()
    assert host.gsme.han_outage is True and host.gsme.push() is False  # the push is lost in the box
    assert power.switch("HAN").get() is False
    power.switch("HAN").on()
    assert host.gsme.han_outage is False and host.gsme.push() is True
    assert host.gsme.powered is True  # the shield cuts the radio, not the supply


def test_the_endpoint_switches_only_its_outlets(switched: tuple[EmulatorHost, str]) -> None:
    host, url = switched
    base = url.split("/relay/")[0]
    assert _get(base + "/").splitlines() == ["1 ESME 1", "2 GSME 1", "3 HAN 1"]
    for path, code in (("/relay/4/0", 404), ("/relay/1/2", 400), ("/clock/advance", 404)):
        with pytest.raises(urllib.error.HTTPError) as exc:
            _get(base + path)
        assert exc.value.code == code, path
    assert host.esme is not None and host.esme.powered is True


class _Bench:
    name = "switched"

    def __init__(self, power: BenchPower) -> None:
        self.power = power

    def profile_device(self, role: str) -> None:
        return None


def test_han_outage_switch_drives_lab_power_han(switched: tuple[EmulatorHost, str]) -> None:
    need_labgrid()
    host, url = switched
    bench = _Bench(_power(url, "HAN"))
    assert host.gsme is not None
    assert switch_link(bench, "GSME", "han_outage", True) == "NetworkPowerDriver lab.power.HAN off"
    assert host.gsme.han_outage is True
    switch_link(bench, "GSME", "han_outage", False)
    assert host.gsme.han_outage is False


def test_switches_placeholder_needs_a_printed_endpoint() -> None:
    need_labgrid()
    power = _power("{switches}", "ESME")
    with pytest.raises(CapabilityMissing, match=r"uses \{switches\} but its connection printed no switch endpoint"):
        power.switch("ESME")
    power = BenchPower("switched", power.specs, switches="http://127.0.0.1:9/relay/{index}/{value}")
    assert power.switch("ESME").driver.port.host == "http://127.0.0.1:9/relay/{index}/{value}"


def _profile(tmp_path: Path, stimuli: str, lab: str) -> Path:
    path = tmp_path / "bench.yaml"
    path.write_text(
        "kind: bench\nname: shielded\nconnection: {type: serial, path: /dev/null}\n"
        f"devices:\n  - profile: {DEVICES / 'chf-sbch-new.yaml'}\n  - profile: {DEVICES / 'gpf-sbch-new.yaml'}\n"
        f"  - profile: {DEVICES / 'gsme-new.yaml'}\n    stimuli: {stimuli}\n{lab}", encoding="utf-8")
    return path


def test_han_outage_switch_needs_the_shield_relay(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"lab\.power\.HAN") as exc:
        load_bench(_profile(tmp_path, "{han_outage: switch}", ""))
    assert exc.value.field == "devices[2].stimuli.han_outage"
    relay = "lab:\n  power:\n    HAN: {drivers: {ExternalPowerDriver: {cmd_on: 'true', cmd_off: 'true'}}}\n"
    bench = load_bench(_profile(tmp_path, "{han_outage: switch}", relay))
    assert "HAN" in bench.lab.power
    with pytest.raises(ProfileError, match="'SHIELD' is not a role"):
        load_bench(_profile(tmp_path, "{han_outage: operator}", relay.replace("HAN", "SHIELD")))


def test_power_loss_switch_needs_the_meters_supply_switch(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"cuts the GSME's supply during one command .* lab\.power\.GSME") as exc:
        load_bench(_profile(tmp_path, "{power_loss: switch}", ""))
    assert exc.value.field == "devices[2].stimuli.power_loss"
    supply = "lab:\n  power:\n    GSME: {drivers: {ExternalPowerDriver: {cmd_on: 'true', cmd_off: 'true'}}}\n"
    bench = load_bench(_profile(tmp_path, "{power_loss: switch}", supply))
    gsme = next(d for d in bench.devices if d.role.value == "GSME")
    assert gsme.stimuli == {"power_loss": "switch"}  # no external driver needed: the supply switch is it
