"""Message-code overrides: a bench profile moving the provisional SECMP0002 reset codes is
honoured by both the bench client and the emulator; a client/emulator mismatch is rejected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from harness.bench.bench import Bench
from harness.bench.wire import catalogue_for, message_code_overrides
from harness.emulators import EmulatorHost, HostConfig
from harness.errors import ProfileError
from harness.gbcs.catalogue import CATALOGUE
from harness.gbcs.frame import parse_message
from harness.profiles import load_bench
from harness.profiles.model import BenchProfile
from harness.transport import InProcessTransport

DATA = Path(__file__).resolve().parent / "data"
PROFILE = DATA / "override-reset-codes.yaml"
CODES = {"GCS04r": 0x0F12, "ECS07r": 0x0F11}
RESETS = [("GSME", "GCS04r"), ("ESME", "ECS07r")]


def load_profile(path: Path, tmp_path: Path, *, with_codes: bool = True) -> BenchProfile:
    """``load_bench`` of ``path``, or of a copy without its ``emulator.message_codes``."""
    if with_codes:
        return load_bench(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    for dev in raw["devices"]:
        emulator = dev.get("emulator") or {}
        emulator.pop("message_codes", None)
        if not emulator:
            dev.pop("emulator", None)
        if "profile" in dev:
            dev["profile"] = str((path.parent / dev["profile"]).resolve())
    stripped = tmp_path / path.name
    stripped.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return load_bench(stripped)


@pytest.fixture
def overridden(tmp_path: Path) -> Iterator[Bench]:
    bench = Bench.from_profile(load_profile(PROFILE, tmp_path), path=str(PROFILE))
    yield bench
    bench.close()


def sent_codes(bench: Bench) -> list[int]:
    """Message codes of the GBCS commands on the wire (the transport's log)."""
    return [parse_message(ev.data).message_code for ev in bench.exchange_log.events
            if ev.direction == "tx" and ev.kind == "GBCS"]


def test_profile_overrides_reach_client_and_emulator(overridden: Bench) -> None:
    assert message_code_overrides(overridden.profile) == CODES
    assert overridden.host is not None
    for uid, code in CODES.items():
        assert overridden.host.catalogue.by_id(uid).message_code == code
        assert overridden.handle("GSME").catalogue.by_id(uid).message_code == code  # type: ignore[union-attr]
    assert CATALOGUE.by_id("GCS04r").message_code == 0x0F02  # the default is untouched


@pytest.mark.parametrize("role,use_case", RESETS)
def test_reset_works_end_to_end_with_the_overridden_code(overridden: Bench, role: str, use_case: str) -> None:
    handle = overridden.handle(role)
    assert handle is not None
    overridden.control("set_state", device=role, values={"TDR1": 111, "TDR2": 222, "PDR": 333})
    ex = handle.send(use_case, register="TDR2")
    assert ex.error is None and ex.response is not None
    assert ex.response.success and ex.response.statuses == {"TDR2": 0}
    assert ex.response.signature.value == "valid"
    assert parse_message(ex.command_raw).message_code == CODES[use_case]
    assert ex.response.message.message_code == CODES[use_case]
    assert sent_codes(overridden) == [CODES[use_case]]
    state = overridden.control("get_state", device=role)["state"]
    assert state["debt"] == {"TDR1": 111, "TDR2": 0, "PDR": 333}


@pytest.mark.parametrize("overridden_side", ["emulator", "client"])
def test_a_mismatch_is_rejected_by_the_emulator(tmp_path: Path, overridden_side: str) -> None:
    with_codes = load_profile(PROFILE, tmp_path)
    (tmp_path / "plain").mkdir()
    plain = load_profile(PROFILE, tmp_path / "plain", with_codes=False)
    emulator_profile, client_profile = (with_codes, plain) if overridden_side == "emulator" else (plain, with_codes)
    host = EmulatorHost(HostConfig.from_profile(emulator_profile))
    bench = Bench(client_profile, InProcessTransport(host, name="inproc:mismatch"), host=host, emulated=True)
    try:
        bench.control("set_state", device="GSME", values={"TDR1": 111})
        gsme = bench.handle("GSME")
        assert gsme is not None
        ex = gsme.send("GCS04r", register="TDR1")
        expected = CODES["GCS04r"] if overridden_side == "client" else CATALOGUE.by_id("GCS04r").message_code
        assert sent_codes(bench) == [expected]
        assert ex.response is None and ex.error is not None
        assert ex.error.startswith("rejected: alert") and "0x8ff0" in ex.error  # unknown message code (provisional code)
        assert "provisional" in ex.error and f"0x{expected:04X}" in ex.error
        assert bench.control("get_state", device="GSME")["state"]["debt"]["TDR1"] == 111  # nothing changed
    finally:
        bench.close()


def test_disagreeing_overrides_are_a_profile_error(tmp_path: Path) -> None:
    profile = load_profile(PROFILE, tmp_path)
    profile.devices[1].emulator["message_codes"] = {"GCS04r": 0x0F13}
    with pytest.raises(ProfileError, match=r"GCS04r: message code 0x0F12 .* and 0x0F13 .*disagree") as info:
        catalogue_for(profile)
    assert info.value.field == "devices[1].emulator.message_codes"
    profile.devices[1].emulator["message_codes"] = {"GCS04r": CATALOGUE.by_id("GCS13a").message_code}
    with pytest.raises(ProfileError, match="message code"):
        catalogue_for(profile)
