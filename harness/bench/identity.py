"""Profile facts the bench, the plugin and the records need, read in one place (device roles,
EUIs, capabilities, GBCS versions, waivers) so callers never poke at profile internals."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def get(obj: Any, name: str, default: Any = None) -> Any:
    """``obj.name`` or ``obj[name]`` (profiles are dataclasses; inline tests may use dicts)."""
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def eui_bytes(value: Any) -> bytes:
    """An EUI from a profile: bytes, or 16 hex digits with optional separators."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    text = "".join(ch for ch in str(value) if ch.isalnum())
    return bytes.fromhex(text)


def role_name(device: Any) -> str:
    role = get(device, "role", "")
    return str(getattr(role, "value", role)).upper()


def devices(profile: Any) -> list[Any]:
    return list(get(profile, "devices", None) or [])


def device_for(profile: Any, role: str) -> Any:
    role = role.upper()
    for dev in devices(profile):
        if role_name(dev) == role:
            return dev
    return None


def roles(profile: Any) -> set[str]:
    return {role_name(d) for d in devices(profile)}


def capabilities(device: Any) -> set[str]:
    return {str(c) for c in (get(device, "capabilities", None) or [])}


def behaviours(device: Any) -> dict[str, Any]:
    return dict(get(device, "behaviours", None) or {})


def gbcs_version(device: Any) -> str | None:
    value = get(device, "gbcs", None)
    return None if value is None else str(value)


def waivers(device: Any) -> list[dict[str, Any]]:
    out = []
    for w in get(device, "waivers", None) or []:
        out.append({"requirement": get(w, "requirement"), "test": get(w, "test"), "reason": get(w, "reason", "")})
    return out


def faults(device: Any) -> list[str]:
    emulator = get(device, "emulator", None) or {}
    return [str(f) for f in (get(emulator, "faults", None) or [])]


def connection_type(profile: Any) -> str:
    conn = get(profile, "connection", None)
    kind = get(conn, "type", None) or ("emulated" if get(profile, "emulated", False) else "unknown")
    return str(getattr(kind, "value", kind))


def connection_port(profile: Any) -> str | None:
    """The port a real bench uses (serial url/path, tcp host:port), None for emulated ones."""
    conn = get(profile, "connection", None)
    kind = connection_type(profile)
    if kind == "serial":
        return str(get(conn, "url", None) or get(conn, "path", None) or "") or None
    if kind == "tcp":
        return f"tcp://{get(conn, 'host', '')}:{get(conn, 'port', '')}"
    if kind == "zigbee":
        usb = get(conn, "usb", None)
        return str(get(conn, "path", None) or get(usb, "serial", None) or "") or None
    return None


def profile_path(obj: Any) -> str | None:
    for name in ("path", "file", "source"):
        value = get(obj, name, None)
        if value:
            return str(value)
    return None


def bench_identity(profile: Any) -> dict[str, Any]:
    """The record's ``bench`` object: name, path and connection type."""
    if hasattr(profile, "bench_identity"):
        return dict(profile.bench_identity())
    path = profile_path(profile)
    return {
        "name": str(get(profile, "name", None) or (Path(path).stem if path else "bench")),
        "path": path,
        "connection": connection_type(profile),
    }


def device_identity(device: Any) -> dict[str, Any]:
    """One ``devices`` item of the record."""
    if hasattr(device, "identity"):
        return dict(device.identity())
    eui = get(device, "eui", None)
    return {
        "role": role_name(device),
        "eui": eui_bytes(eui).hex().upper() if eui is not None else None,
        "name": get(device, "name", None),
        "manufacturer": get(device, "manufacturer", None),
        "model": get(device, "model", None),
        "firmware": get(device, "firmware", None),
        "profile": profile_path(device),
        "faults": faults(device),
    }
