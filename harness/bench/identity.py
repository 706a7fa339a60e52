"""Profile facts the bench, the plugin and the records need, read in one place (device roles,
EUIs, capabilities, GBCS versions, waivers) from the typed profile model
(``harness.profiles.model``: ``BenchProfile``, ``DeviceProfile``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.profiles.model import BenchProfile, DeviceProfile
    from harness.records import BenchInfo, DeviceInfo


def eui_bytes(value: Any) -> bytes:
    """An EUI from a profile: bytes, or 16 hex digits with optional separators."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    text = "".join(ch for ch in str(value) if ch.isalnum())
    return bytes.fromhex(text)


def role_name(device: DeviceProfile) -> str:
    return str(device.role.value).upper()


def devices(profile: BenchProfile) -> list[DeviceProfile]:
    return list(profile.devices)


def device_for(profile: BenchProfile, role: str) -> DeviceProfile | None:
    role = str(getattr(role, "value", role)).upper()
    return next((d for d in profile.devices if role_name(d) == role), None)


def roles(profile: BenchProfile) -> set[str]:
    return {role_name(d) for d in profile.devices}


def capabilities(device: DeviceProfile) -> set[str]:
    return {str(c) for c in device.capabilities}


def behaviours(device: DeviceProfile | None) -> dict[str, Any]:
    return dict(device.behaviours) if device is not None else {}


def gbcs_version(device: DeviceProfile) -> str | None:
    return None if device.gbcs is None else str(device.gbcs)


def waivers(device: DeviceProfile) -> list[dict[str, Any]]:
    return [{"requirement": w.requirement, "test": w.test, "reason": w.reason} for w in device.waivers]


def faults(device: DeviceProfile) -> list[str]:
    return [str(f) for f in device.faults]


def connection_type(profile: BenchProfile) -> str:
    return str(profile.connection.type.value)


def connection_port(profile: BenchProfile) -> str | None:
    """The port a real bench uses (serial url/path, tcp host:port), None for emulated ones."""
    conn = profile.connection
    kind = connection_type(profile)
    if kind == "serial":
        return str(conn.url or conn.path or "") or None
    if kind == "tcp":
        return f"tcp://{conn.host or ''}:{conn.port or ''}"
    if kind == "zigbee":
        return str(conn.path or (conn.usb.serial if conn.usb is not None else None) or "") or None
    return None


def profile_path(obj: BenchProfile | DeviceProfile | None) -> str | None:
    """The file a profile came from (None: inline)."""
    source = getattr(obj, "source", None)
    return str(source) if source else None


def bench_identity(profile: BenchProfile) -> BenchInfo:
    """The record's ``bench``: name, path, connection type and description."""
    return profile.bench_identity()


def device_identity(device: DeviceProfile) -> DeviceInfo:
    """One ``devices`` item of the record."""
    return device.identity()
