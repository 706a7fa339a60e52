"""Optional real-hardware paths: ZigBee transport over zigpy radios (``harness[zigbee]``).

``harness.zigbee.zse`` (raw ZCL / Smart Energy bytes) needs nothing extra; the transport,
the zigpy cluster definitions and the fake radio import zigpy when first used.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ZigbeeTransport", "zigpy_available"]


def zigpy_available() -> bool:
    """True when zigpy is importable (the ``zigbee`` extra is installed)."""
    import importlib.util

    return importlib.util.find_spec("zigpy") is not None


def __getattr__(name: str) -> Any:
    if name == "ZigbeeTransport":
        from harness.zigbee.transport import ZigbeeTransport

        return ZigbeeTransport
    raise AttributeError(name)
