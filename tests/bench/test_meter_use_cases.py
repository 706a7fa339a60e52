"""Set Payment Mode (ECS02/ECS03, GCS02/GCS03) and Read ESME Event Log (ECS35a) end to end over
the in-process transport: what a bench without control uses to prepare and observe a meter."""

from __future__ import annotations

import pytest

from harness.bench.api import Verdict
from harness.bench.bench import Bench
from harness.gbcs import meteruc
from harness.gbcs.usecases import build_command_content, build_response_content, parse_command, read_response


@pytest.mark.parametrize("role", ["ESME", "GSME"])
def test_set_payment_mode_switches_the_meter(default_bench: Bench, role: str) -> None:
    handle = default_bench.handle(role)
    for mode in ("credit", "prepayment", "credit"):
        r = handle.send(meteruc.SET_PAYMENT_MODE[(role, mode)]).require()
        assert r.success, r.statuses
        assert r.signature is Verdict.VALID  # SME.C.C: the response is signed
        assert default_bench.control("get_state", device=role)["state"]["payment_mode"] == mode


def test_payment_mode_decides_whether_a_prepayment_only_meter_takes_debt(default_bench: Bench) -> None:
    esme = default_bench.handle("ESME")
    esme.send("ECS02").require()
    assert default_bench.control("get_state", device="ESME")["state"]["payment_mode"] == "credit"
    esme.send("ECS03").require()
    assert default_bench.control("get_state", device="ESME")["state"]["payment_mode"] == "prepayment"


def test_esme_event_log_names_the_reset_register(default_bench: Bench) -> None:
    esme = default_bench.handle("ESME")
    esme.send("ECS07", tdr2=5_000).require()
    esme.send("ECS07r", register="TDR2").require()
    log = esme.send("ECS35a").require()
    assert log.success and log.mac is Verdict.VALID
    events = log.values["events"]
    assert events[-1]["what"] == "reset" and events[-1]["detail"] == {"register": "TDR2"}
    assert any(e["what"] == "change_debt" and e["detail"] == {"register": "TDR2"} for e in events)


def test_codec_round_trips() -> None:
    for uc, mode in meteruc.PAYMENT_MODE_USE_CASES.items():
        request = parse_command(uc, build_command_content(uc, counter=9))
        assert request["mode"] == mode
        assert read_response(uc, build_response_content(uc, {}, results=[0], request=request)).success
        assert not read_response(uc, build_response_content(uc, {}, results=[1], request=request)).success
    assert meteruc.mode_of_configuration(0x0C94) == "credit"
    assert all(meteruc.mode_of_configuration(c) == "prepayment" for c in (0x0497, 0x0097, 0x0C97, 0x0897))
    request = parse_command("ECS35a", build_command_content("ECS35a", counter=3))
    assert (request["object"], request["selector"], request["from"], request["to"]) == \
        ("0-0:99.98.0.255", 1, 0, 0xFFFFFFFF)
    events = [{"at": "2027-01-01T00:00:00+00:00", "what": "reset", "detail": {"register": "PDR"}},
              {"at": "2027-01-01T00:00:01+00:00", "what": "push_lost", "detail": {}}]
    got = read_response("ECS35a", build_response_content("ECS35a", {"events": events}, request=request))
    assert got.values["events"] == [{"at": "2027-01-01T00:00:00+00:00", "code": meteruc.LOG_CODES["reset"],
                                     "what": "reset", "detail": {"register": "PDR"}, "other": "0000131403FF0000"}]
