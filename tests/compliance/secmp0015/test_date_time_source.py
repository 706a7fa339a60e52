"""SECMP0015 date-time source: the grouping-header date-time of the GPF's responses to GCS13a,
GCS13b, GCS13c, GCS14 and GCS60a (FR4, CR2, DCC IA 3.1.2, GFI 3.6, COMP1/COMP2, SIA15-T-A2/A4).

Runs unchanged on every bench: the expectation comes from the bench's compatibility case."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pytest

from harness.errors import CapabilityMissing, EncodeError
from harness.gbcs import zcl
from harness.gbcs.zcl import raw_utc_time, utc_time_value
from harness.suites.secmp0015 import Secmp0015Case, check_date_time

from ._support import TRACKED_REGISTER, USE_CASES, after_push


@pytest.mark.requirement("SECMP0015-FR4", "SECMP0015-CR2", "SECMP0015-COMP1", "SECMP0015-COMP2",
                         "SIA15-T-A2", "SIA15-T-A4", "GFI-5", "GFI-6")
@pytest.mark.device("GPF", "GSME")
@pytest.mark.severity("S1")
@pytest.mark.parametrize("use_case", USE_CASES)
def test_date_time_source(use_case: str, gpf: Any, clock: Any, push: Any, record_case: Secmp0015Case,
                          send_checked: Any, read_snapshot_time: Any, measure: Any, draw: Any) -> None:
    """After a push: GSME snapshot time with 0x04 (new CH + new GSME), else the CH time with bit 2
    clear and the declared (or invalid) reliability."""
    case = record_case
    use_case = case.read_use_case(use_case)
    clock.advance(min(_dt.timedelta(seconds=draw.randint(1, 59)), case.wake_interval / 4))  # not on a round minute
    pushed_at = push()
    clock.advance(after_push(case, min(_dt.timedelta(seconds=draw.randint(1, 20)), case.wake_interval / 4)))  # read later than the push
    snapshot = read_snapshot_time() if case.gsme_sourced else None
    now = clock.now()
    response = send_checked(gpf, use_case, requirement=case.requirement)
    check_date_time(response, case, use_case, pushed_at=pushed_at, now=now, measure=measure,
                    snapshot=snapshot.when if snapshot is not None and snapshot.when else None)


@pytest.mark.requirement("SECMP0015-FR2", "SECMP0015-FR4", "SECMP0015-CR2")
@pytest.mark.device("GPF", "GSME")
@pytest.mark.severity("S2")
@pytest.mark.parametrize("use_case", USE_CASES)
def test_values_and_time_from_same_push(use_case: str, gpf: Any, gsme: Any, clock: Any, push: Any,
                                        record_case: Secmp0015Case, send_checked: Any, measure: Any,
                                        draw: Any) -> None:
    """The payload's values are those of the push whose time stamps the response: changing the
    GSME's registers without a push changes neither; the next push changes both. A bench that
    cannot plant register values (real hardware: a GSME's registers move only by consumption and
    commands, and a real GSME pushes at each change it makes) observes instead: at two successive
    pushes, the response carries the mirror's value read over the HAN at that push and that
    push's time."""
    case = record_case
    name = TRACKED_REGISTER[use_case]
    use_case = case.read_use_case(use_case)
    first = draw.randint(1_001, 899_999)
    second = first + draw.randint(1_000_000, 2_000_000)  # far above anything the GSME adds by itself
    try:
        gsme.set_state(**{name: first})
    except CapabilityMissing:
        _observe_two_pushes(use_case, name, gpf, clock, push, case, send_checked, measure)
        return
    t1 = push()
    gsme.set_state(**{name: second})  # the GSME's register moves on; no push from the bench yet
    clock.advance(min(_dt.timedelta(minutes=5), case.wake_interval / 3))
    r1 = send_checked(gpf, use_case, requirement="SECMP0015-FR2")
    if _is_value(r1, name, first, second):
        check_date_time(r1, case, use_case, pushed_at=t1, now=clock.now(), measure=measure, label="_1")
    else:  # the GSME woke by itself meanwhile (short wake interval): then time and value are both newer
        _assert_value(r1, name, second, None, use_case, "the value of the GSME's own wake after the change")
        _assert_later(r1, case, t1, use_case)

    clock.advance(_dt.timedelta(seconds=1))
    t2 = push()
    r2 = send_checked(gpf, use_case, requirement="SECMP0015-FR2")
    _assert_value(r2, name, second, None, use_case, "the value of the latest push, made after the change")
    check_date_time(r2, case, use_case, pushed_at=t2, now=clock.now(), measure=measure, label="_2")


def _observe_two_pushes(use_case: str, name: str, gpf: Any, clock: Any, push: Any, case: Secmp0015Case,
                        send_checked: Any, measure: Any) -> None:
    """Without planted values: at each of two successive (observed) pushes, the GPF's mirror
    value read over the HAN and its GCS response agree, and the response's date-time is that
    push's; where the value moved between the pushes, the date-time moved with it."""
    cluster, attribute = _han_attribute(name)
    seen: list[tuple[Any, Any]] = []
    for label in ("_1", "_2"):
        response, got = _check_push_against_mirror(use_case, name, cluster, attribute, gpf, clock, push, case,
                                                   send_checked, measure, label)
        seen.append((got, response.date_time.to_datetime() if response.date_time is not None else None))
    (v1, d1), (v2, d2) = seen
    if case.gsme_sourced and v1 != v2 and d1 == d2:
        raise AssertionError(f"SECMP0015-FR2 {use_case}: {name} moved from {v1} to {v2} between two pushes but "
                             f"the date-time stayed {d1}: the values are not those of the push that stamps them")


