"""Every broken profile gives ONE line naming file:line and the field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.errors import ProfileError
from harness.profiles import load_any, load_bench, load_device, load_profile_set

from ._support import DEVICE, Write

BENCH_HEAD = """
kind: bench
name: b
connection:
  type: emulated
devices:
"""


def expect(exc: pytest.ExceptionInfo[ProfileError], path: Path, line: int | None, field: str,
           *words: str) -> str:
    msg = str(exc.value)
    assert "\n" not in msg
    assert Path(exc.value.file).resolve() == path.resolve()
    assert exc.value.line == line
    assert exc.value.field == field
    where = f"{exc.value.file}:{line}" if line is not None else exc.value.file
    prefix = f"{where}: field '{field}' " if field else f"{where}: "
    assert msg.startswith(prefix), msg
    for w in words:
        assert w in msg, msg
    return msg


def test_bad_yaml_syntax_names_the_line(write: Write) -> None:
    p = write("d.yaml", "kind: device\nrole: GSME\nbehaviours:\n  secmp0015: [true\nname: x\n")
    with pytest.raises(ProfileError) as exc:
        load_device(p)
    msg = expect(exc, p, 5, "", "YAML syntax error")
    assert "Traceback" not in msg


def test_tab_indentation_is_a_syntax_error(write: Write) -> None:
    p = write("d.yaml", "kind: device\nrole: GSME\nbehaviours:\n\tsecmp0015: true\n")
    with pytest.raises(ProfileError) as exc:
        load_device(p)
    assert exc.value.line == 4 and "YAML syntax error" in str(exc.value)


# One broken file, one loader: (file name, text, loader, line, field, words the message holds).
ONE_FILE_ERRORS = [
    pytest.param("d.yaml", DEVICE + "capabilites: [gcs60a]\n", load_device, 12, "capabilites",
                 ("unknown field", "did you mean 'capabilities'"), id="unknown_field_with_did_you_mean"),
    pytest.param("d.yaml", DEVICE + "  gsme_clok: reliable\n", load_device, 12, "behaviours.gsme_clok",
                 ("unknown field", "did you mean 'gsme_clock'"), id="unknown_behaviour_key"),
    pytest.param("d.yaml", DEVICE.replace("capabilities: [reading_snapshot_time]", "capabilities: gcs60a"),
                 load_device, 7, "capabilities", ("expected a list",), id="wrong_type"),
    pytest.param("d.yaml", DEVICE.replace("secmp0015: true", "secmp0015: sometimes"), load_device, 10,
                 "behaviours.secmp0015", ("expected true or false",), id="wrong_type_bool_behaviour"),
    pytest.param("d.yaml", DEVICE.replace("gsme_clock: reliable", "gsme_clock: realiable"), load_device, 11,
                 "behaviours.gsme_clock",
                 ("'realiable' is not one of: reliable, unreliable, invalid", "did you mean 'reliable'"),
                 id="bad_enum_value"),
    pytest.param("d.yaml", DEVICE + "  gpf_time_reliability: reliable\n", load_device, 12,
                 "behaviours.gpf_time_reliability", ("differs from the seed's 'unreliable'",
                                                     "gpf_time_reliability_reason"),
                 id="reliable_own_time_without_a_reason"),
    pytest.param("d.yaml", DEVICE.replace("role: GSME", "role: GASMETER"), load_device, 2, "role",
                 ("'GASMETER' is not one of",), id="bad_role"),
    pytest.param("d.yaml", DEVICE.replace("name: test GSME\n", ""), load_device, 1, "name",
                 ("missing required field",), id="missing_required_field"),
    pytest.param("b.yaml", BENCH_HEAD.replace("  type: emulated\n", "  type: tcp\n  host: lab\n")
                 + "  - {role: IHD, eui: 00DB12345678E0A5, name: ihd}\n", load_bench, 4, "connection.port",
                 ("missing required field",), id="missing_required_nested_field_names_the_mapping_line"),
    pytest.param("s.yaml", "kind: profile_set\nname: s\nbenches:\n  - b1.yaml\n", load_profile_set, 4,
                 "benches[0]", ("bench profile not found",), id="missing_bench_in_a_set"),
    pytest.param("d.yaml", DEVICE + "emulator:\n  faults: [gsme_snapshot_intermitent]\n", load_device, 13,
                 "emulator.faults[0]",
                 ("unknown fault 'gsme_snapshot_intermitent'", "did you mean 'gsme_snapshot_intermittent'"),
                 id="unknown_fault"),
    pytest.param("d.yaml", DEVICE + "emulator:\n  faults:\n    - wrong_mac\n    - bit2_never_set\n", load_device,
                 15, "emulator.faults[1]", ("is for a GPF, not a GSME",), id="fault_for_another_role"),
    pytest.param("b.yaml", BENCH_HEAD + "  - {role: IHD, eui: 00DB12345678E0A5, name: ihd}\n"
                 "  - {role: ESME, eui: 00db12345678e0a5, name: esme}\n", load_bench, 7, "devices[1].eui",
                 ("duplicate EUI 00DB12345678E0A5",), id="duplicate_eui_in_a_bench"),
    pytest.param("d.yaml", DEVICE, load_bench, 1, "kind", ("'device' profile, expected 'bench'",),
                 id="wrong_kind"),
    pytest.param("d.yaml", DEVICE + "name: again\n", load_device, 12, "name", ("duplicate key", "line 4"),
                 id="duplicate_key"),
    pytest.param("b.yaml", BENCH_HEAD.replace("  type: emulated\n", "  type: serial\n  host: lab\n")
                 + "  - {role: IHD, eui: 00DB12345678E0A5, name: ihd}\n", load_bench, 5, "connection.host",
                 ("not used by a 'serial' connection",), id="connection_field_of_another_type"),
    pytest.param("b.yaml", BENCH_HEAD.replace("  type: emulated\n", "  type: zigbee\n  radio: ezsp\n"
                                              "  usb: {vid_pid: 0403-6001}\n")
                 + "  - {role: IHD, eui: 00DB12345678E0A5, name: ihd}\n", load_bench, 6, "connection.usb.vid_pid",
                 ("not a USB id",), id="bad_usb_id"),
    pytest.param("d.yaml", DEVICE + "emulator:\n  message_codes:\n    GCS04x: 0x0F12\n", load_device, 14,
                 "emulator.message_codes.GCS04x", ("unknown use case 'GCS04x'",), id="unknown_use_case_code"),
    pytest.param("d.yaml", DEVICE + "emulator:\n  message_codes:\n    GCS04r: 0x1FFFF\n", load_device, 14,
                 "emulator.message_codes.GCS04r", ("expected a message code 0x0000..0xFFFF",),
                 id="message_code_out_of_range"),
]


@pytest.mark.parametrize("name, text, load, line, field, words", ONE_FILE_ERRORS)
def test_one_file_error_names_line_and_field(write: Write, name: str, text: str, load: Callable[[Path], Any],
                                             line: int, field: str, words: tuple[str, ...]) -> None:
    p = write(name, text)
    with pytest.raises(ProfileError) as exc:
        load(p)
    expect(exc, p, line, field, *words)








@pytest.mark.parametrize("eui", ["00DB12345678E0A", "00DB12345678E0AZ", "[1, 2]"])
def test_bad_eui(write: Write, eui: str) -> None:
    p = write("d.yaml", DEVICE.replace("eui: 00DB12345678E0A1", f"eui: {eui}"))
    with pytest.raises(ProfileError) as exc:
        load_device(p)
    expect(exc, p, 3, "eui")


def test_eui_that_yaml_reads_as_a_number_is_kept_as_written(write: Write) -> None:
    p = write("d.yaml", DEVICE.replace("eui: 00DB12345678E0A1", "eui: 1234567890123456"))
    assert load_device(p).eui == "1234567890123456"


@pytest.mark.parametrize("version", ["four", "4", "4.0.1"])
def test_bad_gbcs_version(write: Write, version: str) -> None:
    p = write("d.yaml", DEVICE.replace('gbcs: "4.0"', f"gbcs: {version}"))
    with pytest.raises(ProfileError) as exc:
        load_device(p)
    expect(exc, p, 6, "gbcs", "not a GBCS version")


def test_unquoted_gbcs_version_is_read_as_text(write: Write) -> None:
    p = write("d.yaml", DEVICE.replace('gbcs: "4.0"', "gbcs: 4.0"))
    assert load_device(p).gbcs == "4.0"




def test_missing_key_folder_names_the_path(write: Write, tmp_path: Path) -> None:
    p = write("d.yaml", DEVICE.replace("keys: builtin", "keys: ../no-such-keys"))
    with pytest.raises(ProfileError) as exc:
        load_device(p)
    expect(exc, p, 8, "keys", "key folder not found", str((tmp_path / ".." / "no-such-keys").resolve()))


def test_key_folder_resolves_relative_to_the_file(write: Write, tmp_path: Path) -> None:
    (tmp_path / "k").mkdir()
    p = write("sub/d.yaml", DEVICE.replace("keys: builtin", "keys: ../k"))
    assert load_device(p).keys == (tmp_path / "k").resolve()


def test_missing_device_profile_file(write: Write, tmp_path: Path) -> None:
    p = write("b.yaml", BENCH_HEAD + "  - profile: devices/nope.yaml\n")
    with pytest.raises(ProfileError) as exc:
        load_bench(p)
    expect(exc, p, 6, "devices[0].profile", "device profile not found",
           str((tmp_path / "devices" / "nope.yaml").resolve()))





def test_duplicate_role_in_a_bench(write: Write) -> None:
    write("gsme.yaml", DEVICE)
    p = write("b.yaml", BENCH_HEAD + "  - profile: gsme.yaml\n  - profile: gsme.yaml\n    eui: 00DB12345678E0FF\n")
    with pytest.raises(ProfileError) as exc:
        load_bench(p)
    expect(exc, p, 7, "devices[1].role", "duplicate role GSME", "devices[0]")



def test_error_in_a_bench_override_names_the_bench_file(write: Write) -> None:
    d = write("gsme.yaml", DEVICE)
    p = write("b.yaml", BENCH_HEAD + "  - profile: gsme.yaml\n    behaviours:\n      gsme_clock: sometimes\n")
    with pytest.raises(ProfileError) as exc:
        load_bench(p)
    expect(exc, p, 8, "behaviours.gsme_clock", "is not one of")
    assert d.exists()


def test_error_inside_a_referenced_device_file_names_that_file(write: Write) -> None:
    d = write("gsme.yaml", DEVICE.replace("name: test GSME", "name: x\nmodle: y"))
    p = write("b.yaml", BENCH_HEAD + "  - profile: gsme.yaml\n")
    with pytest.raises(ProfileError) as exc:
        load_bench(p)
    expect(exc, d, 5, "modle", "did you mean 'model'")






def test_empty_file_and_missing_file(write: Write, tmp_path: Path) -> None:
    p = write("e.yaml", "# nothing\n")
    with pytest.raises(ProfileError) as exc:
        load_any(p)
    assert "empty profile" in str(exc.value)
    with pytest.raises(ProfileError) as exc:
        load_any(tmp_path / "absent.yaml")
    assert str(exc.value) == f"{tmp_path / 'absent.yaml'}: file not found"


def test_defect_mask_negative(write: Write) -> None:
    write("gsme.yaml", DEVICE)
    write("b.yaml", BENCH_HEAD + "  - profile: gsme.yaml\n")
    p = write("s.yaml", "kind: profile_set\nname: s\nbenches: [b.yaml]\ndefect_mask:\n  S1: 0\n  S3: -1\n")
    with pytest.raises(ProfileError) as exc:
        load_profile_set(p)
    expect(exc, p, 6, "defect_mask.S3", "at least 0")


def test_check_command_prints_one_line_per_file(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    from harness.profiles.__main__ import main

    good = write("good.yaml", DEVICE)
    bad = write("bad.yaml", DEVICE.replace("role: GSME", "role: GSM"))
    assert main([str(good)]) == 0
    assert main([str(good), str(bad)]) == 1
    err = capsys.readouterr().err
    assert err == f"{bad}:2: field 'role' 'GSM' is not one of: CHF, GPF, ESME, GSME, IHD, PPMID (did you mean 'GSME'?)\n"
