"""Radio selection: a radio name (ezsp | znp | deconz) -> the zigpy radio library's
ControllerApplication, imported only when asked for (the ``zigbee`` extra is optional)."""

from __future__ import annotations

import errno
import importlib
from collections.abc import Awaitable, Callable
from typing import Any

from harness.errors import CapabilityMissing, PortBusy, PortVanished, TransportError

#: radio name -> (module, library package name on PyPI)
RADIOS: dict[str, tuple[str, str]] = {
    "ezsp": ("bellows.zigbee.application", "bellows"),
    "znp": ("zigpy_znp.zigbee.application", "zigpy-znp"),
    "deconz": ("zigpy_deconz.zigbee.application", "zigpy-deconz"),
}

AppFactory = Callable[[dict[str, Any]], Awaitable[Any]]

_BUSY = {errno.EBUSY, errno.EAGAIN, errno.EACCES}
_GONE = {errno.ENOENT, errno.ENODEV, errno.ENXIO, errno.EIO}


def app_class(radio: str) -> Any:
    """The ControllerApplication class of ``radio``; CapabilityMissing when not installed."""
    if radio not in RADIOS:
        raise TransportError(f"unknown ZigBee radio {radio!r}; expected one of {', '.join(RADIOS)}",
                             port=f"zigbee:{radio}")
    module, package = RADIOS[radio]
    try:
        return importlib.import_module(module).ControllerApplication
    except ImportError as e:
        raise CapabilityMissing(f"ZigBee radio {radio!r} needs {package} and zigpy: "
                                f"pip install 'harness[zigbee]' ({e})") from e


def radio_config(device: str, baudrate: int | None = None, database_path: str | None = None) -> dict[str, Any]:
    """The zigpy configuration for one dongle (no database unless asked: benches are fresh)."""
    dev: dict[str, Any] = {"path": device}
    if baudrate is not None:
        dev["baudrate"] = baudrate
    return {"device": dev, "database_path": database_path}


def default_factory(radio: str) -> AppFactory:
    """Start the real radio: ``ControllerApplication.new(config, auto_form=False)``."""
    cls = app_class(radio)

    async def start(config: dict[str, Any]) -> Any:
        return await cls.new(config, auto_form=False, start_radio=True)

    return start


def classify_start_error(exc: BaseException, port: str) -> TransportError:
    """Map what a radio library raises while opening the dongle to a typed transport error."""
    text = f"{type(exc).__name__}: {exc}"
    code = getattr(exc, "errno", None)
    low = str(exc).lower()
    if code in _BUSY or "exclusively lock" in low or "busy" in low or "in use" in low:
        return PortBusy(f"dongle is held by another process ({text})", port=port)
    if code in _GONE or isinstance(exc, FileNotFoundError) or "no such file" in low or "no such device" in low:
        return PortVanished(f"no such dongle ({text})", port=port)
    return TransportError(f"radio did not start ({text})", port=port)
