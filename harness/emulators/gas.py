"""GBZ command service of the gas side: GPF reads from the mirror and GSME debt commands
(Change Debt GCS04, reset GCS04r), bytes in and bytes out."""

from __future__ import annotations

from harness.emulators.gbz_wire import Component, decode_gbz, encode_gbz
from harness.emulators.gpf import Gpf
from harness.emulators.gsme import Gsme
from harness.errors import DecodeError
from harness.gbcs import zcl
from harness.gbcs.cipher import ContentCipher

NOT_EXECUTED = 0xFF
ANY_COMMAND = 0xFF  # Default Response command id of components not executed after a failure


def serve_read(gpf: Gpf, use_case: str, content: bytes, cipher: ContentCipher | None) -> tuple[bytes, bool]:
    """Answer a GCS13a/b/c, GCS14, GCS60 or GCS60a command from the GPF mirror."""
    components = decode_gbz(content)
    for comp in components:
        h = comp.header
        if h.cluster_specific or h.command_id != zcl.CMD_READ_ATTRIBUTES:
            raise DecodeError(f"{use_case}: component for cluster 0x{comp.cluster:04X} is not Read Attributes",
                              offset=0, field="ZCL command")
    out = gpf.read_response(use_case, components)
    return encode_gbz(out, cipher), True


def serve_debt(gsme: Gsme, use_case: str, content: bytes) -> tuple[bytes, bool]:
    """Execute GCS04 (every component a Change Debt) or GCS04r (exactly one)."""
    components = decode_gbz(content)
    commands: list[zcl.ChangeDebt] = []
    for comp in components:
        h = comp.header
        if comp.cluster != zcl.CLUSTER_PREPAYMENT or not h.cluster_specific or h.command_id != zcl.CMD_CHANGE_DEBT:
            raise DecodeError(f"{use_case}: component is not a Prepayment Change Debt", offset=0,
                              field="ZCL command")
        commands.append(zcl.ChangeDebt.parse(comp.payload))
    if use_case == "GCS04r":
        if len(commands) != 1:
            raise DecodeError("GCS04r carries exactly one Change Debt", offset=2, field="GBZ component count")
        statuses = [gsme.reset_debt(commands[0])]
    else:
        statuses = gsme.change_debt(commands)
    replies = []
    for comp, status in zip(components, statuses):
        body = zcl.DefaultResponse(ANY_COMMAND if status == NOT_EXECUTED else zcl.CMD_CHANGE_DEBT,
                                   zcl.FAILURE if status == NOT_EXECUTED else status)
        head = zcl.ZclHeader(zcl.FC_SERVER_TO_CLIENT, comp.header.tsn, zcl.CMD_DEFAULT_RESPONSE)
        replies.append(Component(comp.cluster, head.to_bytes() + body.to_bytes()))
    return encode_gbz(replies), all(s == 0 for s in statuses)
