"""How each frame kind is wrapped so stock Wireshark/tshark decodes it with no configuration.

* **GBCS** messages: LINKTYPE_WIRESHARK_UPPER_PDU (252), an "exported PDU" whose
  ``EXP_PDU_TAG_DISSECTOR_NAME`` (tag 12) names Wireshark's GBCS dissector ``gbcs_message``
  (``epan/dissectors/packet-gbcs.c``, Wireshark >= 4.0; ``tshark -G dissectors``), then the
  message bytes unchanged.
* **HAN** ZCL frames: LINKTYPE_IEEE802_15_4_NOFCS (230), as a ZigBee Smart Energy *inter-PAN*
  frame: 802.15.4 data frame with 64-bit source and destination (the frame's EUI-64s), the
  inter-PAN NWK stub and the inter-PAN APS header (cluster, profile 0x0109), then the ZCL frame
  unchanged. Wireshark's ZCL dissector runs only under ZigBee NWK/APS, and inter-PAN is the one
  stock ZigBee encapsulation addressed by EUI-64 alone, without a network key or short
  addresses the harness does not have. The wrapper is synthesised: its MAC sequence number
  counts frames, PAN ids are 0xFFFF, nothing is secured.
* Everything else (CONTROL JSON, ERROR text, dropped chunks, HAN data too short for a HAN
  header): exported PDU to the stock ``json`` dissector (CONTROL) or ``data``.

``unwrap`` gives the original bytes back, so a capture reads back byte for byte.
"""

from __future__ import annotations

import struct

LINKTYPE_WIRESHARK_UPPER_PDU = 252
LINKTYPE_IEEE802_15_4_NOFCS = 230
LEGACY_USER_LINKTYPES = (147, 148, 149)  # captures written before: raw bytes

GBCS_DISSECTOR = "gbcs_message"  # Wireshark's registered name (tshark -G dissectors)
EXP_PDU_TAG_END_OF_OPT = 0
EXP_PDU_TAG_DISSECTOR_NAME = 12  # "PROTO_NAME" in older Wireshark headers

_MAC_FCF = 0x0001 | (3 << 10) | (3 << 14)  # data frame, 64-bit dst and src, no PAN id compression
_MAC = struct.Struct("<HBH8sH8s")  # fcf, seq, dst PAN, dst (LE), src PAN, src (LE)
_NWK_INTERPAN = 0x000B  # frame type 3 (inter-PAN), protocol version 2
_APS_INTERPAN = 0x03  # frame type 3 (inter-PAN), unicast
_APS = struct.Struct("<BHH")  # frame control, cluster, profile
ZSE_PROFILE = 0x0109
BROADCAST_PAN = 0xFFFF
HAN_HEADER = 18  # src EUI-64 | dst EUI-64 | cluster (BE), as harness.transport.framing.HanFrame


def _tag(tag: int, value: bytes) -> bytes:
    padded = value + b"\0" * (-len(value) % 4)
    return struct.pack(">HH", tag, len(padded)) + padded


def exported_pdu(dissector: str, data: bytes) -> bytes:
    """``data`` as an exported PDU for the dissector registered as ``dissector``."""
    return _tag(EXP_PDU_TAG_DISSECTOR_NAME, dissector.encode("ascii")) + _tag(EXP_PDU_TAG_END_OF_OPT, b"") + data


def parse_exported_pdu(packet: bytes) -> tuple[str, bytes]:
    """``(dissector name, PDU bytes)`` of an exported PDU; ValueError when the tags are torn."""
    off, name = 0, ""
    while True:
        if off + 4 > len(packet):
            raise ValueError("exported PDU tags run past the packet")
        tag, length = struct.unpack_from(">HH", packet, off)
        off += 4
        if tag == EXP_PDU_TAG_END_OF_OPT:
            return name, packet[off:]
        if off + length > len(packet):
            raise ValueError(f"exported PDU tag {tag} runs past the packet")
        if tag == EXP_PDU_TAG_DISSECTOR_NAME:
            name = packet[off:off + length].rstrip(b"\0").decode("ascii", "replace")
        off += length


def han_interpan(data: bytes, seq: int) -> bytes:
    """A HAN frame's bytes (``src | dst | cluster BE | zcl``) as an 802.15.4 inter-PAN frame."""
    src, dst, cluster = data[:8], data[8:16], int.from_bytes(data[16:18], "big")
    mac = _MAC.pack(_MAC_FCF, seq & 0xFF, BROADCAST_PAN, dst[::-1], BROADCAST_PAN, src[::-1])
    return mac + struct.pack("<H", _NWK_INTERPAN) + _APS.pack(_APS_INTERPAN, cluster, ZSE_PROFILE) + data[HAN_HEADER:]


def parse_han_interpan(packet: bytes) -> bytes:
    """The HAN frame's bytes back from ``han_interpan``; ValueError for another layout."""
    head = _MAC.size + 2 + _APS.size
    if len(packet) < head:
        raise ValueError("802.15.4 packet shorter than the inter-PAN headers")
    fcf, _seq, _dpan, dst, _span, src = _MAC.unpack_from(packet)
    (nwk,) = struct.unpack_from("<H", packet, _MAC.size)
    aps, cluster, _profile = _APS.unpack_from(packet, _MAC.size + 2)
    if fcf != _MAC_FCF or nwk != _NWK_INTERPAN or aps != _APS_INTERPAN:
        raise ValueError("not an inter-PAN frame written by the harness")
    return bytes(src[::-1] + dst[::-1] + int(cluster).to_bytes(2, "big") + packet[head:])


def wrap(kind: str, direction: str, data: bytes, seq: int) -> tuple[int, bytes]:
    """``(interface id, packet bytes)`` for one frame (interfaces as in pcapng_file.INTERFACES)."""
    if direction != "drop":
        if kind == "GBCS":
            return 0, exported_pdu(GBCS_DISSECTOR, data)
        if kind == "HAN" and len(data) >= HAN_HEADER:
            return 1, han_interpan(data, seq)
        if kind == "CONTROL":
            return 2, exported_pdu("json", data)
    return 2, exported_pdu("data", data)


def unwrap(link_type: int, packet: bytes) -> bytes:
    """The frame bytes of one packet (inverse of ``wrap``; legacy user link types are raw)."""
    if link_type == LINKTYPE_WIRESHARK_UPPER_PDU:
        return parse_exported_pdu(packet)[1]
    if link_type == LINKTYPE_IEEE802_15_4_NOFCS:
        return parse_han_interpan(packet)
    return packet
