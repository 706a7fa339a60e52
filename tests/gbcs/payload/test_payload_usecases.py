"""Use-case builders reproduce the RTDS command/response payloads; readers give the RTDS values."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import EncodeError
from harness.gbcs import usecases as U
from harness.gbcs.frame import parse_message

RTDS = Path(__file__).resolve().parents[2] / "data" / "rtds" / "RTDS-4.5.0"
SUPPLIER = bytes.fromhex("90B3D51F30010000")
NETWORK_OPERATOR = bytes.fromhex("90B3D51F30020000")
ESME = bytes.fromhex("00DB1234567890A0")


def content(name: str) -> bytes:
    path = next(RTDS.glob(f"*/{name}_GBCS.HEX"))
    return parse_message(bytes.fromhex(path.read_text().strip())).content


def msg(name: str):  # type: ignore[no-untyped-def]
    path = next(RTDS.glob(f"*/{name}_GBCS.HEX"))
    return parse_message(bytes.fromhex(path.read_text().strip()))


# documented RTDS values (gbcs-facts 4.2 - 4.11)
GCS13A = {"Divisor": 1000, "Multiplier": 1, "UnitofMeasure": 1, "CurrentSummationDelivered": 12345}
GCS13C = {"Divisor": 1000, "Multiplier": 1, "UnitofMeasure": 1, "CurrentTier1SummationDelivered": 1000,
          "CurrentTier2SummationDelivered": 2000, "CurrentTier3SummationDelivered": 3000,
          "CurrentTier4SummationDelivered": 4000}
GCS14 = {"PriceTrailingDigit": 0x50, "Currency": 826, "AccumulatedDebt": 2_500_000,
         "EmergencyCreditRemaining": 500_000, "CreditRemaining": 2_500_000, "DebtAmount3": 5000,
         "DebtAmount1": 5000, "DebtAmount2": 5000}
GCS60 = {"BillToDateDelivered": 3_500_000, "CreditRemaining": 2_500_000}
ECS19 = {"meter_balance": 250_000, "emergency_credit_balance": 95_000, "accumulated_debt": 187_000,
         "TDR1": 203_000, "TDR2": 243_000, "PDR": 46_000}


@pytest.mark.parametrize("uc,name", [
    ("GCS13a", "GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_COMMAND"), ("GCS13a", "GCS13a_4.1.1_ERROR_COMMAND"),
    ("GCS13c", "GCS13c_4.1.2_SUCCESS_UNRELIABLE_COMMAND"), ("GCS14", "GCS14_4.3_SUCCESS_RELIABLE_GPF_COMMAND"),
    ("GCS60", "GCS60_4.18_SUCCESS_COMMAND"),
])
def test_gbz_read_commands(uc: str, name: str) -> None:
    assert U.build_command_content(uc) == content(name)


def test_gcs60a_and_gcs13b_commands() -> None:
    assert U.build_command_content("GCS60a") == bytes.fromhex("0109020007020005000000000a01070500050001000100")
    assert U.build_command_content("GCS13b")[8:] == bytes.fromhex("0000000007010702070307020301030003")
    parsed = U.parse_command("GCS13b", U.build_command_content("GCS13b"))
    assert parsed["components"][0]["attribute_names"][:2] == ["CurrentNoTierBlock1SummationDelivered",
                                                              "CurrentNoTierBlock2SummationDelivered"]


def test_gcs04_command_and_parse() -> None:
    rtds = content("GCS04_2.3_SUCCESS_COMMAND")
    assert U.build_command_content("GCS04", tdr1=1_000_000, tdr2=500_000, pdr=1_000_000,
                                   issuer_event_id=0x1C374A80) == rtds
    parsed = U.parse_command("GCS04", rtds)
    assert [(d["register"], d["amount"], d["absolute"]) for d in parsed["debts"]] == [
        ("TDR1", 1_000_000, False), ("TDR2", 500_000, False), ("PDR", 1_000_000, False)]
    only = U.parse_command("GCS04", U.build_command_content("GCS04", tdr2=-7))
    assert only["registers"] == ["TDR2"] and only["debts"][0]["debt_amount_type"] == 3
    assert only["components"][0]["control"] == 0x01
    with pytest.raises(EncodeError):
        U.build_command_content("GCS04")


@pytest.mark.parametrize("register,amount_type", [("TDR1", 0), ("TDR2", 2), ("PDR", 4)])
def test_gcs04r_command(register: str, amount_type: int) -> None:
    raw = U.build_command_content("GCS04r", register=register)
    parsed = U.parse_command("GCS04r", raw)
    assert parsed["register"] == register
    (debt,) = parsed["debts"]
    assert (debt["debt_amount_type"], debt["amount"], debt["absolute"]) == (amount_type, 0, True)
    with pytest.raises(EncodeError):
        U.build_command_content("GCS04r", register="TDR4")


def test_dlms_commands() -> None:
    assert U.build_command_content("ECS82", counter=1000) == content("ECS82_4.18_SUCCESS_COMMAND")
    assert U.build_command_content("ECS82", counter=1001) == content("ECS82_4.18_ERROR_COMMAND")
    assert U.build_command_content("ECS19", counter=1000, originator=SUPPLIER, recipient=ESME) == \
        content("ECS19_4.3_SUCCESS_COMMAND")
    assert U.build_command_content("ECS17b", counter=1200, originator=NETWORK_OPERATOR, recipient=ESME) == \
        content("ECS17b_4.1.1_TWIN_SUCCESS_COMMAND")
    assert U.build_ecs07_rtds_style(counter=1001, tdr1=30000, tdr2=15000, pdr=50000) == \
        content("ECS07_2.3_SUCCESS_COMMAND")
    parsed = U.parse_command("ECS19", content("ECS19_4.3_SUCCESS_COMMAND"))
    assert parsed["object"] == "0-0:94.44.34.30"
    assert parsed["protection"]["counter"] == 1000 and parsed["protection"]["originator"] == SUPPLIER


def test_ecs07_and_reset_commands() -> None:
    parsed = U.parse_command("ECS07", U.build_command_content("ECS07", tdr1=5, pdr=-3, counter=0x1234567))
    assert parsed["invoke_id"] == 0x20234567
    assert [(a["register"], a["method"], a["amount"]) for a in parsed["actions"]] == [("TDR1", 4, 5), ("PDR", 4, -3)]
    assert parsed["specs"][0]["obis"] == "0-0:19.20.1.255" and parsed["specs"][0]["class_id"] == 113
    reset = U.parse_command("ECS07r", U.build_command_content("ECS07r", register="TDR2", counter=1))
    assert reset["register"] == "TDR2"
    assert reset["actions"] == [{"register": "TDR2", "method": 5, "amount": 0, "absolute": True, "index": 0}]
    rtds = U.parse_command("ECS07", content("ECS07_2.3_SUCCESS_COMMAND"))
    assert [(a["register"], a["amount"]) for a in rtds["actions"]] == [("PDR", 50000), ("TDR1", 30000),
                                                                       ("TDR2", 15000)]


def test_gcs13a_encrypted_response(gsme_cipher) -> None:  # type: ignore[no-untyped-def]
    rtds = content("GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_RESPONSE")
    values, statuses, ok = U.read_response_values("GCS13a", rtds, gsme_cipher)
    assert (values, ok) == (GCS13A, True)
    assert set(statuses.values()) == {0}
    assert U.build_response_content("GCS13a", GCS13A, cipher=gsme_cipher) == rtds
    # without the key: nothing readable, not a success
    values, statuses, ok = U.read_response_values("GCS13a", rtds)
    assert (values, ok) == ({}, False)


def test_plain_responses_read_and_rebuild() -> None:
    rtds = content("GCS60_4.18_SUCCESS_RESPONSE")
    assert U.read_response_values("GCS60", rtds) == (GCS60, {k: 0 for k in GCS60}, True)
    assert U.build_response_content("GCS60", GCS60) == rtds
    err = content("GCS60_4.18_ERROR_RESPONSE")
    values, statuses, ok = U.read_response_values("GCS60", err)
    assert (values, statuses["BillToDateDelivered"], ok) == ({}, 0xC0, False)
    assert U.build_response_content("GCS60", GCS60, statuses={"BillToDateDelivered": 0xC0}) == err
    gcs60a = bytes.fromhex("010902000702000b0800010"
                           "00a0023e0673500010705000b0801010100002ba0252600")
    assert U.build_response_content("GCS60a", GCS60) == gcs60a


def test_gcs14_error_response() -> None:
    err = content("GCS14_4.3_ERROR_RESPONSE")
    values, statuses, ok = U.read_response_values("GCS14", err)
    assert values == {"Currency": 826} and statuses["PriceTrailingDigit"] == 0xC0 and not ok
    assert U.build_response_content("GCS14", GCS14, statuses={"PriceTrailingDigit": 0xC0}) == err


def test_gcs04_responses() -> None:
    request = U.parse_command("GCS04", content("GCS04_2.3_ERROR_COMMAND"))
    err = content("GCS04_2.3_ERROR_RESPONSE")
    assert U.read_response_values("GCS04", err, request=request) == ({}, {"TDR1": 0, "TDR2": 0xC0, "PDR": 1}, False)
    assert U.build_response_content("GCS04", {}, statuses={"TDR2": 0xC0}, request=request) == err
    ok = content("GCS04_2.3_SUCCESS_RESPONSE")
    assert U.build_response_content("GCS04", {}, request=request) == ok
    assert U.read_response_values("GCS04", ok)[2] is True
    reset = U.build_response_content("GCS04r", {}, request={"register": "PDR"})
    assert reset == bytes.fromhex("010901010705000508000b0200")


def test_dlms_responses() -> None:
    ok = content("ECS82_4.18_SUCCESS_RESPONSE")
    assert U.read_response_values("ECS82", ok) == ({"meter_balance": 250_000}, {"meter_balance": 0}, True)
    assert U.build_response_content("ECS82", {"meter_balance": 250_000}, counter=1000) == ok
    err = content("ECS82_4.18_ERROR_RESPONSE")
    assert U.build_response_content("ECS82", {}, statuses={"meter_balance": 1}, counter=1001) == err
    request = U.parse_command("ECS07", content("ECS07_2.3_ERROR_COMMAND"))
    ecs07_err = content("ECS07_2.3_ERROR_RESPONSE")
    assert U.build_response_content("ECS07", {}, statuses={"TDR1": 1}, request=request) == ecs07_err
    _values, statuses, success = U.read_response_values("ECS07", ecs07_err, request=request)
    assert (statuses["PDR"], statuses["TDR1"], statuses["TDR2"], success) == (0, 1, 250, False)
    reset = U.build_response_content("ECS07r", {}, request={"register": "PDR"}, counter=5)
    assert U.read_response_values("ECS07r", reset, request={"register": "PDR"}) == ({}, {"PDR": 0}, True)
    for name in ("ECS19_4.3_ERROR_RESPONSE", "ECS17b_4.1.1_ERROR_RESPONSE"):
        uc = name.split("_")[0]
        values, statuses, success = U.read_response_values(uc, content(name))
        assert values == {} and set(statuses.values()) == {1} and not success
        assert U.build_response_content(uc, {}, statuses={next(iter(statuses)): 1}, counter=1001) == content(name)


@pytest.mark.parametrize("uc,name,expected", [
    ("GCS13a", "GCS13a_4.1.1_SUCCESS_RELIABLE_GPF_RESPONSE", GCS13A),
    ("GCS13a", "GCS13a_4.1.1_SUCCESS_UNRELIABLE_RESPONSE", GCS13A),
    ("GCS13a", "GCS13a_4.1.1_ERROR_RESPONSE", {k: v for k, v in GCS13A.items() if k != "Divisor"}),
    ("GCS13c", "GCS13c_4.1.2_SUCCESS_RELIABLE_GSME_RESPONSE", GCS13C),
    ("GCS13c", "GCS13c_4.1.2_ERROR_RESPONSE", {k: v for k, v in GCS13C.items() if k != "Multiplier"}),
    ("GCS14", "GCS14_4.3_SUCCESS_RELIABLE_GSME_RESPONSE", GCS14),
    ("GCS14", "GCS14_4.3_SUCCESS_UNRELIABLE_RESPONSE", GCS14),
    ("ECS19", "ECS19_4.3_SUCCESS_RESPONSE", ECS19),
    ("ECS17b", "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE", {"active_import": 10, "reactive_import": 10}),
    ("ECS17b", "ECS17b_4.1.1_TWIN_SUCCESS_RESPONSE", {"active_import": 10, "reactive_import": 10,
                                                     "active_import_2": 10}),
])
def test_encrypted_rtds_responses(real_cipher, uc: str, name: str, expected: dict) -> None:  # type: ignore[no-untyped-def]
    m = msg(name)
    cipher = real_cipher(m)
    assert cipher is not None
    values, statuses, ok = U.read_response_values(uc, m.content, cipher)
    assert values == expected
    assert ok == ("ERROR" not in name)
    # rebuilding with the same key reproduces the RTDS bytes exactly
    request = None
    if uc in U.PROTECTED_READS:
        request = U.parse_command(uc, content(name.replace("RESPONSE", "COMMAND")))
    failed = {k: v for k, v in statuses.items() if v}
    assert U.build_response_content(uc, values, statuses=failed, request=request, cipher=cipher) == m.content


# -- per-item results of the debt use cases ---------------------------------------------------


def _gcs04_content(items: list[tuple[int, int, int]]) -> bytes:
    """A GCS04-shaped payload: Change Debt components (TSN, amount type, amount)."""
    from harness.gbcs import zcl
    from harness.gbcs.gbz import GbzComponent, GbzPayload, finish_controls

    comps = []
    for tsn, amount_type, amount in items:
        cd = zcl.ChangeDebt(issuer_event_id=1, debt_label=b"", debt_amount=amount, debt_recovery_method=0,
                            debt_amount_type=amount_type)
        comps.append(GbzComponent(0, zcl.CLUSTER_PREPAYMENT, zcl.ZclHeader(0x01, tsn, zcl.CMD_CHANGE_DEBT),
                                  cd.to_bytes(), cd))
    return GbzPayload(finish_controls(comps)).encode()


def _default_response_tsns(content_: bytes) -> list[tuple[int, int, int]]:
    from harness.gbcs.gbz import GbzPayload, parse_gbz

    node = parse_gbz(content_, None, alert=False)
    assert isinstance(node, GbzPayload)
    return [(c.header.tsn, c.body.command_id, c.body.status) for c in node.components]  # type: ignore[union-attr]


def test_gcs04_default_responses_echo_each_components_tsn() -> None:
    request = U.parse_command("GCS04", _gcs04_content([(0x17, 1, 5), (0x2A, 3, 6), (0x05, 5, 7)]))
    raw = U.build_response_content("GCS04", {}, results=[0, 0x87, 0], request=request)
    # TSNs echoed; after the failure the component is FF 01 whatever status was given
    assert _default_response_tsns(raw) == [(0x17, 0x02, 0), (0x2A, 0x02, 0x87), (0x05, 0xFF, 0x01)]
    reading = U.read_response("GCS04", raw, request=request)
    assert [(r.index, r.register, r.tsn, r.status) for r in reading.items] == [
        (0, "TDR1", 0x17, 0), (1, "TDR2", 0x2A, 0x87), (2, "PDR", 0x05, 0x01)]
    assert reading.statuses == {"TDR1": 0, "TDR2": 0x87, "PDR": 1} and not reading.success
    reset_req = U.parse_command("GCS04r", _gcs04_content([(0x63, 4, 0)]))
    assert _default_response_tsns(U.build_response_content("GCS04r", {}, results=[0], request=reset_req)) == \
        [(0x63, 0x02, 0)]


def test_gcs04_results_keep_a_repeated_register_and_a_typeless_amount_apart() -> None:
    # TDR1 twice, then an amount type (7) that names no register
    request = U.parse_command("GCS04", _gcs04_content([(1, 1, 10), (2, 1, 20), (3, 7, 30)]))
    assert request["registers"] == ["TDR1", "TDR1", None]
    raw = U.build_response_content("GCS04", {}, results=[0, 0, 0x85], request=request)
    reading = U.read_response("GCS04", raw, request=request)
    assert [(r.register, r.status) for r in reading.items] == [("TDR1", 0), ("TDR1", 0), (None, 0x85)]
    assert reading.statuses == {"component0": 0, "component1": 0, "component2": 0x85}
    assert U.read_response_values("GCS04", raw, request=request) == ({}, reading.statuses, False)
    # the name-keyed view builds the same bytes
    assert U.build_response_content("GCS04", {}, statuses={"component2": 0x85}, request=request) == raw
    with pytest.raises(EncodeError, match="2 item results for 3"):
        U.build_response_content("GCS04", {}, results=[0, 0], request=request)


def test_gcs04_reader_matches_default_responses_by_tsn() -> None:
    request = U.parse_command("GCS04", _gcs04_content([(9, 1, 1), (8, 3, 1)]))
    swapped = U.parse_command("GCS04", _gcs04_content([(8, 3, 1), (9, 1, 1)]))
    # a response answering TSN 8 first, then TSN 9
    raw = U.build_response_content("GCS04", {}, results=[0xC0, 0], request=swapped)
    reading = U.read_response("GCS04", raw, request=request)
    assert [(r.register, r.tsn, r.status) for r in reading.items] == [("TDR2", 8, 0xC0), ("TDR1", 9, 1)]
    # without the command the items are positional
    assert U.read_response("GCS04", raw).statuses == {"component0": 0xC0, "component1": 1}


def test_ecs07_results_are_per_item() -> None:
    from harness.gbcs import dlms

    tdr1 = dlms.RequestSpec(dlms.ACTION, U.CLASS_CHARGE, dlms.obis_bytes(U.DEBT_OBJECTS["TDR1"]), 4)
    other = dlms.RequestSpec(dlms.ACTION, U.CLASS_CHARGE, dlms.obis_bytes("0-0:19.20.9.255"), 4)
    amount = dlms.Data(dlms.DOUBLE_LONG, 5)
    content_ = dlms.AccessRequest(dlms.invoke_id_for(7), [tdr1, tdr1, other], [amount] * 3).encode()
    request = U.parse_command("ECS07", content_)
    raw = U.build_response_content("ECS07", {}, results=[0, 1, 0], request=request)
    reading = U.read_response("ECS07", raw, request=request)
    # items after the first failure are other-reason (250)
    assert [(r.index, r.register, r.status) for r in reading.items] == [(0, "TDR1", 0), (1, "TDR1", 1),
                                                                        (2, None, 250)]
    assert reading.statuses == {"item0": 0, "item1": 1, "item2": 250}
    ok = U.read_response("ECS07r", U.build_response_content("ECS07r", {}, results=[0], request={"register": "TDR2"}),
                         request={"register": "TDR2"})
    assert [(r.register, r.status, r.key) for r in ok.items] == [("TDR2", 0, "TDR2")] and ok.success


def test_ecs07_default_unchanged_and_recovery_items_decode() -> None:
    """Without ``recovery`` the ECS07 is the method-4 items alone (bytes pinned); with it the
    passive unit charges (the RTDS-style unit charge), an optional period and the activations of
    TDR1/TDR2 come first, and `harness decode` of the built message shows them."""
    from harness.gbcs.decode import decode
    from harness.gbcs.frame import Cra, GbcsMessage, OtherInformation, encode_message

    assert U.build_command_content("ECS07", tdr1=5, tdr2=6, pdr=-7).hex() == (
        "d92000000000030300710000131401ff040300710000131402ff040300710000131403ff04"
        "030500000005050000000605fffffff9")
    stop = {"TDR1": {"rate": 0}, "TDR2": {"rate": 0}}
    raw = U.build_command_content("ECS07", tdr1=5, counter=3, recovery=stop)
    parsed = U.parse_command("ECS07", raw)
    assert [(a["register"], a["amount"], a["index"]) for a in parsed["actions"]] == [("TDR1", 5, 4)]
    assert [(r["item"], r["register"], r.get("rate")) for r in parsed["recovery_items"]] == [
        ("unit_charge_passive", "TDR1", 0), ("unit_charge_passive", "TDR2", 0), ("activate", "TDR1", None),
        ("activate", "TDR2", None)]
    assert parsed["specs"][0]["data"] == U._py(U.unit_charge(0))
    with_period = U.parse_command("ECS07", U.build_command_content(
        "ECS07", pdr=1, recovery={"TDR2": {"rate": 7, "period": 3600}}))["recovery_items"]
    assert [(r["item"], r.get("rate", r.get("seconds"))) for r in with_period] == [
        ("unit_charge_passive", 7), ("period", 3600), ("activate", None)]
    msg = GbcsMessage(Cra.COMMAND, 3, SUPPLIER, ESME, OtherInformation(0x001E), raw, None, b"")
    tree = decode(encode_message(msg)).payload_json()
    assert [(s["kind"], s["obis"], s.get("attribute", s.get("method"))) for s in tree["specs"]] == [
        ("set", "0-0:19.20.1.255", 6), ("set", "0-0:19.20.2.255", 6), ("action", "0-0:19.20.1.255", 2),
        ("action", "0-0:19.20.2.255", 2), ("action", "0-0:19.20.1.255", 4)]
    assert tree["data"][0]["structure"][2] == {"array": [{"structure": [{"octet-string": ""}, {"long": 0}]}]}
    for bad in ({"PDR": {"rate": 0}}, {"TDR1": {"period": 60}}, [("TDR1", 0)]):
        with pytest.raises(EncodeError):
            U.build_command_content("ECS07", tdr1=1, recovery=bad)
    with pytest.raises(EncodeError):
        U.build_command_content("ECS07", recovery=stop)  # no adjustment: not a Change Debt
