"""The flock lock provider: one PC, lock files; the holder is named, waiting is bounded."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.lab import reserve
from harness.lab.reserve import BenchClaim, BenchReserved, FlockProvider, provider_from_spec
from harness.plugin import locks


def test_second_claim_fails_fast_naming_holder_then_succeeds_after_release(tmp_path: Path) -> None:
    provider = FlockProvider(tmp_path)
    claim = BenchClaim("bench-a", "bench-a", keys=("/lab/bench-a.yaml", "port:/dev/ttyUSB0"))
    held = provider.acquire(claim, wait_s=0)
    with pytest.raises(BenchReserved, match=rf"bench bench-a .*reserved by {locks.whoami()} pid \d+: not waiting"):
        provider.acquire(claim, wait_s=0)
    # another bench on the same port is held too
    with pytest.raises(BenchReserved):
        provider.acquire(BenchClaim("bench-z", "bench-z", keys=("/lab/z.yaml", "port:/dev/ttyUSB0")), wait_s=0)
    held.release()
    assert locks.holder("/lab/bench-a.yaml", tmp_path) is None
    provider.acquire(claim, wait_s=0).release()


def test_waiting_is_bounded(tmp_path: Path) -> None:
    now = [0.0]

    def pause(s: float) -> None:
        now[0] += s

    provider = FlockProvider(tmp_path, clock=lambda: now[0], pause=pause)
    claim = BenchClaim("bench-a", "bench-a", keys=("bench-a",))
    held = provider.acquire(claim, wait_s=0)
    with pytest.raises(BenchReserved, match="after waiting 2 s"):
        provider.acquire(claim, wait_s=2.0)
    assert now[0] >= 2.0
    held.release()


def test_reserve_all_takes_all_or_none(tmp_path: Path) -> None:
    provider = FlockProvider(tmp_path)
    a, b = BenchClaim("a", "a", keys=("a",)), BenchClaim("b", "b", keys=("b",))
    held_b = provider.acquire(b, wait_s=0)
    with pytest.raises(BenchReserved):
        reserve.reserve_all(provider, [a, b], wait_s=0)
    assert locks.holder("a", tmp_path) is None  # a was freed again
    held_b.release()
    taken = reserve.reserve_all(provider, [a, b], wait_s=0)
    assert len(taken) == 2
    reserve.release_all(taken)


def test_provider_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(reserve.LOCKS_ENV, raising=False)
    assert provider_from_spec(None).engine == "flock"
    with pytest.raises(HarnessError, match="unknown lock provider 'nfs'"):
        provider_from_spec("nfs")
    monkeypatch.setenv(reserve.LOCK_WAIT_ENV, "soon")
    with pytest.raises(HarnessError, match="not a number"):
        reserve.lock_wait(None)
    assert reserve.lock_wait(5) == 5.0
