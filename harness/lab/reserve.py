"""Bench reservation: one small interface, two engines.

* :class:`FlockProvider` (default): ``fcntl.flock`` lock files on this PC (``harness/plugin/locks.py``);
  the OS frees them when the holder dies. Enough for one bench PC.
* :class:`~harness.lab.places.LabgridProvider`: labgrid's coordinator, one *place* per bench
  (tags for CH variant, GSME generation...), contended by engineers and CI from every PC.
  Waiting goes through a labgrid *reservation*, so waiters are served in order.

``harness run`` reserves every bench of its cycle before it starts (``--locks``, ``--lock-wait``):
a bench held by someone else makes it wait, or fail at once with :class:`BenchReserved` naming
the holder. The spec string picks the engine: ``flock``, ``labgrid`` (address from
``LG_COORDINATOR``) or ``labgrid://HOST:PORT``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from harness.bench import identity
from harness.errors import HarnessError
from harness.plugin import locks

LOCKS_ENV = "HARNESS_LOCKS"
LOCK_WAIT_ENV = "HARNESS_LOCK_WAIT"
DEFAULT_COORDINATOR = "127.0.0.1:20408"


class BenchReserved(locks.BenchUnavailable):
    """A bench is held by someone else (after waiting ``waited_s``): names the holder."""

    def __init__(self, bench: str, place: str, holder: str, waited_s: float, engine: str) -> None:
        self.bench, self.place, self.holder, self.waited_s = bench, place, holder, waited_s
        wait = "not waiting (--lock-wait 0)" if waited_s <= 0 else f"after waiting {waited_s:g} s"
        super().__init__(f"bench {bench} (place {place}, {engine}) is reserved by {holder}: {wait}")


@dataclass(frozen=True)
class BenchClaim:
    """What reserving one bench takes: its place name, its tags and its flock keys."""

    bench: str
    place: str
    tags: dict[str, str] = field(default_factory=dict)
    keys: tuple[str, ...] = ()


class Reservation(Protocol):
    claim: BenchClaim

    def release(self) -> None:
        """Free the bench (idempotent)."""


class LockProvider(Protocol):
    """An engine that reserves benches."""

    engine: str

    def needs(self, profile: Any) -> bool:
        """Whether a bench with this profile must be reserved at all."""

    def acquire(self, claim: BenchClaim, *, wait_s: float) -> Reservation:
        """Reserve the bench, waiting up to ``wait_s`` (0: fail fast) or raise :class:`BenchReserved`."""


def place_name(text: str) -> str:
    """A labgrid-friendly place name: lower case, ``[a-z0-9_-]``."""
    return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-") or "bench"


def claim_for(bench: str, path: str | None, profile: Any) -> BenchClaim:
    """The claim of one bench of a cycle: place and tags from the profile's ``lab:`` section
    (place defaults to the bench name), flock keys the bench file and its port."""
    lab = getattr(profile, "lab", None)
    keys = [path or bench]
    port = identity.connection_port(profile) if profile is not None else None
    if port:
        keys.append(f"port:{port}")
    tags = dict(getattr(lab, "tags", None) or {})
    return BenchClaim(bench=bench, place=getattr(lab, "place", None) or place_name(bench), tags=tags,
                      keys=tuple(keys))


@dataclass
class FlockReservation:
    claim: BenchClaim
    held: locks.HeldLock | None

    def release(self) -> None:
        if self.held is not None:
            self.held.release()
            self.held = None


class FlockProvider:
    """Lock files on this PC (``$HARNESS_LOCK_DIR``): benches with a port or a declared place."""

    engine = "flock"

    def __init__(self, directory: Any = None, *, clock: Callable[[], float] = time.monotonic,
                 pause: Callable[[float], None] = time.sleep) -> None:
        self.directory = directory
        self._clock, self._pause = clock, pause

    def needs(self, profile: Any) -> bool:
        if profile is None:  # unreadable: nothing known to contend for
            return False
        lab = getattr(profile, "lab", None)
        return bool(getattr(lab, "place", None)) or identity.connection_port(profile) is not None

    def acquire(self, claim: BenchClaim, *, wait_s: float) -> FlockReservation:
        deadline = self._clock() + wait_s
        while True:
            held = locks.try_lock(list(claim.keys), self.directory)
            if held is not None:
                return FlockReservation(claim, held)
            if self._clock() >= deadline:
                who = next((h for h in (locks.holder(k, self.directory) for k in claim.keys) if h), "another process")
                raise BenchReserved(claim.bench, claim.place, who, wait_s, self.engine)
            self._pause(locks.POLL_S)


def provider_from_spec(spec: str | None) -> LockProvider:
    """``flock`` (default), ``labgrid`` (``$LG_COORDINATOR``) or ``labgrid://HOST:PORT``."""
    spec = (spec or os.environ.get(LOCKS_ENV) or "flock").strip()
    if spec == "flock":
        return FlockProvider()
    if spec == "labgrid" or spec.startswith("labgrid://"):
        address = spec[len("labgrid://"):] if spec.startswith("labgrid://") else ""
        from harness.lab.places import LabgridProvider

        return LabgridProvider(address or os.environ.get("LG_COORDINATOR") or DEFAULT_COORDINATOR)
    raise HarnessError(f"unknown lock provider {spec!r}: use flock, labgrid or labgrid://HOST:PORT")


def lock_wait(value: float | None) -> float:
    """Seconds to wait for a reserved bench: the option, else $HARNESS_LOCK_WAIT, else 0 (fail fast)."""
    if value is not None:
        return max(0.0, float(value))
    env = os.environ.get(LOCK_WAIT_ENV)
    try:
        return max(0.0, float(env)) if env else 0.0
    except ValueError:
        raise HarnessError(f"{LOCK_WAIT_ENV}={env!r} is not a number of seconds") from None


def reserve_all(provider: LockProvider, claims: Sequence[BenchClaim], *, wait_s: float,
                clock: Callable[[], float] = time.monotonic) -> list[Reservation]:
    """Reserve every claim (one deadline for all), or none: on failure the ones taken are freed."""
    taken: list[Reservation] = []
    deadline = clock() + wait_s
    try:
        for claim in claims:
            taken.append(provider.acquire(claim, wait_s=max(0.0, deadline - clock())))
    except BaseException:
        release_all(taken)
        raise
    return taken


def release_all(reservations: Iterable[Reservation]) -> None:
    errors: list[str] = []
    for reservation in reservations:
        try:
            reservation.release()
        except Exception as exc:  # noqa: BLE001 - free the others, then say what failed
            errors.append(f"{reservation.claim.bench}: {exc}")
    if errors:
        raise HarnessError("could not release bench reservation(s): " + "; ".join(errors))
