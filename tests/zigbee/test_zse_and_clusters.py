"""Raw ZSE codec (no zigpy) and its agreement with the zigpy cluster definitions."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.errors import DecodeError
from harness.zigbee import zse


def test_read_attributes_response_round_trip() -> None:
    records = [zse.AttributeRecord(0x0007, 0, 0xE2, 0x2DF3A7C8), zse.AttributeRecord(0x0000, 0, 0x25, 123456789),
               zse.AttributeRecord(0x0306, 0, 0x18, 0x01), zse.AttributeRecord(0x0100, 0x86),
               zse.AttributeRecord(0x0307, 0, 0x41, b"\x01\x02")]
    frame = zse.encode_read_attributes_response(4, records)
    hdr, payload = zse.parse_zcl(frame)
    assert (hdr.frame_control, hdr.tsn, hdr.command_id) == (0x18, 4, 0x01)
    assert zse.parse_read_attributes_response(payload) == records
    assert frame[3:10] == bytes.fromhex("070000E2C8A7F3")  # attribute id LE, status, UTCTime LE


@pytest.mark.parametrize("payload,field", [
    (bytes.fromhex("0700"), "read_attributes_response.record"),
    (bytes.fromhex("070000"), "attribute 0x0007.type"),
    (bytes.fromhex("070000E2C8A7"), "attribute 0x0007.value"),
    (bytes.fromhex("07000099"), "attribute 0x0007.type"),
])
def test_malformed_read_attributes_response(payload: bytes, field: str) -> None:
    with pytest.raises(DecodeError) as info:
        zse.parse_read_attributes_response(payload)
    assert info.value.field == field


def test_zcl_header_with_manufacturer_code() -> None:
    hdr = zse.ZclHeader(0x01, 7, 0x02, manufacturer_code=0x1234)
    assert hdr.to_bytes() == bytes.fromhex("0534120702")
    assert zse.parse_zcl(hdr.to_bytes() + b"x") == (zse.ZclHeader(0x05, 7, 0x02, 0x1234), b"x")
    with pytest.raises(DecodeError):
        zse.parse_zcl(b"\x05\x34")


def test_gb_hrgp_header() -> None:
    msg = b"\xdf\x09\x01"
    assert zse.hrgp_unwrap(zse.hrgp_wrap(msg)) == (zse.HRGP_PUT, msg)
    assert zse.hrgp_unwrap(zse.hrgp_wrap(msg, zse.HRGP_GET_RESPONSE, 2)) == (zse.HRGP_GET_RESPONSE, msg)
    assert zse.hrgp_unwrap(zse.hrgp_wrap(msg, None)) == (None, msg)
    with pytest.raises(DecodeError):
        zse.hrgp_unwrap(b"\x02")


def test_tunnel_commands_match_zigpy_definitions() -> None:
    pytest.importorskip("zigpy")
    from harness.zigbee.clusters import GbTunneling, TunnelProtocol

    req = GbTunneling.ServerCommandDefs.request_tunnel.schema(
        protocol_id=TunnelProtocol.GB_HRGP, manufacturer_code=0x1234, flow_control_support=False,
        max_incoming_transfer_size=1500)
    assert zse.request_tunnel(0, manufacturer_code=0x1234)[3:] == req.serialize()
    data = GbTunneling.ServerCommandDefs.transfer_data.schema(tunnel_id=0x42, data=b"\x03\xdd\x00")
    assert zse.transfer_data(0, 0x42, b"\x03\xdd\x00", from_server=False)[3:] == data.serialize()
    rsp = GbTunneling.ClientCommandDefs.request_tunnel_response.schema.deserialize(
        zse.request_tunnel_response(0, 7, 0, 1200)[3:])[0]
    assert (rsp.tunnel_id, rsp.tunnel_status, rsp.max_incoming_transfer_size) == (7, 0, 1200)
    parsed = GbTunneling.ClientCommandDefs.transfer_data_server.schema.deserialize(
        zse.transfer_data(0, 9, b"\x03abc", from_server=True)[3:])[0]
    assert (parsed.tunnel_id, bytes(parsed.data)) == (9, b"\x03abc")


def test_prepayment_change_debt_definition_reads_gcs04_component() -> None:
    pytest.importorskip("zigpy")
    from harness.zigbee.clusters import DebtAmountType, GbPrepayment

    payload = bytes.fromhex("804A371C" "00" "40420F00" "00" "01" "00000000" "0000" "01" "50C30000" "0000")
    cmd, rest = GbPrepayment.ServerCommandDefs.change_debt.schema.deserialize(payload)
    assert rest == b""
    assert (cmd.issuer_event_id, cmd.debt_amount, cmd.debt_amount_type, cmd.debt_recovery_amount) == (
        0x1C374A80, 1_000_000, DebtAmountType.TYPE1_INCREMENTAL, 50_000)
    assert cmd.serialize() == payload


def test_clusters_stay_out_of_zigpy_registry_until_asked() -> None:
    pytest.importorskip("zigpy")
    code = ("import zigpy.zcl as z; import harness.zigbee.clusters as c; "
            "a = z.Cluster._registry[0x0704] is c.GbTunneling; c.register_clusters(); "
            "b = z.Cluster._registry[0x0704] is c.GbTunneling and z.Cluster._registry[0x0705] is c.GbPrepayment; "
            "print(a, b)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


def test_core_imports_do_not_pull_zigpy() -> None:
    code = ("import sys, harness.zigbee, harness.zigbee.zse, harness.commands.devices, harness.capture; "
            "print(any(m == 'zigpy' or m.startswith('zigpy.') or m == 'bellows' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_zigpy_definitions_follow_the_one_declaration() -> None:
    """Every declared command and attribute of the two clusters is in the zigpy classes with the
    same id, field names and wire layout (a value of each field serialised by zigpy gives the
    codec's bytes)."""
    pytest.importorskip("zigpy")
    from harness.gbcs import zcl
    from harness.zigbee.clusters import GbPrepayment, GbTunneling

    for cluster_cls in (GbTunneling, GbPrepayment):
        cluster = int(cluster_cls.cluster_id)
        declared = [c for c in zcl.COMMANDS if c.cluster == cluster]
        assert declared
        for cmd in declared:
            defs = cluster_cls.ClientCommandDefs if cmd.to_client else cluster_cls.ServerCommandDefs
            zdef = getattr(defs, cmd.name)
            assert zdef.id == cmd.command_id and [f.name for f in zdef.schema.fields] == [f.name for f in cmd.fields]
            values = {f.name: (b"\x01\x02" if f.type_id in (zcl.BYTES_TO_END, zcl.OCTET_STRING) else 1)
                      for f in cmd.fields}
            wire = b"".join(
                bytes(values[f.name]) if f.type_id == zcl.BYTES_TO_END else zcl.encode_value(f.type_id, values[f.name])
                for f in cmd.fields)
            assert zdef.schema(**values).serialize() == wire, cmd.name
        for aid, (name, type_id) in zcl.ATTRIBUTES.get(cluster, {}).items():
            zattr = cluster_cls.attributes[aid]
            assert zattr.name.replace("_", "") == name.lower(), (aid, zattr.name, name)
            assert zcl.TYPES[type_id].size in (None, len(zattr.type(0).serialize())), name


def test_zse_knowledge_is_declared_in_the_codec_only() -> None:
    """No cluster id, command id table or field layout is written a second time in the ZigBee
    package: it reads harness.gbcs.zcl."""
    import io
    import re
    import tokenize
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "harness" / "zigbee"
    for path in root.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        numbers = [tok.string for tok in tokenize.generate_tokens(io.StringIO(text).readline)
                   if tok.type == tokenize.NUMBER]
        assert not [n for n in numbers if re.fullmatch(r"0x070[0-9A-Fa-f]", n)], f"{path.name} writes a ZSE cluster id"
        assert not re.search(r"struct\.(pack|unpack|Struct)\(\s*\"<", text), f"{path.name} writes a field layout"
        assert "ZCLCommandDef(id=0x" not in text and "ZCLAttributeDef(id=0x" not in text, path.name
