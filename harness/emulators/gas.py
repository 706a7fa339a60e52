"""GBZ command service of the gas side: GPF reads from the mirror and GSME debt commands
(Change Debt GCS04, reset GCS04r), bytes in and bytes out through the shared use-case codec
(:func:`harness.gbcs.usecases.parse_command` / :func:`~harness.gbcs.usecases.build_response_content`)."""

from __future__ import annotations

from harness.emulators.gpf import Gpf
from harness.emulators.gsme import Gsme
from harness.errors import DecodeError
from harness.gbcs.cipher import ContentCipher
from harness.gbcs.usecases import GBZ_READS, build_response_content, parse_command

PAYMENT_MODE_USE_CASES = ("GCS02", "GCS03")


def serve_read(gpf: Gpf, use_case: str, content: bytes, cipher: ContentCipher | None) -> bytes:
    """Answer a GCS13a/b/c, GCS14, GCS60 or GCS60a command from the GPF mirror."""
    request = parse_command(use_case, content)
    clusters = [rc.cluster for rc in GBZ_READS[use_case]]
    if [c["cluster"] for c in request["components"]] != clusters:
        raise DecodeError(f"{use_case}: components for clusters {[f'0x{c:04X}' for c in clusters]} expected",
                          offset=2, field="GBZ component")
    for comp in request["components"]:
        if "attributes" not in comp:
            raise DecodeError(f"{use_case}: component for cluster 0x{comp['cluster']:04X} is not Read Attributes",
                              offset=0, field="ZCL command")
    values, statuses = gpf.read_values(request)
    return build_response_content(use_case, values, statuses=statuses, request=request, cipher=cipher)


def serve_debt(gsme: Gsme, use_case: str, content: bytes) -> bytes:
    """Execute GCS04 (every component a Change Debt) or GCS04r (exactly one)."""
    request = parse_command(use_case, content)  # DecodeError unless every component is a Change Debt
    debts = request["debts"]
    if use_case == "GCS04r":
        if len(debts) != 1:
            raise DecodeError("GCS04r carries exactly one Change Debt", offset=2, field="GBZ component count")
        results = [gsme.reset_debt(debts[0])]
    else:
        results = gsme.change_debt(debts)
    # One status per component, in order: the codec echoes each component's TSN and turns the
    # components after the first failure into Default Response FF 01.
    return build_response_content(use_case, {}, results=results, request=request)


def serve_payment_mode(gsme: Gsme, use_case: str, content: bytes) -> bytes:
    """Execute GCS02/GCS03 (Change Payment Mode): the mode its configuration asks for."""
    request = parse_command(use_case, content)
    status = gsme.set_payment_mode(str(request["mode"]), int(request.get("implementation_time", 0)))
    return build_response_content(use_case, {}, results=[status], request=request)
