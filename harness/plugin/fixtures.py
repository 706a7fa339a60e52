"""Fixtures the suites use: ``bench`` (session), the role handles, ``clock`` and ``measure``.
Suites never know which bench they run on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from harness.errors import BenchError
from harness.plugin.item import item_state
from harness.plugin.state import state_of
from harness.records import Measurement

HARNESS_FIXTURES = frozenset({"bench", "chf", "gpf", "gsme", "esme", "ihd", "ppmid", "clock"})


@pytest.fixture(scope="session")
def bench(request: pytest.FixtureRequest) -> Any:
    """The bench of this run (emulated default unless --bench/--profile-set say otherwise)."""
    state = state_of(request.config)
    try:
        return state.bench
    except Exception as exc:  # a bench that cannot start is a bench error of every test that needs it
        raise BenchError(f"bench could not start: {exc}") from exc


@pytest.fixture
def harness_fresh_bench(request: pytest.FixtureRequest, bench: Any) -> Iterator[Any]:
    """The bench, reset to a known state for this test; exchanges go to this test's record."""
    bench.reset()
    bench.recorder.clear()
    yield bench
    item_state(request.node).exchanges.extend(bench.recorder.take())


@pytest.fixture(autouse=True)
def _harness_bench_for_test(request: pytest.FixtureRequest) -> None:
    """Reset the bench before every test that uses a harness fixture (and no other test)."""
    if HARNESS_FIXTURES & set(request.fixturenames):
        request.getfixturevalue("harness_fresh_bench")


def _role_fixture(role: str) -> Any:
    """The fixture named after ``role`` (lower case): that role's handle on the fresh bench; skips
    the test when the bench has no such device."""

    def handle(request: pytest.FixtureRequest) -> Any:
        bench = request.getfixturevalue("harness_fresh_bench")
        found = bench.handle(role)
        if found is None:
            pytest.skip(f"bench '{bench.name}' has no {role}")
        return found

    handle.__doc__ = f"The bench's {role} handle (skips the test on a bench without one)."
    return pytest.fixture(name=role.lower())(handle)


chf = _role_fixture("CHF")
gpf = _role_fixture("GPF")
gsme = _role_fixture("GSME")
esme = _role_fixture("ESME")
ihd = _role_fixture("IHD")
ppmid = _role_fixture("PPMID")


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> Any:
    """The bench clock: virtual on emulated benches; advance() raises CapabilityMissing on real ones."""
    return request.getfixturevalue("harness_fresh_bench").clock


class _Power:
    """The ``power`` fixture: ``power.switch(role)`` (skips the test when the bench declares no
    switch for that role), ``power.has(role)``, ``power.events``."""

    def __init__(self, bench_power: Any) -> None:
        self.bench_power = bench_power

    def has(self, role: str) -> bool:
        return bool(self.bench_power.has(role))

    def switch(self, role: str) -> Any:
        from harness.errors import CapabilityMissing

        try:
            return self.bench_power.switch(role)
        except CapabilityMissing as exc:
            pytest.skip(str(exc))

    @property
    def events(self) -> list[Any]:
        return list(self.bench_power.events)


@pytest.fixture
def power(request: pytest.FixtureRequest) -> Iterator[_Power]:
    """DUT power switches of the bench (``lab.power`` in its profile, labgrid power drivers):
    ``power.switch("ESME").cycle()``. See harness/lab/power.py."""
    from harness.lab.power import BenchPower

    bench_power = BenchPower.from_profile(state_of(request.config).profile)
    try:
        yield _Power(bench_power)
    finally:
        bench_power.close()


@pytest.fixture
def measure(request: pytest.FixtureRequest) -> Callable[..., Measurement]:
    """``measure(name, value, units=None, low=None, high=None, expected=None) -> Measurement``.
    Every measurement goes to the record; a failing one fails the test (after it finishes)."""
    state = item_state(request.node)

    def _measure(name: str, value: Any, units: str | None = None, low: float | None = None,
                 high: float | None = None, expected: Any = None) -> Measurement:
        m = Measurement.judge(name, value, units, low, high, expected)
        state.measurements.append(m)
        return m

    return _measure
