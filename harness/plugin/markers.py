"""Markers: requirement, device, capability, gbcs, severity. A test needing a device, a
capability or a GBCS version the bench lacks is skipped with the reason; waivers from device
profiles match by requirement id or test name."""

from __future__ import annotations

import fnmatch
import re
from typing import Any

import pytest

from harness.bench import identity
from harness.records import Waiver
from harness.vocabulary import DEFAULT_SEVERITY
from harness.vocabulary import SEVERITY_NAMES as SEVERITIES

MARKERS = (
    "requirement(*ids): requirement ids the test covers, e.g. SECMP0015-FR4",
    "device(*roles): bench roles the test needs (CHF, GPF, ESME, GSME, IHD, PPMID)",
    "capability(*names): device capabilities the test needs, e.g. gcs60a",
    "gbcs(spec): GBCS versions the devices must implement, e.g. '>=4.0'",
    "severity(level): defect severity of a failure, S1 (worst) .. S4",
)
_SPEC = re.compile(r"^\s*(>=|<=|==|!=|>|<)?\s*([0-9]+(?:\.[0-9]+)*)\s*$")


def register(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)


def _args(item: pytest.Item, name: str) -> list[str]:
    out: list[str] = []
    for mark in item.iter_markers(name):
        out.extend(str(a) for a in mark.args)
    return out


def requirements(item: pytest.Item) -> list[str]:
    seen: list[str] = []
    for rid in _args(item, "requirement"):
        if rid not in seen:
            seen.append(rid)
    return seen


def severity(item: pytest.Item) -> str:
    mark = item.get_closest_marker("severity")
    if mark is None or not mark.args:
        return DEFAULT_SEVERITY
    value = str(mark.args[0]).upper()
    if value not in SEVERITIES:
        raise pytest.UsageError(f"{item.nodeid}: severity {mark.args[0]!r} is not one of {', '.join(SEVERITIES)}")
    return value


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def version_matches(spec: str, version: str) -> bool:
    """``spec`` like '>=4.0' (comma-separated clauses all hold) against '4.1'."""
    for clause in spec.split(","):
        m = _SPEC.match(clause)
        if not m:
            raise pytest.UsageError(f"gbcs marker spec {spec!r} is not like '>=4.0'")
        op, want = m.group(1) or "==", _version(m.group(2))
        have = _version(version)
        width = max(len(have), len(want))
        have += (0,) * (width - len(have))
        want += (0,) * (width - len(want))
        ok = {">=": have >= want, "<=": have <= want, "==": have == want, "!=": have != want,
              ">": have > want, "<": have < want}[op]
        if not ok:
            return False
    return True


def skip_reason(item: pytest.Item, profile: Any) -> str | None:
    """Why this bench cannot run the test (None when it can)."""
    bench = identity.bench_identity(profile).name
    needed = [r.upper() for r in _args(item, "device")]
    missing = [r for r in needed if identity.device_for(profile, r) is None]
    if missing:
        return f"bench '{bench}' has no {', '.join(missing)}"
    relevant = [d for r in needed if (d := identity.device_for(profile, r)) is not None] or identity.devices(profile)
    for cap in _args(item, "capability"):
        if not any(cap in identity.capabilities(d) for d in relevant):
            where = "/".join(needed) if needed else "device"
            return f"bench '{bench}': no {where} with capability '{cap}'"
    for spec in _args(item, "gbcs"):
        for dev in relevant:
            version = identity.gbcs_version(dev)
            if version is None or not version_matches(spec, version):
                return (f"bench '{bench}': {identity.role_name(dev)} implements GBCS {version or 'unknown'}, "
                        f"test needs {spec}")
    return None


def find_waiver(item: pytest.Item, profile: Any) -> Waiver | None:
    """The first waiver of a bench device that matches the test's requirements or name."""
    reqs = set(requirements(item))
    names = {item.name, item.nodeid, getattr(item, "originalname", item.name)}
    for dev in identity.devices(profile):
        for waiver in identity.waivers(dev):
            req = waiver.get("requirement")
            test = waiver.get("test")
            if req and req in reqs:
                return Waiver(waiver.get("reason", ""), req, device=identity.role_name(dev))
            if test and any(n == test or fnmatch.fnmatchcase(n, test) or n.endswith("::" + test) for n in names):
                return Waiver(waiver.get("reason", ""), req, test, identity.role_name(dev))
    return None
