"""One decode per frame: a reply is parsed once on arrival and that parse is what the check, the
record and the report use; a command built here is recorded from the message it was encoded from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import harness.bench.device as device_mod
import harness.gbcs.decode as decode_mod
from harness.bench.bench import Bench
from harness.bench.wire import describe_message
from harness.gbcs.decode import decode
from harness.gbcs.frame import parse_message
from harness.gbcs.security import Keystore

RTDS = Path(__file__).resolve().parents[1] / "data" / "rtds" / "RTDS-4.5.0"


def test_a_given_parse_decodes_exactly_as_a_fresh_one() -> None:
    keystore = Keystore.packaged()
    files = sorted(RTDS.rglob("*.HEX"))[::9]
    assert len(files) > 50
    for path in files:
        data = bytes.fromhex("".join(path.read_text().split()))
        try:
            fresh = decode(data, keystore, strict=False).to_json()
        except Exception:  # noqa: BLE001 - a frame that does not parse has nothing to compare
            continue
        assert decode(data, keystore, strict=False, message=parse_message(data)).to_json() == fresh, path.name


def test_one_exchange_parses_its_reply_once_and_its_command_never(default_bench: Bench,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def counting(data: bytes) -> Any:
        calls.append(len(data))
        return parse_message(data)

    for module in (device_mod, decode_mod):
        monkeypatch.setattr(module, "parse_message", counting)
    gpf = default_bench.handle("GPF")
    assert gpf is not None
    exchange = gpf.send("GCS13a")
    assert exchange.response is not None and exchange.response.success
    assert calls == [len(exchange.response.raw)]  # the reply, once; the command built here: never
    tx, rx = default_bench.recorder.take()[-2:]
    assert tx.decoded == describe_message(bytes.fromhex(tx.hex))  # the record is what a parse gives
    assert rx.decoded["mac"] == "valid"