def _check_push_against_mirror(use_case: str, name: str, cluster: int, attribute: int, gpf: Any, clock: Any,
                               push: Any, case: Secmp0015Case, send_checked: Any, measure: Any,
                               label: str = "") -> tuple[Any, Any]:
    """One push: the GCS response's ``name`` is the GPF's mirror value read over the HAN at that
    push, and its date-time is that push's (the mirror's ReadingSnapshotTime where GSME-sourced).
    Returns (response, the response's value)."""
    response, han, pushed_at, after = _read_at_push(use_case, cluster, attribute, gpf, push, send_checked)
    measure(f"{name}_over_han{label}", han.value)
    assert han.status == 0, f"SECMP0015-FR2: HAN read of the GPF's {name} failed (ZCL status 0x{han.status:02X})"
    got = response.values.get(name)
    assert got == han.value, (f"SECMP0015-FR2 {use_case}: {name} is {got!r} in the response but {han.value!r} "
                              f"in the GPF's mirror read over the HAN at the push of {pushed_at:%H:%M:%S}")
    snapshot = utc_time_value(raw_utc_time(after.value)) if case.gsme_sourced else None
    check_date_time(response, case, use_case, pushed_at=pushed_at, now=clock.now(), measure=measure,
                    label=label, snapshot=snapshot)
    return response, got


def _read_at_push(use_case: str, cluster: int, attribute: int, gpf: Any, push: Any,
                  send_checked: Any) -> tuple[Any, Any, Any, Any]:
    """(response, HAN read of the value, push time, HAN read of the snapshot time after) of one
    push; read again when another push landed between the HAN reads and the response."""
    for _attempt in range(2):
        pushed_at = push()
        before = gpf.read_attribute(0x0702, 0x0007, via="IHD")
        han = gpf.read_attribute(cluster, attribute, via="IHD")
        response = send_checked(gpf, use_case, requirement="SECMP0015-FR2")
        after = gpf.read_attribute(0x0702, 0x0007, via="IHD")
        if before.value == after.value:
            break
    return response, han, pushed_at, after


def _is_value(response: Any, name: str, low: int, below: int) -> bool:
    """``name`` holds the value set before the push (``low`` or a little more, below ``below``)."""
    got = response.values.get(name)
    return isinstance(got, int) and low <= got < below


def _assert_later(response: Any, case: Secmp0015Case, t1: _dt.datetime, use_case: str) -> None:
    """A GSME-sourced date-time later than ``t1`` (the newer values came with a newer push)."""
    if not case.gsme_sourced or response.date_time is None:
        return
    when = response.date_time.to_datetime()
    if when is None or when <= t1.replace(microsecond=0):
        raise AssertionError(f"SECMP0015-FR2 {use_case}: values of a later GSME wake but date-time "
                             f"{when} not later than the push at {t1:%Y-%m-%d %H:%M:%S}")


def _assert_value(response: Any, name: str, low: int, below: int | None, use_case: str, what: str) -> None:
    """The value is at least ``low`` (what was set; consumption may add a little at the push) and
    below ``below`` (the value set after that push)."""
    got = response.values.get(name)
    ok = isinstance(got, int) and got >= low and (below is None or got < below)
    if not ok:
        bound = f" and below {below}" if below is not None else ""
        raise AssertionError(f"SECMP0015-FR2 {use_case}: {name} expected {low} or slightly more{bound} "
                             f"({what}), got {got!r}")


@pytest.mark.requirement("SECMP0015-FR2", "SECMP0015-FR4")
@pytest.mark.device("GPF", "GSME", "IHD")
@pytest.mark.severity("S2")
@pytest.mark.parametrize("use_case", USE_CASES)
def test_values_and_time_match_the_han_mirror(use_case: str, gpf: Any, clock: Any, push: Any,
                                              record_case: Secmp0015Case, send_checked: Any, measure: Any) -> None:
    """What the bench can observe, on any bench: right after a push, the GPF's mirror read over the
    HAN (the register and ReadingSnapshotTime) and its GCS response agree, value and time."""
    case = record_case
    name = TRACKED_REGISTER[use_case]
    use_case = case.read_use_case(use_case)  # GCS60 on an old CH (it refuses GCS60a)
    cluster, attribute = _han_attribute(name)
    _check_push_against_mirror(use_case, name, cluster, attribute, gpf, clock, push, case, send_checked, measure)


def _han_attribute(name: str) -> tuple[int, int]:
    for cluster in (zcl.CLUSTER_METERING, zcl.CLUSTER_PREPAYMENT):
        try:
            return cluster, zcl.attribute_id(cluster, name)
        except EncodeError:
            continue
    raise AssertionError(f"no ZCL attribute named {name}")
