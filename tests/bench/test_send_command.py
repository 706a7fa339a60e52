"""``harness send``: one command through the same bench/handle code, response printed."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from harness.commands.send import parse_params
from harness.errors import EncodeError
from harness.transport.spawn import spawn_emulator
from tests.bench.conftest import BENCHES


def test_params_are_typed() -> None:
    assert parse_params(["register=TDR1", "tdr1=0x10", "n=5", "flag=true"]) == \
        {"register": "TDR1", "tdr1": 16, "n": 5, "flag": True}
    with pytest.raises(EncodeError, match="not key=value"):
        parse_params(["oops"])


def test_send_on_the_default_bench_prints_the_tree(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["send", "GCS13a"]) == 0
    out = capsys.readouterr().out
    assert "response 0x0074" in out and "MAC: valid" in out
    assert '"Divisor": 1000' in out


def test_send_over_a_port_to_a_separate_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    proc = spawn_emulator(BENCHES / "emulated-default.yaml")
    try:
        rc = main(["send", "--port", proc.pty_path, "--json", "--to", "ESME", "ECS07r", "register=TDR2"])
        out = json.loads(capsys.readouterr().out)
        assert rc == 0
        assert out["signature"] == "valid" and out["success"] is True
        assert out["error"] is None
    finally:
        proc.stop()


def test_unknown_target_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["send", "--to", "TOASTER", "GCS13a"]) == 2
    assert "TOASTER" in capsys.readouterr().err
