"""The command line as a new user meets it: ``python -m harness``, one-line usage errors with
exit 2, hex/base64 from files and stdin alike, options after the subcommand, ``--keys default``
verifying the emulated bench, plain-text ``--help`` naming environment variables."""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.cli import build_parser, main
from harness.commands.common import ENVIRONMENT, plain

ROOT = Path(__file__).resolve().parents[2]
RTDS = ROOT / "tests" / "data" / "rtds" / "RTDS-4.5.0"
GCS13A = RTDS / "4.1.1_GCS13a" / "GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_RESPONSE_GBCS.HEX"
ECS82 = RTDS / "4.18_ECS82" / "ECS82_4.18_SUCCESS_RESPONSE_GBCS.HEX"


def _hex(path: Path) -> str:
    return "".join(path.read_text().split())


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "harness", *args], input=stdin, capture_output=True, text=True,
                          timeout=120, check=False, env=env, cwd=ROOT)


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# -- python -m harness, one-line errors -------------------------------------------------------
def test_python_m_harness_help_lists_commands_and_environment() -> None:
    proc = _run("--help")
    assert proc.returncode == 0, proc.stderr
    for command in ("decode", "send", "run", "cycles", "report"):
        assert re.search(rf"^\s+{command}\s", proc.stdout, re.M), command
    for name in ENVIRONMENT:
        assert name in proc.stdout


def test_unknown_use_case_is_one_line_exit_2_before_the_port_is_opened() -> None:
    proc = _run("send", "--port", "/dev/no-such-port-for-harness", "GCS99")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "unknown use case 'GCS99'" in proc.stderr and "did you mean" in proc.stderr


def test_bad_input_and_usage_errors_are_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["send", "GCS60", "not-a-pair"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not key=value" in err
    with pytest.raises(SystemExit) as exc:
        main(["cycles", "lsit"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice" in err and "harness cycles --help" in err


# -- harness decode: files and stdin alike ----------------------------------------------------
def test_base64_and_hex_files_decode_like_stdin(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    raw13, raw82 = bytes.fromhex(_hex(GCS13A)), bytes.fromhex(_hex(ECS82))
    b64 = base64.b64encode(raw13).decode()
    files = {
        "one.b64": b64 + "\n",
        "wrapped.b64": "\n".join(textwrap.wrap(b64, 76)) + "\n",  # as base64(1) writes it
        "lines.txt": _hex(ECS82) + "\n" + b64 + "\n",  # one message per line, hex and base64
        "raw.bin": raw82,
    }
    for name, content in files.items():
        path = tmp_path / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    monkeypatch.chdir(tmp_path)
    assert main(["decode", "--json", *files]) == 0
    out = _json_lines(capsys.readouterr().out)
    assert [(o["file"], o["message_code"]) for o in out] == [
        ("one.b64", "0074"), ("wrapped.b64", "0074"), ("lines.txt:1", "0069"), ("lines.txt:2", "0074"),
        ("raw.bin", "0069")]
    monkeypatch.setattr(sys, "stdin", io.StringIO(files["wrapped.b64"]))
    assert main(["decode", "--json"]) == 0
    assert [o["message_code"] for o in _json_lines(capsys.readouterr().out)] == ["0074"]


def test_base64_of_something_else_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.b64").write_text(base64.b64encode(b"hello, not GBCS").decode())
    assert main(["decode", str(tmp_path / "x.b64")]) == 2
    assert "neither hex nor base64 of a GBCS message" in capsys.readouterr().err


# -- options after the subcommand, environment fallbacks --------------------------------------
@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    from harness.report.store import CycleStore

    path = tmp_path / "cycles.sqlite"
    with CycleStore(path) as store:
        store.start_cycle("C1", {"started": "2024-05-01T00:00:00+00:00"})
    return path


@pytest.mark.parametrize("argv", [
    ["cycles", "--json", "--store", "{s}", "list"],
    ["cycles", "list", "--json", "--store", "{s}"],
    ["cycles", "--store", "{s}", "list", "--json"],
    ["cycles", "--json", "list", "--store", "{s}"],
])
def test_cycles_options_before_or_after_the_action(argv: list[str], store_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main([a.format(s=store_path) for a in argv]) == 0
    assert [c["id"] for c in json.loads(capsys.readouterr().out)] == ["C1"]


def test_store_falls_back_to_its_environment_variable(store_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_STORE", str(store_path))
    assert main(["cycles", "list", "--json"]) == 0
    assert [c["id"] for c in json.loads(capsys.readouterr().out)] == ["C1"]


# -- --keys default verifies what the emulated bench sends ------------------------------------
@pytest.mark.parametrize("use_case, check", [("GCS60", "mac"), ("ECS07r", "signature")])
def test_keys_default_verifies_the_emulated_bench(use_case: str, check: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    main(["send", "--json", use_case] + (["register=TDR1"] if use_case == "ECS07r" else []))
    sent = json.loads(capsys.readouterr().out)
    assert sent[check] == "valid"
    for keys, verdict in (("default", "valid"), ("emulated", "valid"), ("rtds", "unknown")):
        assert main(["decode", "--json", "--keys", keys, "--hex", sent["response"]]) == 0
        assert json.loads(capsys.readouterr().out)[check] == verdict, keys


def test_keys_default_still_verifies_rtds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", "--json", "--keys", "default", str(GCS13A)]) == 0
    assert json.loads(capsys.readouterr().out)["mac"] == "valid"


# -- --help: plain text, environment variables named ------------------------------------------
def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.extend(_parsers(sub))
    return found


def test_every_help_is_plain_text_and_names_its_environment_variables() -> None:
    parsers = _parsers(build_parser())
    assert len(parsers) >= 12
    with_env = 0
    for parser in parsers:
        text = parser.format_help()
        assert "``" not in text and not re.search(r":[a-z]+:`", text), parser.prog
        assert "`" not in text, f"{parser.prog}: reST backticks in --help"
        for action in parser._actions:
            env = getattr(action, "env", None)
            if env:
                with_env += 1
                assert f"env {env}" in (action.help or ""), (parser.prog, action.dest)
    assert with_env >= 8


def test_plain_strips_rest_markup() -> None:
    assert plain("``harness run`` and `x` and :func:`main`") == "harness run and x and main"


def test_plugin_options_name_their_environment_variables(pytester: pytest.Pytester) -> None:
    from harness.plugin.options import ENV

    out = pytester.runpytest_subprocess("--help").stdout.str()
    for name in ENV.values():
        assert name in out, name


def test_venv_is_ignored() -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    proc = subprocess.run(["git", "check-ignore", "-q", ".venv/lib/x.py"], cwd=ROOT, check=False)
    assert proc.returncode == 0
