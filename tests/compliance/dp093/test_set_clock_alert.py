"""DP093 / IRP511: the Set Clock alert 0x81C6. When a HAN device's clock is found outside the
tolerance at its time synchronisation with the CH, its clock is not adjusted and the CHF puts the
Set Clock alert 0x81C6 in its event log (and sends it) so a user can see the HAN device needs
fault correction. A device in step with the CH raises none.

Stimulus: the GSME's clock set off (bench control ``set_state clock_offset_s``) and a GSME wake
(``push``). The offset is drawn from hours either way, far outside any tolerance; the alert's
HAN-device field is provisional (docs/TRACEABILITY.md, DP093)."""

from __future__ import annotations

from typing import Any

import pytest

from harness.bench.api import Verdict
from harness.errors import CapabilityMissing
from harness.gbcs.devicelog import SET_CLOCK_ALERT
from harness.suites.dp093 import R_ALERT, R_NO_ALERT, set_clock_alerts
from harness.suites.s1sr import rng

pytestmark = [pytest.mark.device("CHF", "GSME"), pytest.mark.gbcs(">=3.2")]


def _wake_with_offset(bench: Any, gsme: Any, offset_s: int) -> list[Any]:
    try:
        gsme.set_state(clock_offset_s=offset_s)
        bench.alerts()  # anything from before the stimulus is not this test's
        gsme.push()
    except CapabilityMissing as exc:
        pytest.skip(f"needs the stimulus: a HAN device clock set {offset_s:+d} s off the CH and a GSME wake "
                    f"(bench control set_state clock_offset_s, push): {exc}")
    return bench.alerts(timeout=bench.alert_window())


def _events(bench: Any) -> list[dict[str, Any]] | None:
    try:
        state = bench.control("get_state", device="CHF").get("state", {})
    except CapabilityMissing:
        return None
    events = state.get("events")
    return [e for e in events if isinstance(e, dict)] if isinstance(events, list) else None


@pytest.mark.requirement(R_ALERT)
@pytest.mark.severity("S2")
def test_set_clock_alert_for_han_clock_outside_tolerance(bench: Any, chf: Any, gsme: Any, measure: Any) -> None:
    r = rng(measure)
    offset = r.choice((-1, 1)) * r.randint(3600, 6 * 3600)
    measure("gsme_clock_offset_s", offset)
    alerts = _wake_with_offset(bench, gsme, offset)
    found = set_clock_alerts(alerts)
    seen = [f"0x{a.code:04X} from {a.originator.hex().upper()}" if a.code is not None else "undecoded" for a in alerts]
    if not found:
        raise AssertionError(f"{R_ALERT}: the GSME's clock is {offset:+d} s off the CH at its wake, but no Set Clock "
                             f"alert 0x{SET_CLOCK_ALERT:04X} came (alerts seen: {seen or 'none'})")
    alert = found[0]
    chf_eui = bytes(chf.eui)
    problems = []
    if alert.originator != chf_eui:
        problems.append(f"sent by {alert.originator.hex().upper()}, not the CHF {chf_eui.hex().upper()}")
    if alert.mac is not Verdict.VALID:
        problems.append(f"its MAC is {alert.mac.value}")
    if alert.device is not None and alert.device != bytes(gsme.eui):
        problems.append(f"it names HAN device {alert.device.hex().upper()}, not the GSME {bytes(gsme.eui).hex().upper()}")
    measure("alert_names_device", alert.device.hex().upper() if alert.device else "not named (provisional field)")
    events = _events(bench)
    if events is not None and not any("set_clock" in str(e.get("what", "")) for e in events):
        problems.append(f"the CHF event log has no Set Clock entry: {events or 'empty'}")
    if problems:
        raise AssertionError(f"{R_ALERT} Set Clock alert 0x{SET_CLOCK_ALERT:04X}: " + "; ".join(problems))


@pytest.mark.requirement(R_NO_ALERT)
@pytest.mark.severity("S3")
def test_no_set_clock_alert_for_han_clock_in_step(bench: Any, chf: Any, gsme: Any) -> None:
    if str(gsme.behaviour("gsme_clock", "reliable")) == "invalid":
        pytest.skip("the GSME's profile declares an invalid clock (gsme_clock: invalid): its clock is never in "
                    "step with the CH, so this bench has no case without a Set Clock alert")
    alerts = _wake_with_offset(bench, gsme, 0)
    found = set_clock_alerts(alerts)
    assert not found, (f"{R_NO_ALERT}: the GSME's clock is in step with the CH, yet the CHF sent the Set Clock "
                       f"alert 0x{SET_CLOCK_ALERT:04X} ({len(found)} time(s))")
