"""Bench reservation through labgrid's coordinator (``labgrid-coordinator``, gRPC).

One labgrid *place* per bench, named by the profile's ``lab.place`` (default: the bench name)
and tagged with ``lab.tags`` (``ch: dbch``, ``gsme: old``...), so engineers see and reserve the
same benches with ``labgrid-client``. A place missing on the coordinator is created with its tags.

Acquiring: a free place is acquired at once. A held one (``acquired`` by ``host/user``) is either
refused at once (``wait_s == 0``) naming the holder, or waited for through a labgrid reservation
(filter ``name=<place>``), which the coordinator allocates in priority/age order when the holder
releases; the harness then acquires it with that reservation. Release frees the place (only if
this user still holds it) and cancels the reservation. An acquisition outlives the client
connection (labgrid's semantics): a killed ``harness run`` leaves its places acquired until
someone runs ``labgrid-client -p PLACE release --kick``.

Needs the optional extra ``harness[lab]`` (labgrid).
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from harness.errors import HarnessError
from harness.lab.reserve import BenchClaim, BenchReserved
from harness.plugin import locks

USER_ENV = "HARNESS_LAB_USER"
CONNECT_TIMEOUT_S = 10.0
T = TypeVar("T")
_loop: asyncio.AbstractEventLoop | None = None
_loop_guard = threading.Lock()


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on this process's one labgrid event loop (a daemon thread): gRPC's asyncio
    layer wants a single loop per process, and callers may be in any thread."""
    global _loop
    with _loop_guard:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="labgrid-client", daemon=True).start()
    return asyncio.run_coroutine_threadsafe(coro, _loop).result()


def _labgrid() -> tuple[Any, Any, Any]:
    try:
        import grpc
        from labgrid.remote.client import ClientSession
        from labgrid.remote.generated import labgrid_coordinator_pb2 as pb2
        from labgrid.util.proxy import proxymanager
    except ImportError as exc:
        raise HarnessError(f"labgrid is not installed ({exc}): pip install 'harness[lab]'") from None
    return grpc, ClientSession, (pb2, proxymanager)


def lab_user() -> str:
    """The user name the coordinator sees: $HARNESS_LAB_USER, $LG_USERNAME or the login name."""
    return os.environ.get(USER_ENV) or os.environ.get("LG_USERNAME") or locks.whoami().split("@")[0]


