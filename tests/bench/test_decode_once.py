"""One decode per frame: a reply is parsed once on arrival and that parse is what the check, the
record and the report use; a command built here is recorded from the message it was encoded from.
The reply's content too is parsed and decrypted once (by decode()): the tree and the values are
read from that one node."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import harness.bench.device as device_mod
import harness.gbcs.decode as decode_mod
import harness.gbcs.dlms as dlms_mod
import harness.gbcs.gbz as gbz_mod
import harness.gbcs.meteruc as meteruc_mod
import harness.gbcs.payload as payload_mod
import harness.gbcs.usecases as usecases_mod
from harness.bench.api import Response
from harness.bench.bench import Bench
from harness.bench.wire import check_response, describe_message
from harness.gbcs import devicelog
from harness.gbcs.catalogue import CATALOGUE
from harness.gbcs.datetime import ClockStatus, DateTime
from harness.gbcs.decode import decode
from harness.gbcs.frame import Cra, GbcsMessage, OtherInformation, parse_message
from harness.gbcs.security import Keystore
from harness.gbcs.security.content import GcmContentCipher

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


# -- the content: parsed and decrypted once, by decode(), for the tree and the values ------------



def rtds_message(name: str) -> tuple[GbcsMessage, bytes]:
    path = next(RTDS.glob(f"*/{name}_GBCS.HEX"))
    raw = bytes.fromhex("".join(path.read_text().split()))
    return parse_message(raw), raw


def count_parses(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[bytes]]:
    """Every GBZ / DLMS parse and every content decryption from here on, by the bytes parsed."""
    calls: dict[str, list[bytes]] = {"gbz": [], "dlms": [], "decrypt": []}
    real_gbz, real_dlms, real_decrypt = gbz_mod.parse_gbz, dlms_mod.parse_dlms, GcmContentCipher.decrypt

    def gbz(data: bytes, *args: Any, **kwargs: Any) -> Any:
        calls["gbz"].append(bytes(data))
        return real_gbz(data, *args, **kwargs)

    def dlms(data: bytes, *args: Any, **kwargs: Any) -> Any:
        calls["dlms"].append(bytes(data))
        return real_dlms(data, *args, **kwargs)

    def decrypt(self: GcmContentCipher, data: bytes) -> bytes:
        calls["decrypt"].append(bytes(data))
        return real_decrypt(self, data)

    for module in (gbz_mod, usecases_mod, meteruc_mod):
        monkeypatch.setattr(module, "parse_gbz", gbz)
    monkeypatch.setattr(dlms_mod, "parse_dlms", dlms)
    monkeypatch.setitem(payload_mod._parsers, payload_mod.GBZ, gbz)
    monkeypatch.setitem(payload_mod._parsers, payload_mod.DLMS, dlms)
    monkeypatch.setattr(GcmContentCipher, "decrypt", decrypt)
    return calls


@pytest.mark.parametrize("use_case,name,family", [
    ("GCS13a", "GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_RESPONSE", "gbz"),  # an encrypted GBZ component
    ("ECS19", "ECS19_4.3_SUCCESS_RESPONSE", "dlms"),  # a protected DLMS result
])
def test_check_response_parses_and_decrypts_the_content_once(monkeypatch: pytest.MonkeyPatch, use_case: str,
                                                             name: str, family: str) -> None:
    reply, raw = rtds_message(name)
    calls = count_parses(monkeypatch)
    response, tree = check_response(use_case, reply, raw, Keystore.packaged())
    assert response.success and response.values
    assert calls[family] == [reply.content]
    assert calls["gbz" if family == "dlms" else "dlms"] == []
    assert len(calls["decrypt"]) == 1
    assert tree["decryption"] == "ok"


def test_a_debt_reply_is_parsed_once_beside_its_command(monkeypatch: pytest.MonkeyPatch) -> None:
    reply, raw = rtds_message("GCS04_2.3_ERROR_RESPONSE")
    command, _ = rtds_message("GCS04_2.3_ERROR_COMMAND")
    calls = count_parses(monkeypatch)
    response, _tree = check_response("GCS04", reply, raw, Keystore.packaged(), command)
    assert response.statuses == {"TDR1": 0, "TDR2": 0xC0, "PDR": 1}
    assert calls["gbz"] == [reply.content, command.content]  # the reply once (decode), the command (command_request)


def two_parse_check(use_case: str, reply: GbcsMessage, raw: bytes, keystore: Keystore,
                    command: GbcsMessage | None) -> tuple[Response, dict[str, Any]]:
    """check_response as it was: decode() for the tree, then read_response given no node, so it
    parses (and decrypts) the content a second time."""
    real = usecases_mod.read_response

    def parse_again(*args: Any, node: Any = None, **kwargs: Any) -> Any:
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(usecases_mod, "read_response", parse_again)
        return check_response(use_case, reply, raw, keystore, command)


def outcome(check: Any, *args: Any) -> Any:
    try:
        response, tree = check(*args)
    except Exception as exc:  # noqa: BLE001 - both paths must fail alike
        return type(exc), str(exc)
    return (response.values, response.statuses, response.success, response.mac, response.signature,
            response.tree, tree)


@pytest.mark.parametrize("use_case,name,command", [
    ("GCS13a", "GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_RESPONSE", None),
    ("GCS13a", "GCS13a_4.1.1_ERROR_RESPONSE", None),
    ("GCS14", "GCS14_4.3_SUCCESS_RELIABLE_GSME_RESPONSE", None),
    ("GCS60", "GCS60_4.18_SUCCESS_RESPONSE", None),
    ("GCS04", "GCS04_2.3_ERROR_RESPONSE", "GCS04_2.3_ERROR_COMMAND"),
    ("GCS04", "GCS04_2.3_SUCCESS_RESPONSE", "GCS04_2.3_SUCCESS_COMMAND"),
    ("GCS02", "GCS02_1.6_IMMEDIATE_SUCCESS_RESPONSE", None),
    ("GCS02", "GCS02_1.6_IMMEDIATE_ERROR_RESPONSE", None),
    ("ECS02", "ECS02_1.6_IMMEDIATE_SINGLE_SUCCESS_RESPONSE", None),
    ("ECS07", "ECS07_2.3_ERROR_RESPONSE", "ECS07_2.3_ERROR_COMMAND"),
    ("ECS82", "ECS82_4.18_SUCCESS_RESPONSE", None),
    ("ECS19", "ECS19_4.3_SUCCESS_RESPONSE", None),
    ("ECS19", "ECS19_4.3_ERROR_RESPONSE", None),
    ("ECS17b", "ECS17b_4.1.1_TWIN_SUCCESS_RESPONSE", None),
    ("ECS35a", "ECS35a_6.13_SUCCESS_RESPONSE", None),
    ("CCS02", "CCS02_8.11_SUCCESS_RESPONSE", None),
    ("GCS13a", "ECS82_4.18_SUCCESS_RESPONSE", None),  # another family than the use case reads
    ("ECS82", "GCS60_4.18_SUCCESS_RESPONSE", None),
])
def test_one_parse_reads_and_describes_rtds_responses_as_two_did(use_case: str, name: str,
                                                                 command: str | None) -> None:
    keystore = Keystore.packaged()
    reply, raw = rtds_message(name)
    cmd = rtds_message(command)[0] if command else None
    assert outcome(check_response, use_case, reply, raw, keystore, cmd) == \
        outcome(two_parse_check, use_case, reply, raw, keystore, cmd)


def test_a_ccs07_reply_tree_and_values_come_from_its_one_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    request = devicelog.parse_command("CCS07", devicelog.build_command("CCS07", 9))
    logs = devicelog.DeviceLogs([devicelog.LogEntry(bytes.fromhex("00DB12345678E0A5"), bytes(range(16)))], [],
                                bytes.fromhex("0102030405060708"), DateTime.from_datetime(datetime(2026, 3, 29, 1, 30), ClockStatus(0)))
    content = devicelog.build_response("CCS07", request, logs=logs)
    reply = GbcsMessage(Cra.RESPONSE, 9, bytes.fromhex("00DB12345678E0A0"), bytes.fromhex("90B3D51F30030000"),
                        OtherInformation(int(CATALOGUE.by_id("CCS07").message_code)), content, None, b"")
    raw = reply.to_bytes()
    keystore = Keystore.packaged()
    expected = outcome(two_parse_check, "CCS07", reply, raw, keystore, None)
    assert expected[-1]["payload"]["device_logs"] == devicelog.read_logs(content)[0].to_json()
    calls = count_parses(monkeypatch)
    assert outcome(check_response, "CCS07", reply, raw, keystore, None) == expected
    assert calls["dlms"] == [content]
