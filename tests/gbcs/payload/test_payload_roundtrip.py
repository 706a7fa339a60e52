"""Every RTDS message content decodes into its family and re-encodes byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.gbcs.dlms import AccessRequest, AccessResponse, DataNotification
from harness.gbcs.frame import parse_message
from harness.gbcs.gbz import GbzAlert, GbzPayload
from harness.gbcs.payload import decode_payload
from harness.gbcs.zcl import ChangeDebt, DefaultResponse, ReadAttributes, ReadAttributesResponse

RTDS = Path(__file__).resolve().parents[2] / "data" / "rtds" / "RTDS-4.5.0"
FILES = sorted(RTDS.glob("*/*.HEX"))
FAMILY_BY_FIRST = {0x01: "gbz", 0xD9: "dlms", 0xDA: "dlms", 0x0F: "dlms", 0x30: "asn1", 0x02: "asn1",
                   0x04: "asn1", 0x05: "asn1"}


def _msg(path: Path):  # type: ignore[no-untyped-def]
    return parse_message(bytes.fromhex(path.read_text().strip()))


def test_rtds_present() -> None:
    assert len(FILES) > 600


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_round_trip(path: Path) -> None:
    msg = _msg(path)
    for cra in (int(msg.cra), None):
        p = decode_payload(msg.content, message_code=msg.message_code, cra=cra)
        assert p.family == FAMILY_BY_FIRST[msg.content[0]]
        assert p.node is not None
        assert p.encode() == msg.content
        tree = p.to_json()
        assert tree["family"] == p.family
        json.dumps(tree)


def test_all_families_and_apdus_seen() -> None:
    kinds = set()
    for path in FILES:
        msg = _msg(path)
        kinds.add(type(decode_payload(msg.content, cra=int(msg.cra)).node).__name__)
    assert {"GbzPayload", "GbzAlert", "AccessRequest", "AccessResponse", "DataNotification",
            "Asn1Payload"} <= kinds


def test_gbz_alert_and_component_forms() -> None:
    alert = _msg(next(RTDS.glob("*/MIIWA-ZigBee_NA_81A0_ALERT_GBCS.HEX")))
    node = decode_payload(alert.content, cra=3).node
    assert isinstance(node, GbzAlert)
    assert (node.alert_code, node.timestamp, node.rest) == (0x81A0, 0x1C374A80, b"\x00\x05")
    fd = _msg(next(RTDS.glob("*/GCS02_1.6_8F66_FUTURE_DATED_SUCCESS_ALERT_CHANGE_PAYMENT_MODE_GBCS.HEX")))
    tree = decode_payload(fd.content, cra=3).to_json()
    assert tree["future_dated"]["message_code"] == 0x006C
    assert tree["future_dated"]["originator_counter"] == 0x03E9


def test_mission_zcl_bodies_are_typed() -> None:
    """Every plain ZCL body of the mission's GBZ use cases decodes to a modelled command."""
    for folder in ("4.1.1_GCS13a", "4.1.2_GCS13c", "4.3_GCS14", "4.18_GCS60", "2.3_GCS04"):
        for path in (RTDS / folder).glob("*.HEX"):
            node = decode_payload(_msg(path).content).node
            assert isinstance(node, GbzPayload)
            for comp in node.components:
                if comp.payload is not None:
                    assert isinstance(comp.body, ReadAttributes | ReadAttributesResponse | DefaultResponse
                                      | ChangeDebt), (path.name, comp)


def test_gcs04_change_debt_fields(rtds) -> None:  # type: ignore[no-untyped-def]
    node = decode_payload(rtds("GCS04_2.3_SUCCESS_COMMAND_GBCS.HEX").content).node
    assert isinstance(node, GbzPayload)
    debts = [c.body for c in node.components]
    assert all(isinstance(d, ChangeDebt) for d in debts)
    assert [(d.debt_amount, d.debt_amount_type, d.register) for d in debts] == [  # type: ignore[union-attr]
        (1_000_000, 1, "TDR1"), (500_000, 3, "TDR2"), (1_000_000, 5, "PDR")]
    assert debts[0].issuer_event_id == 0x1C374A80  # type: ignore[union-attr]


def test_dlms_apdus(rtds) -> None:  # type: ignore[no-untyped-def]
    req = decode_payload(rtds("ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX").content).node
    assert isinstance(req, AccessRequest)
    assert req.invoke_id == 0x200003E8
    assert req.specs[0].describe() == {"kind": "get", "class_id": 112, "obis": "0-0:19.10.0.255", "attribute": 2}
    resp = decode_payload(rtds("ECS07_2.3_ERROR_RESPONSE_GBCS.HEX").content).node
    assert isinstance(resp, AccessResponse)
    assert resp.results[-2:] == [(3, 1), (3, 250)]
    note = decode_payload(_msg(next(RTDS.glob("NA_GNCA-DLMS/*.HEX"))).content).node
    assert isinstance(note, DataNotification)
    assert note.describe()["alert_code"] == 0x810E


def test_unknown_family_is_raw() -> None:
    p = decode_payload(b"\xab\xcd\xef", message_code=0x1234)
    assert p.family == "raw" and p.node is None
    assert p.encode() == b"\xab\xcd\xef"
    assert p.to_json() == {"family": "raw", "length": 3, "message_code": "1234", "raw": "ABCDEF"}
    assert decode_payload(b"").family == "raw"


def test_unknown_zcl_command_stays_opaque() -> None:
    content = bytes.fromhex("01090101070200050900ff1234")  # cluster-specific cmd 0xFF
    p = decode_payload(content)
    assert p.to_json()["components"][0]["zcl"]["raw"] == "1234"
    assert p.encode() == content