class _Client:
    """One short coordinator session (``async with``): places, reservations, the RPC stub."""

    def __init__(self, address: str, user: str) -> None:
        self.grpc, session_cls, (self.pb2, proxymanager) = _labgrid()
        self.address = proxymanager.get_grpc_address(address, default_port=20408)
        self.user = user
        self.hostname = os.environ.get("LG_HOSTNAME") or socket.gethostname()
        self._session_cls = session_cls
        from labgrid.remote.generated.labgrid_coordinator_pb2_grpc import CoordinatorStub

        self._stub_cls = CoordinatorStub
        self.session: Any = None

    @property
    def name(self) -> str:
        """How the coordinator names this client as a holder: ``host/user``."""
        return f"{self.hostname}/{self.user}"

    async def __aenter__(self) -> _Client:
        session = self._session_cls(address=self.address, loop=asyncio.get_running_loop())
        # A channel of its own (no shared subchannel): the coordinator tells clients apart by
        # their TCP peer, and two sessions of one process must not share a connection.
        await session.channel.close()
        session.channel = self.grpc.aio.insecure_channel(target=self.address, options=[
            ("grpc.keepalive_time_ms", 7500), ("grpc.keepalive_timeout_ms", 10000),
            ("grpc.http2.ping_timeout_ms", 10000), ("grpc.use_local_subchannel_pool", 1)])
        session.stub = self._stub_cls(session.channel)
        session.getuser = lambda: self.user  # the coordinator's holder name: host/<our user>
        session.gethostname = lambda: self.hostname
        try:
            await asyncio.wait_for(session.start(), CONNECT_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - ServerError, timeout, gRPC errors
            await session.close()
            raise HarnessError(f"labgrid coordinator {self.address} not reachable: {exc or type(exc).__name__}") from None
        self.session = session
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self.session.stop()
        finally:
            await self.session.close()

    @property
    def stub(self) -> Any:
        return self.session.stub

    async def sync(self) -> None:
        await self.session.sync_with_coordinator()

    def place(self, name: str) -> Any:
        return self.session.places.get(name)

    async def ensure_place(self, claim: BenchClaim) -> Any:
        """The claim's place; created (with its tags) if missing, tags set if they differ."""
        place = self.place(claim.place)
        if place is None:
            try:
                await self.stub.AddPlace(self.pb2.AddPlaceRequest(name=claim.place))
            except self.grpc.aio.AioRpcError as exc:
                if exc.code() != self.grpc.StatusCode.ALREADY_EXISTS:  # another client was first
                    raise HarnessError(f"cannot create place {claim.place}: {exc.details()}") from None
            await self.sync()
            place = self.place(claim.place)
        wanted = {str(k): str(v) for k, v in claim.tags.items()}
        if wanted and any(place.tags.get(k) != v for k, v in wanted.items()):
            try:
                await self.stub.SetPlaceTags(self.pb2.SetPlaceTagsRequest(placename=claim.place, tags=wanted))
            except self.grpc.aio.AioRpcError as exc:
                raise HarnessError(f"cannot tag place {claim.place} with {wanted}: {exc.details()}") from None
            await self.sync()
            place = self.place(claim.place)
        return place

    async def reservation_owner(self, token: str) -> str | None:
        response = await self.stub.GetReservations(self.pb2.GetReservationsRequest())
        return next((r.owner for r in response.reservations if r.token == token), None)

    async def holder(self, place: Any) -> str:
        if place.acquired:
            mine = " (this user, in another run)" if place.acquired == self.name else ""
            return f"{place.acquired}{mine}"
        if place.reservation:
            owner = await self.reservation_owner(place.reservation)
            return f"{owner or 'someone'} (reservation {place.reservation})"
        return "someone"

    async def try_acquire(self, name: str) -> bool:
        try:
            await self.stub.AcquirePlace(self.pb2.AcquirePlaceRequest(placename=name))
        except self.grpc.aio.AioRpcError:
            return False  # taken in the meantime, or reserved for someone else
        await self.sync()
        return True

    async def cancel(self, token: str | None) -> None:
        if not token:
            return
        try:
            await self.stub.CancelReservation(self.pb2.CancelReservationRequest(token=token))
        except self.grpc.aio.AioRpcError:
            pass  # already gone (expired or cancelled)


@dataclass
class LabgridReservation:
    claim: BenchClaim
    provider: LabgridProvider
    holder: str
    token: str | None = None
    released: bool = False

    def release(self) -> None:
        if not self.released:
            _run(self.provider._release(self))
            self.released = True


class LabgridProvider:
    """Places and reservations on a labgrid coordinator at ``address`` (``HOST[:PORT]``)."""

    engine = "labgrid"

    def __init__(self, address: str, *, user: str | None = None, poll_s: float = 0.2) -> None:
        self.address = address
        self.user = user or lab_user()
        self.poll_s = poll_s

    def needs(self, profile: Any) -> bool:
        return True  # every bench of a lab cycle is a place

    def acquire(self, claim: BenchClaim, *, wait_s: float) -> LabgridReservation:
        return _run(self._acquire(claim, wait_s))

    async def _acquire(self, claim: BenchClaim, wait_s: float) -> LabgridReservation:
        deadline = time.monotonic() + wait_s
        async with _Client(self.address, self.user) as client:
            await client.ensure_place(claim)
            token: str | None = None
            try:
                while True:
                    place = client.place(claim.place)
                    free = place.acquired is None and place.reservation in (None, token)
                    if free and await client.try_acquire(claim.place):
                        return LabgridReservation(claim, self, client.name, token)
                    if time.monotonic() >= deadline:
                        raise BenchReserved(claim.bench, claim.place, await client.holder(place), wait_s,
                                            f"labgrid {client.address}")
                    if token is None:
                        flt = client.pb2.Reservation.Filter(filter={"name": claim.place})
                        response = await client.stub.CreateReservation(
                            client.pb2.CreateReservationRequest(filters={"main": flt}, prio=0))
                        token = response.reservation.token
                    else:  # polling keeps the reservation from expiring
                        await client.stub.PollReservation(client.pb2.PollReservationRequest(token=token))
                    await asyncio.sleep(self.poll_s)
                    await client.sync()
            except BaseException:
                await client.cancel(token)
                raise

    async def _release(self, reservation: LabgridReservation) -> None:
        async with _Client(self.address, self.user) as client:
            place = client.place(reservation.claim.place)
            if place is not None and place.acquired == client.name:
                await client.stub.ReleasePlace(client.pb2.ReleasePlaceRequest(
                    placename=reservation.claim.place, fromuser=client.name))
            await client.cancel(reservation.token)


def places(address: str, *, user: str | None = None) -> dict[str, dict[str, Any]]:
    """The coordinator's places: ``{name: {"acquired", "tags", "reservation", "reserved_by"}}``."""

    async def read() -> dict[str, dict[str, Any]]:
        async with _Client(address, user or lab_user()) as client:
            owners = {r.token: r.owner for r in
                      (await client.stub.GetReservations(client.pb2.GetReservationsRequest())).reservations}
            return {name: {"acquired": p.acquired, "tags": dict(p.tags), "reservation": p.reservation,
                           "reserved_by": owners.get(p.reservation) if p.reservation else None}
                    for name, p in client.session.places.items()}

    return _run(read())


def waiting(address: str, *, user: str | None = None) -> list[dict[str, Any]]:
    """Reservations still waiting for a place: ``[{"owner", "filter", "token"}]``."""

    async def read() -> list[dict[str, Any]]:
        async with _Client(address, user or lab_user()) as client:
            response = await client.stub.GetReservations(client.pb2.GetReservationsRequest())
            return [{"owner": r.owner, "token": r.token, "filter": dict(r.filters["main"].filter)}
                    for r in response.reservations if not r.allocations]

    return _run(read())
