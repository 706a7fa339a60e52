"""Per-item results of the debt commands: each GCS04 component / ECS07 item keeps its own status
(the same register twice, an amount type naming none), Default Responses echo the component's
TSN, and message-code overrides come from the host or the device configuration."""

from __future__ import annotations

import pytest

from harness.emulators import EmulatorHost, HostConfig
from harness.emulators.access import ALERT_UNSUPPORTED
from harness.gbcs import dlms, zcl
from harness.gbcs import usecases as U
from harness.gbcs.gbz import GbzComponent, GbzPayload, finish_controls, parse_gbz
from tests.emulators.conftest import Client, make_host


def change_debts(items: list[tuple[int, int, int]]) -> bytes:
    """GCS04 payload of Change Debt components (TSN, amount type, amount)."""
    comps = []
    for tsn, amount_type, amount in items:
        cd = zcl.ChangeDebt(issuer_event_id=1, debt_label=b"", debt_amount=amount, debt_recovery_method=1,
                            debt_amount_type=amount_type)
        comps.append(GbzComponent(0, zcl.CLUSTER_PREPAYMENT, zcl.ZclHeader(0x01, tsn, zcl.CMD_CHANGE_DEBT),
                                  cd.to_bytes(), cd))
    return GbzPayload(finish_controls(comps)).encode()


def response_tsns(content: bytes) -> list[int]:
    node = parse_gbz(content, None, alert=False)
    assert isinstance(node, GbzPayload)
    return [c.header.tsn for c in node.components]


def test_gsme_applies_a_repeated_register_and_answers_each_component(client: Client) -> None:
    client.control("set_state", device="gsme", values={"TDR1": 100, "TDR2": 0, "PDR": 0})
    reply = client.send_content("GCS04", "GSME", change_debts([(0x21, 1, 5), (0x22, 1, 7)]))
    resp = reply.ok()
    assert resp.success and resp.statuses == {"component0": 0, "component1": 0}
    assert response_tsns(resp.message.content) == [0x21, 0x22]
    assert client.state("gsme")["debt"]["TDR1"] == 112


def test_gsme_typeless_amount_keeps_its_own_status(client: Client) -> None:
    client.control("set_state", device="gsme", values={"TDR1": 100, "TDR2": 50})
    reply = client.send_content("GCS04", "GSME", change_debts([(3, 1, 5), (4, 7, 9), (5, 3, 1)]))
    resp = reply.ok()
    reading = U.read_response("GCS04", resp.message.content,
                              request=U.parse_command("GCS04", reply.command.content))
    assert [(r.register, r.tsn, r.status) for r in reading.items] == [
        ("TDR1", 3, 0), (None, 4, 0x85), ("TDR2", 5, zcl.FAILURE)]
    assert resp.statuses == {"TDR1": 0, "component1": 0x85, "TDR2": zcl.FAILURE} and not resp.success
    assert client.state("gsme")["debt"]["TDR1"] == 105 and client.state("gsme")["debt"]["TDR2"] == 50


def test_gsme_reset_response_echoes_the_tsn(client: Client) -> None:
    reply = client.send_content("GCS04r", "GSME", change_debts([(0x7B, 2, 0)]))
    resp = reply.ok()
    assert resp.success and resp.statuses == {"TDR2": 0}
    assert response_tsns(resp.message.content) == [0x7B]
    assert client.state("gsme")["debt"]["TDR2"] == 0


def test_esme_repeated_register_items_keep_their_own_results(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client({"ESME": {"debt_update_modes": ["credit"]}})
    tdr1 = dlms.RequestSpec(dlms.ACTION, U.CLASS_CHARGE, dlms.obis_bytes(U.DEBT_OBJECTS["TDR1"]), 4)
    content = dlms.AccessRequest(dlms.invoke_id_for(1), [tdr1, tdr1], [dlms.Data(dlms.DOUBLE_LONG, 5)] * 2).encode()
    before = client.state("esme")["debt"]["TDR1"]
    refused = client.send_content("ECS07", "ESME", content).ok()  # prepayment mode: refused
    assert refused.statuses == {"item0": dlms.HARDWARE_FAULT, "item1": dlms.OTHER_REASON}
    client.control("set_state", device="esme", values={"payment_mode": "credit"})
    ok = client.send_content("ECS07", "ESME", content).ok()
    assert ok.success and ok.statuses == {"item0": 0, "item1": 0}
    assert client.state("esme")["debt"]["TDR1"] == before + 10


@pytest.mark.parametrize("where", ["host", "device"])
def test_message_code_override_moves_the_reset(where: str) -> None:
    devices = {"GSME": {"message_codes": {"GCS04r": "0x0F12"}}} if where == "device" else None
    host = make_host(devices, **({"message_codes": {"GCS04r": 0x0F12}} if where == "host" else {}))
    assert host.catalogue.by_id("GCS04r").message_code == 0x0F12
    client = Client(host)
    default = client.send("GCS04r", "GSME", register="TDR1")  # default catalogue: 0x0F02
    assert default.is_alert and default.alert_code == ALERT_UNSUPPORTED
    client.catalogue = host.catalogue
    assert client.send("GCS04r", "GSME", register="TDR1").ok().success


def test_disagreeing_message_codes_are_refused() -> None:
    base = HostConfig.default().to_dict()
    base["devices"][2]["message_codes"] = {"GCS04r": 0x0F12}
    with pytest.raises(ValueError, match="disagree"):
        HostConfig.from_dict({**base, "message_codes": {"GCS04r": 0x0F13}})
    for bad, text in (({"GCS99": 1}, "unknown use case"), ({"GCS04r": 0x10000}, "0..0xFFFF"),
                      ({"GCS04r": "x"}, "not a number")):
        with pytest.raises(ValueError, match=text):
            HostConfig.from_dict({**HostConfig.default().to_dict(), "message_codes": bad})
    assert EmulatorHost(HostConfig.default()).catalogue.by_id("GCS04r").message_code == 0x0F02
