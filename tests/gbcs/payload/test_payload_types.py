"""ZCL types and commands, A-XDR Data, DER: encode/decode both ways."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.errors import DecodeError, EncodeError
from harness.gbcs import asn1, dlms, zcl
from harness.gbcs.asn1 import Tlv, parse_asn1
from harness.gbcs.dlms import Data, parse_data


@pytest.mark.parametrize("type_id", sorted(t for t, z in zcl.TYPES.items() if z.kind in
                                           ("uint", "int", "bitmap", "enum", "utc", "bool")))
def test_zcl_integer_types_round_trip(type_id: int) -> None:
    t = zcl.TYPES[type_id]
    lo, hi = (-(1 << (8 * t.size - 1)), (1 << (8 * t.size - 1)) - 1) if t.signed else (0, (1 << (8 * t.size)) - 1)
    for v in (lo, hi, (lo + hi) // 2):
        raw = zcl.encode_value(type_id, v)
        assert len(raw) == t.size
        assert zcl.decode_value(type_id, raw) == (v, t.size)
    with pytest.raises(EncodeError):
        zcl.encode_value(type_id, hi + 1)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=254), st.sampled_from([zcl.OCTET_STRING, 0x43]))
def test_zcl_octet_strings(raw: bytes, type_id: int) -> None:
    enc = zcl.encode_value(type_id, raw)
    assert zcl.decode_value(type_id, enc) == (raw, len(enc))


def test_zcl_known_values() -> None:
    assert zcl.decode_value(zcl.UTC_TIME, bytes.fromhex("804A371C")) == (0x1C374A80, 4)
    assert zcl.decode_value(zcl.UINT48, bytes.fromhex("393000000000")) == (12345, 6)
    assert zcl.decode_value(zcl.INT32, bytes.fromhex("A0252600")) == (2_500_000, 4)
    assert zcl.decode_value(zcl.CHAR_STRING, b"\x02hi") == ("hi", 3)
    assert zcl.encode_value(zcl.UTC_TIME, zcl.UTC_INVALID) == b"\xff\xff\xff\xff"
    assert zcl.TYPES[zcl.UTC_TIME].invalid == zcl.UTC_INVALID
    with pytest.raises(DecodeError):
        zcl.decode_value(0x99, b"\x00")
    with pytest.raises(DecodeError):
        zcl.decode_value(zcl.UINT24, b"\x00\x00")


def test_zcl_names_and_statuses() -> None:
    assert zcl.attribute_name(zcl.CLUSTER_METERING, 0x0007) == "ReadingSnapshotTime"
    assert zcl.attribute_type(zcl.CLUSTER_METERING, 0x0007) == zcl.UTC_TIME
    assert zcl.attribute_name(zcl.CLUSTER_METERING, 0x0A00) == "BillToDateDelivered"
    assert [zcl.attribute_name(zcl.CLUSTER_PREPAYMENT, a) for a in (0x0211, 0x0221, 0x0231, 0x0005)] == [
        "DebtAmount1", "DebtAmount2", "DebtAmount3", "AccumulatedDebt"]
    assert zcl.attribute_name(zcl.CLUSTER_PRICE, 0x0617) == "PriceTrailingDigit"
    assert zcl.attribute_id(zcl.CLUSTER_PRICE, "Currency") == 0x0616
    assert [zcl.status_name(s) for s in (0x00, 0x01, 0x85, 0x86, 0x87, 0x8B, 0xC0, 0xC1)] == [
        "SUCCESS", "FAILURE", "INVALID_FIELD", "UNSUPPORTED_ATTRIBUTE", "INVALID_VALUE", "NOT_FOUND",
        "HARDWARE_FAILURE", "SOFTWARE_FAILURE"]


def test_read_attributes_response_records() -> None:
    raw = bytes.fromhex("020300" "22E80300" "0703" "86" "0000" "00" "25393000000000")
    rar = zcl.ReadAttributesResponse.parse(raw)
    assert [(r.attribute_id, r.status, r.value) for r in rar.records] == [
        (0x0302, 0, 1000), (0x0307, 0x86, None), (0x0000, 0, 12345)]
    assert rar.to_bytes() == raw
    with pytest.raises(DecodeError):
        zcl.ReadAttributesResponse.parse(raw[:-1])


def test_change_debt_layout() -> None:
    raw = bytes.fromhex("804A371C" "00" "40420F00" "00" "01" "00000000" "0000" "01" "50C30000" "0000")
    cd = zcl.ChangeDebt.parse(raw)
    assert len(raw) == 24
    assert (cd.debt_amount, cd.debt_amount_type, cd.debt_recovery_amount, cd.register) == (1_000_000, 1, 50000, "TDR1")
    assert cd.to_bytes() == raw
    neg = zcl.ChangeDebt(0, b"", -5, 0, 1)
    assert zcl.ChangeDebt.parse(neg.to_bytes()).debt_amount == -5
    with pytest.raises(DecodeError):
        zcl.ChangeDebt.parse(raw[:-1])


def test_zcl_header_manufacturer_code() -> None:
    h, o = zcl.ZclHeader.parse(bytes.fromhex("0534120701"))
    assert (h.manufacturer_code, h.tsn, h.command_id, o) == (0x1234, 7, 1, 5)
    assert h.to_bytes() == bytes.fromhex("0534120701")


_scalars = st.one_of(
    st.builds(Data, st.just(dlms.DOUBLE_LONG), st.integers(-(2**31), 2**31 - 1)),
    st.builds(Data, st.just(dlms.LONG64_UNSIGNED), st.integers(0, 2**64 - 1)),
    st.builds(Data, st.just(dlms.ENUM), st.integers(0, 255)),
    st.builds(Data, st.just(dlms.OCTET_STRING), st.binary(max_size=300)),
    st.builds(Data, st.just(dlms.VISIBLE_STRING), st.binary(max_size=20)),
    st.builds(Data, st.just(dlms.DATE_TIME), st.binary(min_size=12, max_size=12)),
    st.builds(Data, st.just(dlms.FLOAT64), st.binary(min_size=8, max_size=8)),
    st.just(Data.null()),
)
_data = st.recursive(_scalars, lambda kids: st.one_of(
    st.builds(lambda xs: Data(dlms.STRUCTURE, xs), st.lists(kids, max_size=4)),
    st.builds(lambda xs: Data(dlms.ARRAY, xs), st.lists(kids, max_size=4))), max_leaves=20)


@settings(max_examples=150, deadline=None)
@given(_data)
def test_axdr_round_trip(d: Data) -> None:
    raw = d.to_bytes()
    back, end = parse_data(raw, 0)
    assert end == len(raw)
    assert back.to_bytes() == raw
    assert back == d


def test_axdr_special_tags() -> None:
    for hexstr in ("0404A0", "0D85", "1BFFFFFFFF", "1A07DF0101FF", "130202061206000000010002",
                   "1400000000000000FF", "1740490FDB", "0C03616263", "0301"):
        raw = bytes.fromhex(hexstr)
        d, end = parse_data(raw, 0)
        assert end == len(raw) and d.to_bytes() == raw, hexstr
    with pytest.raises(DecodeError):
        parse_data(b"\x07\x00", 0)
    assert dlms.obis_text(dlms.obis_bytes("0-0:19.20.1.255")) == "0-0:19.20.1.255"


def test_protected_result_round_trip(gsme_cipher) -> None:  # type: ignore[no-untyped-def]
    params = dlms.protection_parameters(1000, b"A" * 8, b"B" * 8)
    inner = Data.struct(Data(dlms.DOUBLE_LONG, 250_000))
    item = dlms.protected_result(params, inner.to_bytes(), gsme_cipher)
    resp = dlms.AccessResponse(0x200003E8, [item], [(3, 0)])
    raw = resp.encode()
    back = dlms.parse_dlms(raw, gsme_cipher)
    assert isinstance(back, dlms.AccessResponse)
    assert back.data[0].decrypted == inner
    assert back.encode() == raw
    assert dlms.parse_dlms(raw).data[0].decrypted is None  # no cipher: stays opaque


def test_der_walk() -> None:
    raw = bytes.fromhex("300A020101A0050403010203")
    p = parse_asn1(raw)
    top = p.elements[0]
    assert top.children is not None and [c.tag for c in top.children] == [0x02, 0xA0]
    assert p.encode() == raw
    long_form = bytes.fromhex("0481030102 03".replace(" ", ""))
    assert parse_asn1(long_form).encode() == long_form  # non-minimal length kept
    with pytest.raises(DecodeError):
        parse_asn1(bytes.fromhex("3005020101"))


def _der_reference(data: bytes, o: int, end: int, depth: int) -> list[Tlv]:
    """The DER walk's recursive definition (what the iterative walk must give)."""
    out = []
    while o < end:
        start = o
        tag, lstart, vstart, stop = asn1._read_header(data, o, end)
        tlv = Tlv(data[start:lstart], data[lstart:vstart], data[vstart:stop])
        if tag & 0x20 and depth < asn1.MAX_DEPTH:
            try:
                tlv.children = _der_reference(data, vstart, stop, depth + 1)
            except DecodeError:
                tlv.children = None
        out.append(tlv)
        o = stop
    return out


