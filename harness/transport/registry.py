"""Bench connections, opened through a registry keyed by connection type.

A profile's ``connection:`` (the bench's, or one device's own) names a type; the module that
knows how to reach that kind of line registers an opener for it (labgrid's resource -> driver
binding is the model). The bench client asks :func:`open_connection` and never imports a
transport, an emulator, a radio library or a command:

========================  ====================================================================
``emulated``              ``harness.emulators.connection``: an emulator host in this process
``emulated-process``      ``harness.transport.connections``: ``harness emulate`` on a pty
``serial``                ``harness.transport.connections``: a serial line (path, pyserial URL,
                          USB id found again by ``ports.find_port``, or a command that prints
                          its pty)
``tcp``                   ``harness.transport.connections``: TCP host:port
``zigbee``                ``harness.zigbee.connection``: a ZigBee dongle through zigpy
========================  ====================================================================

The provider module of a type is imported when a connection of that type is first opened, so
zigpy, the emulators and pyserial load only for the benches that use them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.errors import CapabilityMissing
from harness.transport.base import Transport
from harness.vocabulary import ConnectionType


@dataclass(frozen=True)
class ConnectionRequest:
    """What an opener needs: the typed ``connection`` (``harness.profiles.model.Connection``),
    whose line it is (``name``: the bench, or ``bench:ROLE`` for a device's own connection), the
    profile file (for error messages and commands run in its folder), the devices at the far end
    and the bench profile itself (an in-process emulator builds its devices from it)."""

    connection: Any
    name: str
    path: str | None = None
    devices: Sequence[Any] = ()
    bench: Any = None
    app_factory: Any = None  # tests: replaces the zigpy radio of a zigbee connection


@dataclass
class Opened:
    """An opened connection: its transport, and what must stop with it."""

    transport: Transport
    process: Any = None  # a started device-side process (``harness.transport.spawn.EmulatorProcess``)
    host: Any = None  # an in-process emulator host (records and tests only; handles never use it)
    extras: dict[str, Any] = field(default_factory=dict)


Opener = Callable[[ConnectionRequest], Opened]

#: Which module registers the opener of each connection type (imported on first use).
PROVIDERS: dict[ConnectionType, str] = {
    ConnectionType.EMULATED: "harness.emulators.connection",
    ConnectionType.EMULATED_PROCESS: "harness.transport.connections",
    ConnectionType.SERIAL: "harness.transport.connections",
    ConnectionType.TCP: "harness.transport.connections",
    ConnectionType.ZIGBEE: "harness.zigbee.connection",
}
_OPENERS: dict[ConnectionType, Opener] = {}


def register(kind: ConnectionType) -> Callable[[Opener], Opener]:
    """Decorator: ``opener`` opens connections of type ``kind``."""
    def add(opener: Opener) -> Opener:
        _OPENERS[kind] = opener
        return opener
    return add


def opener_for(kind: ConnectionType | str) -> Opener:
    """The opener registered for ``kind`` (its provider module imported first)."""
    try:
        ctype = ConnectionType(kind)
    except ValueError:
        raise CapabilityMissing(f"connection type '{kind}' is not one the harness knows "
                                f"({', '.join(c.value for c in ConnectionType)})") from None
    if ctype not in _OPENERS and ctype in PROVIDERS:
        importlib.import_module(PROVIDERS[ctype])
    opener = _OPENERS.get(ctype)
    if opener is None:
        raise CapabilityMissing(f"no opener registered for connection type '{ctype.value}'")
    return opener


def open_connection(request: ConnectionRequest) -> Opened:
    """Open ``request.connection`` with its type's opener."""
    return opener_for(request.connection.type)(request)
