"""Every shipped profile loads, and the shipped set covers what the SECMP0015 PIT plan asks."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from harness.faults import FAULTS
from harness.profiles import (
    BenchProfile,
    ConnectionType,
    DeviceProfile,
    ProfileSet,
    default_bench_path,
    load_any,
    load_bench,
    load_profile_set,
)
from harness.vocabulary import Role

REPO = Path(__file__).resolve().parents[2] / "device_profiles"
ALL = sorted(REPO.rglob("*.yaml"))
FULL = ("SBCH", "DBCH")
SUBSET = ("DBCH-F", "SBCH-ITCH", "DBCH-ITCH")


def _secmp(bench: BenchProfile, role: str) -> bool:
    dev = bench.device(role)
    assert dev is not None
    return bool(dev.behaviour("secmp0015"))


def test_there_are_profiles() -> None:
    assert len(ALL) > 40


@pytest.mark.parametrize("path", ALL, ids=[str(p.relative_to(REPO)) for p in ALL])
def test_every_shipped_profile_loads(path: Path) -> None:
    profile = load_any(path)
    assert isinstance(profile, (DeviceProfile, BenchProfile, ProfileSet))
    assert profile.source == path.resolve()


def test_default_bench_is_sbch_ch_new_gsme_new_with_esme() -> None:
    bench = load_bench(default_bench_path())
    assert bench.name == "emulated-default"
    assert bench.connection.type is ConnectionType.EMULATED and bench.emulated
    assert [d.role.value for d in bench.devices] == ["CHF", "GPF", "GSME", "ESME", "IHD"]
    gpf = bench.device(Role.GPF)
    assert gpf is not None and gpf.ch_variant is not None and gpf.ch_variant.value == "SBCH"
    assert _secmp(bench, "GPF") and _secmp(bench, "GSME")
    euis = {d.role.value: d.eui for d in bench.devices}
    assert euis == {"ESME": "00DB12345678E0A0", "GSME": "00DB12345678E0A1", "CHF": "00DB12345678E0A2",
                    "GPF": "00DB12345678E0A3", "IHD": "00DB12345678E0A5"}
    assert bench.faults == []


def _pit() -> list[BenchProfile]:
    return [b for b in load_profile_set(REPO / "sets" / "pit-matrix.yaml").benches if b.name.startswith("pit-")]


def test_pit_matrix_full_cycle_on_sbch_and_dbch() -> None:
    """SIA15-A-A12: a full cycle on SBCH and DBCH (CH with/without x GSME with/without)."""
    seen = {(b.device("CHF").ch_variant.value, _secmp(b, "GPF"), _secmp(b, "GSME"))  # type: ignore[union-attr]
            for b in _pit()}
    for variant, ch, gsme in itertools.product(FULL, (True, False), (True, False)):
        assert (variant, ch, gsme) in seen


def test_pit_matrix_subset_on_other_variants() -> None:
    """SIA15-A-A12 / SIA15-T-A1: compliant stub + compliant CH, non-compliant stub... on each."""
    seen = {(b.device("GPF").ch_variant.value, _secmp(b, "GPF"), _secmp(b, "GSME"))  # type: ignore[union-attr]
            for b in _pit()}
    for variant in SUBSET:
        assert (variant, True, True) in seen
        assert (variant, False, True) in seen


def test_pit_bench_names_follow_the_contract_and_match_contents() -> None:
    for bench in _pit():
        chf = bench.device("CHF")
        assert chf is not None and chf.ch_variant is not None
        ch = "new" if _secmp(bench, "GPF") else "old"
        gsme = "new" if _secmp(bench, "GSME") else "old"
        assert bench.name == f"pit-{chf.ch_variant.value.lower()}-ch{ch}-gsme{gsme}"
        assert bench.source is not None and bench.source.stem == bench.name
        assert bench.device("ESME") is not None
        # CHF and GPF are the same hub: same variant, same SECMP0015 support
        gpf = bench.device("GPF")
        assert gpf is not None and gpf.ch_variant == chf.ch_variant
        assert chf.behaviour("secmp0015") == gpf.behaviour("secmp0015")


def test_pit_matrix_set_is_all_compliant_and_emulated() -> None:
    pset = load_profile_set(REPO / "sets" / "pit-matrix.yaml")
    assert all(b.emulated and not b.faults for b in pset.benches)
    assert len(_pit()) == 4 * len(FULL) + 2 * len(SUBSET)
    assert pset.defect_mask is not None and pset.defect_mask.limit("S1") == 0


def test_one_faulty_bench_per_fault_with_the_fault_on_a_fitting_device() -> None:
    pset = load_profile_set(REPO / "sets" / "faulty.yaml")
    by_fault = {}
    for bench in pset.benches:
        faults = set(bench.faults)
        assert len(faults) == 1, bench.name
        (name,) = faults
        by_fault[name] = bench
        for dev in bench.devices:
            if name in dev.faults:
                check = "GPF" if dev.role is Role.CHF else dev.role.value
                assert FAULTS[name].applies_to(check)
        assert bench.source is not None and bench.source.stem == name
    assert set(by_fault) == set(FAULTS)


def test_default_and_parallel_pair_sets() -> None:
    default = load_profile_set(REPO / "sets" / "default.yaml")
    assert [b.source for b in default.benches] == [default_bench_path().resolve()]
    pair = load_profile_set(REPO / "sets" / "parallel-pair.yaml")
    assert len(pair.benches) == 2 and pair.benches[0].name != pair.benches[1].name
    a, b = (x.host_config_dict() for x in pair.benches)
    strip = [{k: v for k, v in d.items() if k != "name"} for d in a["devices"]]
    assert strip == [{k: v for k, v in d.items() if k != "name"} for d in b["devices"]]


def test_declared_behaviour_variants() -> None:
    def dev(bench: str, role: str) -> DeviceProfile:
        d = load_bench(REPO / "benches" / f"{bench}.yaml").device(role)
        assert d is not None
        return d

    assert dev("variant-gpf-own-time-reliable", "GPF").behaviour("gpf_time_reliability") == "reliable"
    assert dev("variant-never-populated-unsupported", "GPF").behaviour("never_populated_read") == \
        "unsupported_attribute"
    assert dev("variant-ch-clock-invalid", "CHF").behaviour("ch_clock") == "invalid"
    assert dev("variant-prepayment-only-debt", "GSME").behaviour("debt_update_modes") == ["prepayment"]
    assert dev("variant-prepayment-only-debt", "ESME").behaviour("debt_update_modes") == ["prepayment"]
    assert dev("variant-local-time", "ESME").behaviour("local_time_instead_of_utc") is True
    assert dev("variant-local-time", "GSME").behaviour("local_time_instead_of_utc") is True
    assert dev("variant-local-time", "ESME").behaviour("debt_amount_unit") == "whole_pence"


def test_emulated_process_bench() -> None:
    bench = load_bench(REPO / "benches" / "emulated-process.yaml")
    assert bench.connection.type is ConnectionType.EMULATED_PROCESS and bench.emulated


def test_real_bench_template_has_serial_usb_and_zigbee_devices() -> None:
    bench = load_bench(REPO / "benches" / "real-bench-template.yaml")
    assert not bench.emulated and bench.connection.path == "/dev/ttyUSB0"
    esme, ihd = bench.device("ESME"), bench.device("IHD")
    assert esme is not None and esme.connection is not None and esme.connection.usb is not None
    assert esme.connection.usb.vid == 0x0403 and esme.connection.usb.serial == "A10K3XYZ"
    assert ihd is not None and ihd.connection is not None
    assert (ihd.connection.radio, ihd.connection.path) == ("ezsp", "/dev/ttyUSB1")
    gsme = bench.device("GSME")
    assert gsme is not None and gsme.eui == "0012340000000004"  # override of the shared file
    assert gsme.behaviour("secmp0015") is True  # kept from the shared file
    assert all(d.keys is not None and d.keys.is_dir() for d in bench.devices)