def _outcome(fn: Callable[[], object]) -> object:
    try:
        return fn()
    except DecodeError as exc:
        return ("DecodeError", str(exc), exc.offset, exc.field)


_der_seeds = [bytes.fromhex(h) for h in (
    "300A020101A0050403010203", "3081050201010500", "1F8101020304", "3006300430020500",
    "A003A1010000", "308400000003020100", "3003020201")]


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.binary(max_size=40),
                 st.tuples(st.sampled_from(_der_seeds), st.integers(0, 40), st.integers(0, 255)).map(
                     lambda t: t[0][: t[1] % (len(t[0]) + 1)] + bytes((t[2],)) + t[0][t[1] % (len(t[0]) + 1) + 1:])))
def test_der_walk_matches_its_recursive_definition(raw: bytes) -> None:
    """Children (or None where a constructed value is not a clean sequence), errors and their
    offsets as the recursive definition gives them, nested failures included."""
    got = _outcome(lambda: parse_asn1(raw).elements) if raw else None
    want = _outcome(lambda: _der_reference(raw, 0, len(raw), 0)) if raw else None
    assert got == want


def test_der_walk_nested_failure_and_depth() -> None:
    # [0] constructed holding a truncated element: its children stay None, the walk goes on
    raw = bytes.fromhex("3007A0030203010500")
    top = parse_asn1(raw).elements[0]
    assert top.children is not None and top.children[0].children is None and top.children[1].tag == 0x05
    deep = b"".join(bytes((0x30, 2 * (60 - i) - 2)) for i in range(60))
    walked = parse_asn1(deep).elements[0]
    depth = 0
    while walked.children:
        walked, depth = walked.children[0], depth + 1
    assert depth == asn1.MAX_DEPTH and walked.children is None and parse_asn1(deep).encode() == deep
