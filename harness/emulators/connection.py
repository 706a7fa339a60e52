"""The ``emulated`` connection type: an emulator host in this process behind an
``InProcessTransport`` (registered in :mod:`harness.transport.registry`)."""

from __future__ import annotations

from pathlib import Path

from harness.emulators.config import HostConfig
from harness.emulators.host import EmulatorHost, keystore_with
from harness.gbcs.security import Keystore
from harness.transport.inproc import InProcessTransport
from harness.transport.registry import ConnectionRequest, Opened, register
from harness.vocabulary import ConnectionType


def emulator_keys(bench: object) -> Keystore | None:
    """The emulated devices' keystore when a device profile names its own key folder (fresh
    TEST-ONLY keys, e.g. the self-test's generated variants); None: the committed emulator keys."""
    folders = sorted({Path(k) for dev in getattr(bench, "devices", ())
                      if (k := getattr(dev, "keys", None)) not in (None, "builtin")
                      and Path(k).is_dir() and any(Path(k).glob("*.key"))})
    return keystore_with(list(folders)) if folders else None


@register(ConnectionType.EMULATED)
def open_emulated(request: ConnectionRequest) -> Opened:
    host = EmulatorHost(HostConfig.from_profile(request.bench), keystore=emulator_keys(request.bench))
    return Opened(InProcessTransport(host, name=f"inproc:{request.name}"), host=host)
