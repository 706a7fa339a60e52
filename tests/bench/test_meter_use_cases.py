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


class _LogHandle:
    """A meter handle whose ECS35a answers one entry under a code of the meter's own."""

    def __init__(self, bench: Bench, codes: dict[str, int] | None) -> None:
        self._esme = bench.handle("ESME")
        self._codes = codes

    def behaviour(self, name: str, default: object = None) -> object:
        return self._codes if name == "log_codes" and self._codes is not None else default

    def send(self, use_case: str, **params: object) -> object:
        exchange = self._esme.send(use_case, **params)
        for event in exchange.response.values["events"]:
            event.update(code=0x7A01, what="code 0x7A01")  # as a meter with its own code reads
        return exchange


@pytest.mark.parametrize("codes,named", [(None, False), ({"reset": 0x7A01}, True)])
def test_the_profiles_log_codes_name_the_meters_own_entries(default_bench: Bench, codes: object,
                                                            named: bool) -> None:
    """A meter logging the reset under its own code: named 'reset' only where the profile declares
    that code (behaviours.log_codes), so such a meter is not failed for a code the harness guessed."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "compliance"))
    from secmp0002._support import DebtMeter  # type: ignore[import-not-found]

    default_bench.handle("ESME").send("ECS07r", register="TDR2").require()
    meter = DebtMeter(default_bench, _LogHandle(default_bench, codes), "ESME")  # type: ignore[arg-type]
    events = meter._read_log(None)
    assert events and all((e["what"] == "reset") is named for e in events)


def test_log_codes_in_a_profile_are_checked(tmp_path: object) -> None:
    from pathlib import Path

    from harness.errors import ProfileError
    from harness.profiles.loader import load_device

    base = "kind: device\nname: e\nrole: ESME\neui: 00DB123456780000\nbehaviours:\n  log_codes:\n"
    folder = Path(str(tmp_path))
    good = folder / "good.yaml"
    good.write_text(base + "    reset: 0x7A01\n")
    assert load_device(good).behaviours["log_codes"] == {"reset": 0x7A01}
    for body, field in (("    rest: 1\n", "log_codes"), ("    reset: 70000\n", "reset"), ("    reset: x\n", "reset")):
        bad = folder / "bad.yaml"
        bad.write_text(base + body)
        with pytest.raises(ProfileError, match=field):
            load_device(bad)


class _NoControl:
    """A bench as a real one is: no control channel (everything else from ``bench``)."""

    def __init__(self, bench: Bench) -> None:
        self._bench = bench

    def control(self, op: str, **kw: object) -> object:
        from harness.errors import CapabilityMissing

        raise CapabilityMissing(f"no control channel ({op})")

    def __getattr__(self, name: str) -> object:
        return getattr(self._bench, name)


class _RefusingHandle:
    """A meter handle that refuses ``use_case`` as a meter would (an alert, no response)."""

    def __init__(self, bench: Bench, refused: str) -> None:
        self._esme, self._refused = bench.handle("ESME"), refused

    def behaviour(self, name: str, default: object = None) -> object:
        return self._esme.behaviour(name, default)

    def send(self, use_case: str, **params: object) -> object:
        import dataclasses

        exchange = self._esme.send(use_case, **params)
        if use_case != self._refused:
            return exchange
        return dataclasses.replace(exchange, response=None, error="rejected: alert 0x1000 (alert code 0x8f30)",
                                   alert_code=0x8F30, alert_message_code=0x1000)


@pytest.mark.parametrize("refused", ["ECS02", "ECS35a"])
def test_a_refused_set_up_or_observation_is_not_asked_not_failed(default_bench: Bench, refused: str) -> None:
    """A meter refusing the suite's Set Payment Mode set-up or its event-log read: the requirement
    was not asked (NotAsked, a bench error), not failed (an AssertionError would fail R7/R8)."""
    import sys
    from pathlib import Path

    from harness.errors import BenchError, NotAsked

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "compliance"))
    from secmp0002._support import DebtMeter  # type: ignore[import-not-found]

    meter = DebtMeter(_NoControl(default_bench), _RefusingHandle(default_bench, refused), "ESME")  # type: ignore[arg-type]
    with pytest.raises(NotAsked, match=r"not asked.*0x8f30") as caught:
        if refused == "ECS02":
            meter.use_mode("credit")
        else:
            meter._read_log(None)
    assert isinstance(caught.value, BenchError)
