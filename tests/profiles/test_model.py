"""The typed model: emulator host config, record identity, waivers, defect mask, locations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.emulators.config import HostConfig
from harness.profiles import DefectMask, Waiver, default_bench_path, load_bench, profiles_dir
from harness.profiles.model import builtin_keystore
from harness.vocabulary import Role

Write = Callable[[str, str], Path]
REPO_PROFILES = Path(__file__).resolve().parents[2] / "device_profiles"


def test_host_config_dict_round_trips_through_the_emulator_config() -> None:
    bench = load_bench(REPO_PROFILES / "faulty" / "reset_clears_all.yaml")
    cfg = HostConfig.from_profile(bench)
    assert [d.role for d in cfg.devices] == [d.role.value for d in bench.devices]
    for dev in bench.devices:
        emu = cfg.device(dev.role.value)
        assert emu is not None
        assert emu.eui == dev.eui and emu.firmware == dev.firmware and emu.name == dev.name
        assert emu.faults == dev.faults
    gsme = cfg.device("GSME")
    assert gsme is not None and gsme.faults == ["reset_clears_all"] and gsme.wake_interval_s == 1800
    assert cfg.device("GPF").faults == []  # type: ignore[union-attr]


def test_host_config_carries_declared_behaviours() -> None:
    for name, role, field, value in (
        ("variant-gpf-own-time-reliable", "GPF", "gpf_time_reliability", "reliable"),
        ("variant-never-populated-unsupported", "GPF", "never_populated_read", "unsupported_attribute"),
        ("variant-ch-clock-invalid", "GPF", "ch_clock", "invalid"),
        ("variant-prepayment-only-debt", "ESME", "debt_update_modes", ["prepayment"]),
        ("variant-local-time", "ESME", "local_time_instead_of_utc", True),
        ("variant-local-time", "GSME", "local_time_instead_of_utc", True),
        ("variant-local-time", "GSME", "debt_amount_unit", "whole_pence"),
        ("pit-dbch-chold-gsmeold", "GSME", "secmp0015", False),
        ("pit-dbch-chold-gsmeold", "GPF", "secmp0015", False),
    ):
        cfg = HostConfig.from_profile(load_bench(REPO_PROFILES / "benches" / f"{name}.yaml"))
        assert getattr(cfg.device(role), field) == value, (name, field)


def test_behaviours_the_emulator_does_not_model_are_left_out() -> None:
    bench = load_bench(REPO_PROFILES / "benches" / "variant-local-time.yaml")
    esme = bench.device("ESME")
    assert esme is not None and esme.behaviour("max_non_disablement_scripts_per_day") == 3
    entry = next(d for d in bench.host_config_dict()["devices"] if d["role"] == "ESME")
    assert entry["max_non_disablement_scripts_per_day"] == 3  # the profile carries it ...
    cfg = HostConfig.from_profile(bench)  # ... the emulated bench leaves it out
    assert cfg.device("ESME") is not None and cfg.device("ESME").debt_update_modes  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="unknown device field"):
        HostConfig.from_dict(bench.host_config_dict())  # a hand-written emulator config stays strict


def test_bench_entry_overrides_merge_over_the_shared_file(write: Write, device_yaml: str) -> None:
    write("gsme.yaml", device_yaml)
    p = write("b.yaml", """
        kind: bench
        name: b
        connection: {type: emulated}
        devices:
          - profile: gsme.yaml
            name: renamed
            behaviours: {wake_interval_s: 60}
            emulator: {faults: [gsme_snapshot_intermittent], registers: {DebtAmount1: 7}}
        """)
    gsme = load_bench(p).device(Role.GSME)
    assert gsme is not None and gsme.name == "renamed"
    assert gsme.behaviours == {"secmp0015": True, "gsme_clock": "reliable", "wake_interval_s": 60}
    assert gsme.faults == ["gsme_snapshot_intermittent"]
    assert gsme.emulator["registers"] == {"DebtAmount1": 7}
    assert gsme.source == (p.parent / "gsme.yaml").resolve()


def test_identity_for_records() -> None:
    bench = load_bench(REPO_PROFILES / "faulty" / "bit2_never_set.yaml")
    ids = bench.identity()
    assert [d.role for d in ids] == ["CHF", "GPF", "GSME", "ESME", "IHD"]
    gpf = next(d for d in ids if d.role is Role.GPF)
    assert gpf.faults == ["bit2_never_set"] and gpf.eui == "00DB12345678E0A3"
    assert set(gpf.to_dict()) == {"role", "eui", "name", "manufacturer", "model", "firmware", "profile", "faults"}
    assert str(gpf.profile).endswith("devices/gpf-sbch-new.yaml")
    b = bench.bench_identity()
    assert b.name == "faulty-bit2_never_set" and b.connection == "emulated"
    assert str(b.path).endswith("faulty/bit2_never_set.yaml")


def test_device_lookup_and_capabilities() -> None:
    bench = load_bench(default_bench_path())
    gpf = bench.device("GPF")
    assert gpf is not None and gpf is bench.device(Role.GPF)
    assert bench.device("PPMID") is None
    assert gpf.has("gcs60a") and not gpf.has("debt_register_reset")
    assert gpf.eui_bytes == bytes.fromhex("00DB12345678E0A3") and gpf.gbcs_version == (4, 0)
    assert bench.remote_parties.keystore_path() == builtin_keystore()
    assert (builtin_keystore() / "PROVENANCE.md").is_file()
    with pytest.raises(ValueError):
        bench.device("METER")


def test_waiver_matching() -> None:
    by_req = Waiver(reason="declared", requirement="SECMP0015-FR4")
    assert by_req.matches(requirements=["SECMP0015-FR1", "SECMP0015-FR4"])
    assert not by_req.matches(requirements=["SECMP0015-FR5"], nodeid="t.py::test_x")
    by_test = Waiver(reason="r", test="test_gpf_*")
    assert by_test.matches(nodeid="tests/compliance/t.py::test_gpf_time[emulated]")
    assert not by_test.matches(nodeid="tests/compliance/t.py::test_esme_reset")
    exact = Waiver(reason="r", test="test_esme_reset")
    assert exact.matches(nodeid="tests/compliance/t.py::test_esme_reset[x]")
    assert exact.to_dict() == {"reason": "r", "requirement": "test_esme_reset"}


def test_defect_mask() -> None:
    mask = DefectMask.from_mapping({"S3": 2, "S4": 50})
    assert mask.exceeded({"S1": 0, "S3": 2, "S4": 50}) == []
    assert mask.exceeded({"S2": 1, "S3": 3}) == ["S2", "S3"]
    assert mask.limit("S1") == 0 and mask.limit("S9") == 0  # undeclared: no open failure allowed


def test_profiles_dir_and_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HARNESS_PROFILES_DIR", raising=False)
    assert profiles_dir() == REPO_PROFILES
    assert default_bench_path() == REPO_PROFILES / "benches" / "emulated-default.yaml"
    monkeypatch.setenv("HARNESS_PROFILES_DIR", str(tmp_path))
    assert default_bench_path() == tmp_path / "benches" / "emulated-default.yaml"
