"""The wall-clock host (``harness emulate --no-control``): a meter takes real time to execute a
critical command (``processing_ms``), and a supply cut through the bench's switch inside that
window interrupts it: nothing is sent and nothing applied, except by the faulty meter that leaves
a reset half applied. Commands the window does not concern answer at once."""

from __future__ import annotations

import datetime as _dt
import threading
import time
from typing import Any

import pytest

from harness.emulators.switches import outlets_of
from harness.emulators.wallclock import NoControlHost

FUELS = [("GSME", "GCS04r", "gsme", 2), ("ESME", "ECS07r", "esme", 1)]


def _wall(make_client: Any, role: str, **cfg: Any) -> tuple[Any, NoControlHost]:
    client = make_client({role: cfg}, start_time=_dt.datetime.now(_dt.timezone.utc).isoformat())
    wall = NoControlHost(client.host)
    client.host = wall  # frames go through the wall-clock host (its control ops still reach the host)
    return client, wall


def _cut_after(wall: NoControlHost, outlet: int, delay_s: float) -> threading.Thread:
    """Switch the meter's outlet off ``delay_s`` after now, from another thread (the bench's PDU)."""
    switch = outlets_of(wall)[outlet]

    def cut() -> None:
        time.sleep(delay_s)
        switch.switch(wall, False)

    thread = threading.Thread(target=cut, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("role,uc,fuel,outlet", FUELS)
def test_a_cut_inside_the_window_loses_the_reset(make_client: Any, role: str, uc: str, fuel: str,
                                                 outlet: int) -> None:
    client, wall = _wall(make_client, role, processing_ms=3000)
    before = client.state(fuel)["debt"]
    start = time.monotonic()
    cutter = _cut_after(wall, outlet, 0.1)
    reply = client.send(uc, role, register="TDR1")
    cutter.join()
    assert reply.frames == []  # without supply the meter sends nothing
    assert time.monotonic() - start < 2.0  # the cut ended the window, not its end
    assert client.state(fuel)["debt"] == before
    assert [e["what"] for e in client.state(fuel)["events"]][-2:] == ["power_off", "reset_failed"]


@pytest.mark.parametrize("role,uc,fuel,outlet", FUELS)
def test_a_faulty_meter_leaves_the_reset_half_applied(make_client: Any, role: str, uc: str, fuel: str,
                                                      outlet: int) -> None:
    client, wall = _wall(make_client, role, processing_ms=3000, faults=["reset_half_applied_on_error"])
    before = client.state(fuel)["debt"]
    cutter = _cut_after(wall, outlet, 0.1)
    assert client.send(uc, role, register="PDR").frames == []
    cutter.join()
    assert client.state(fuel)["debt"] == {**before, "PDR": before["PDR"] // 2}


@pytest.mark.parametrize("role,uc,fuel,outlet", FUELS)
def test_a_cut_after_the_window_finds_the_reset_done(make_client: Any, role: str, uc: str, fuel: str,
                                                     outlet: int) -> None:
    client, wall = _wall(make_client, role, processing_ms=0, faults=["reset_half_applied_on_error"])
    before = client.state(fuel)["debt"]
    assert client.send(uc, role, register="TDR2").ok().success
    outlets_of(wall)[outlet].switch(wall, False)
    assert client.state(fuel)["debt"] == {**before, "TDR2": 0}


def test_only_critical_commands_to_meters_take_the_window(make_client: Any) -> None:
    client, _wall_host = _wall(make_client, "ESME", processing_ms=400)
    start = time.monotonic()
    assert client.send("ECS19", "ESME").ok().success  # a read: answered at once
    assert client.send("GCS14", "GPF").ok().success
    assert time.monotonic() - start < 0.3
    start = time.monotonic()
    assert client.send("ECS07", "ESME", tdr1=1000).ok().success  # critical: verified, then executed
    assert time.monotonic() - start >= 0.4


def test_a_cut_change_debt_changes_nothing(make_client: Any) -> None:
    client, wall = _wall(make_client, "ESME", processing_ms=3000)
    before = client.state("esme")["debt"]
    cutter = _cut_after(wall, 1, 0.1)
    assert client.send("ECS07", "ESME", tdr1=1000).frames == []
    cutter.join()
    assert client.state("esme")["debt"] == before
