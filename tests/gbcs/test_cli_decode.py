"""`harness decode`: files, --hex, stdin (hex or base64, per line or whole), --keys, --json,
bad input reported on stderr with source, offset and field, exit status 2."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "rtds"
RTDS = DATA / "RTDS-4.5.0"
ECS82 = RTDS / "4.18_ECS82" / "ECS82_4.18_SUCCESS_RESPONSE_GBCS.HEX"
GCS13A = RTDS / "4.1.1_GCS13a" / "GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_RESPONSE_GBCS.HEX"


def _hex(path: Path) -> str:
    return "".join(path.read_text().split())


def _expected() -> dict[str, dict[str, object]]:
    rows = [json.loads(line) for line in (DATA / "expected.jsonl").read_text().splitlines() if line.strip()]
    return {str(r["file"]): r for r in rows}


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_files_json_with_default_keys(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA)
    names = [str(p.relative_to(DATA)) for p in sorted((RTDS / "4.18_ECS82").iterdir())]
    assert main(["decode", "--json", "--keys", "default", *names]) == 0
    out = _json_lines(capsys.readouterr().out)
    expected = _expected()
    assert [o["file"] for o in out] == names
    for o in out:
        row = expected[str(o["file"])]
        for key in ("cra", "originator_counter", "message_code", "mac", "signature", "date_time"):
            assert o[key] == row[key]


def test_folder_argument_decodes_every_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", "--json", str(RTDS / "4.1.1_GCS13a")]) == 0
    out = _json_lines(capsys.readouterr().out)
    assert len(out) == len(list((RTDS / "4.1.1_GCS13a").iterdir()))
    assert all(o["mac"] == "unknown" for o in out)  # no keys given


def test_text_output_has_time_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", "--keys", "default", str(GCS13A)]) == 0
    text = capsys.readouterr().out
    assert "2015-01-01 00:00:00 (from GSME, reliable)" in text
    assert "MAC: valid" in text and "decryption: ok" in text


def test_bad_inputs_are_reported_and_others_continue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _hex(ECS82)
    files = {
        "odd.hex": good[:-1],
        "nonhex.hex": good[:10] + "ZZ" + good[12:],
        "truncated.hex": good[:60],
        "tag.hex": "AB" + good[2:],
        "length.hex": good[:14] + "85" + good[16:],
        "good.hex": " ".join(good[i : i + 2] for i in range(0, len(good), 2)) + "\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    paths = [str(tmp_path / n) for n in files]
    assert main(["decode", "--json", *paths, str(tmp_path / "missing.hex")]) == 2
    captured = capsys.readouterr()
    out = _json_lines(captured.out)
    assert [o["file"] for o in out] == [str(tmp_path / "good.hex")]
    errors = captured.err.splitlines()
    assert len(errors) == 6
    by_file = {line.split(": byte ")[0]: line for line in errors}
    assert "odd number of hex digits" in by_file[str(tmp_path / "odd.hex")]
    assert "byte 5: hex text: non-hex character 'Z'" in by_file[str(tmp_path / "nonhex.hex")]
    assert "truncated" in by_file[str(tmp_path / "truncated.hex")]
    assert "byte 0: tag" in by_file[str(tmp_path / "tag.hex")]
    assert "byte 7: ciphered-service length" in by_file[str(tmp_path / "length.hex")]
    assert "cannot read" in by_file[str(tmp_path / "missing.hex")]


def test_hex_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", "--json", "--hex", _hex(ECS82), "--hex", "DF09"]) == 2
    captured = capsys.readouterr()
    assert len(_json_lines(captured.out)) == 1
    assert captured.err.startswith("--hex[2]: byte ")


def test_stdin_lines_hex_and_base64(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    raw = bytes.fromhex(_hex(GCS13A))
    lines = [_hex(ECS82), base64.b64encode(raw).decode(), "", "not a message"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["decode", "--json"]) == 2
    captured = capsys.readouterr()
    out = _json_lines(captured.out)
    assert [o["file"] for o in out] == ["<stdin>:1", "<stdin>:2"]
    assert out[1]["message_code"] == "0074"
    assert captured.err.startswith("<stdin>:4: byte ")


def test_stdin_one_message_over_many_lines(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    text = _hex(ECS82)
    wrapped = "\n".join(text[i : i + 32] for i in range(0, len(text), 32))
    monkeypatch.setattr(sys, "stdin", io.StringIO(wrapped))
    assert main(["decode", "--json"]) == 0
    out = _json_lines(capsys.readouterr().out)
    assert len(out) == 1 and out[0]["file"] == "<stdin>" and out[0]["roundtrip"] is True


def test_bad_keystore_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["decode", "--keys", str(tmp_path / "nope"), str(ECS82)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_console_script_subprocess() -> None:
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "decode", "--json", "--keys", "default", str(ECS82)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["mac"] == "valid"


def _with_header_date_time(path: Path, date_time: bytes) -> str:
    """The RTDS message with its header date-time replaced (MAC no longer matches: no keys)."""
    from harness.gbcs.frame import parse_message

    raw = bytes.fromhex(_hex(path))
    old = parse_message(raw).date_time
    assert old is not None
    at = raw.index(old.to_bytes())
    return (raw[:at] + date_time + raw[at + 12:]).hex()


# 9999-12-31 23:59:59, deviation +600 minutes: a valid encoding past what a datetime can hold.
YEAR_9999 = bytes.fromhex("270F0C1FFF173B3BFF025800")
MONTH_13 = bytes.fromhex("07EA0D01FF0C0000FF800000")


@pytest.mark.parametrize(("date_time", "words"), [
    (YEAR_9999, ("year 9999", "deviation 600", "out of range")),
    (MONTH_13, ("month 13", "not a calendar date-time")),
], ids=["year_9999_plus_deviation", "month_13"])
def test_an_impossible_date_time_renders_its_raw_fields_and_the_reason_and_decode_goes_on(
        date_time: bytes, words: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    from harness.gbcs.decode import decode

    odd = _with_header_date_time(GCS13A, date_time)
    decoded = decode(bytes.fromhex(odd))
    text = decoded.to_text()
    assert all(w in text for w in words), text
    assert decoded.message.date_time is not None and decoded.message.date_time.to_json()["problem"]
    json.dumps(decoded.to_json())
    assert main(["decode", "--hex", odd, "--hex", _hex(ECS82)]) == 0  # the later input is decoded too
    out = capsys.readouterr()
    assert out.err == "" and all(w in out.out for w in words) and "ECS82" in out.out
