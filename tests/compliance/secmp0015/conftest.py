"""SECMP0015 suite fixtures: the bench's compatibility case
(:class:`harness.suites.secmp0015.Secmp0015Case`), GSME pushes, HAN reads of the GPF's
ReadingSnapshotTime."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import Any

import pytest

from harness.bench.observe import PushNotObserved
from harness.bench.stimuli import Stimulus
from harness.errors import CapabilityMissing
from harness.suites.secmp0015 import (
    DEFAULT_WAKE_INTERVAL,
    PUSH_TIME_TOLERANCE,
    Secmp0015Case,
    SnapshotRead,
    check_push_seen_in_time,
    push_not_observed,
    supports_gcs60a,
    supports_secmp0015,
)


def _behaviour(handles: list[Any], name: str, default: Any) -> Any:
    for h in handles:
        if h is None:
            continue
        value = h.behaviour(name, None)
        if value is not None:
            return value
    return default


@pytest.fixture
def chf_or_none(request: pytest.FixtureRequest) -> Any:
    try:
        return request.getfixturevalue("chf")
    except pytest.skip.Exception:
        return None


@pytest.fixture
def case(gpf: Any, gsme: Any, chf_or_none: Any) -> Secmp0015Case:
    """The bench's SECMP0015 compatibility case, from the device profiles."""
    handles = [gpf, chf_or_none, gsme]
    wake = _behaviour([gsme, gpf], "wake_interval_s", None)
    return Secmp0015Case(
        gpf_new=supports_secmp0015(gpf),
        gsme_new=supports_secmp0015(gsme),
        ch_clock=str(_behaviour(handles, "ch_clock", "reliable")),
        gpf_time_reliability=str(_behaviour(handles, "gpf_time_reliability", "unreliable")),
        never_populated_read=str(_behaviour([gpf, chf_or_none], "never_populated_read", "invalid_time")),
        wake_interval=_dt.timedelta(seconds=float(wake)) if wake else DEFAULT_WAKE_INTERVAL,
        gsme_clock=str(gsme.behaviour("gsme_clock", "reliable")),
        gcs60a=supports_gcs60a(gpf),
        gsme_offset=_dt.timedelta(seconds=float(gsme.behaviour("clock_offset_s", 0) or 0)),
        gsme_local_time=bool(gsme.behaviour("local_time_instead_of_utc", False)),
    )


@pytest.fixture
def record_case(case: Secmp0015Case, measure: Any) -> Iterator[Secmp0015Case]:
    """The case, also recorded in the result record as a measurement."""
    measure("secmp0015_case", case.name)
    yield case


@pytest.fixture
def push(gsme: Any, gpf: Any, clock: Any, case: Secmp0015Case, measure: Any) -> Any:
    """``push() -> datetime``: the GSME's next push, made or observed as the bench can (a CONTROL
    push; or the GSME's own wake, an operator or a switch, seen as a new ReadingSnapshotTime over
    the HAN or a new GSME-sourced date-time, or only waited for when the devices give no push
    time); returns the GSME's time of the push. A push that should be seen but is not, within one
    declared wake interval plus margin, fails SECMP0015-FR2 (the GPF's copy follows every push)."""

    offset = _dt.timedelta(seconds=float(gsme.behaviour("clock_offset_s", 0) or 0))

    def do_push() -> _dt.datetime:
        try:
            seen = gsme.await_push(gpf, observable=case.gsme_sourced)
        except PushNotObserved as exc:
            raise push_not_observed(exc, case) from None
        if seen.how == "control":
            return _aware(clock.now()) + offset
        measure("push_observation", seen.describe())
        if seen.how != "waited":
            instant = case.gsme_instant(seen.at, case.gsme_now(seen.detected_at)).utc or seen.at  # UTC or UK local
            lag = (_aware(seen.detected_at) - (_aware(instant) - offset)).total_seconds()
            low = -PUSH_TIME_TOLERANCE.total_seconds()
            limit = PUSH_TIME_TOLERANCE.total_seconds() + case.wake_interval.total_seconds() / 20 + 0.5
            measure("push_seen_after_s", round(lag, 2), "s", low, limit)
            check_push_seen_in_time(seen.at, seen.how, lag, low, limit, offset, case)
        return seen.at

    return do_push


def _aware(when: _dt.datetime) -> _dt.datetime:
    return when if when.tzinfo else when.replace(tzinfo=_dt.timezone.utc)


@pytest.fixture
def read_snapshot_time(gpf: Any) -> Any:
    """``read_snapshot_time() -> SnapshotRead | None``: the GPF's ReadingSnapshotTime as a HAN
    device (the bench's IHD) reads it; None when the bench has no HAN device to read with."""
    from harness.gbcs.zcl import raw_utc_time, utc_time_value

    def read() -> SnapshotRead | None:
        try:
            result = gpf.read_attribute(0x0702, 0x0007, via="IHD")
        except CapabilityMissing:
            return None
        if result.status != 0:
            return SnapshotRead(result.status, None, None)
        raw = raw_utc_time(result.value)
        return SnapshotRead(0, raw, utc_time_value(raw) if raw is not None else None)

    return read


@pytest.fixture
def pristine_gpf(bench: Any) -> None:
    """Skip unless the bench starts every test with a GPF that has never received a GSME push: the
    bench sets the GPF's state itself (its ``state`` stimulus is ``control``: an emulator, reset per
    test); a real GPF has usually been mirroring for a long time."""
    if bench.stimulus("GPF", "state") is not Stimulus.CONTROL:
        pytest.skip("needs a GPF that has never received a GSME push: only a bench that sets the GPF's state "
                    "(devices[GPF].stimuli.state: control, an emulated bench) resets it to that state per test")
