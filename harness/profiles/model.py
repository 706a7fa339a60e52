"""Typed profile model: devices, benches and profile sets as the loader returns them."""

from __future__ import annotations

import enum
import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.records import BenchInfo, DeviceInfo
from harness.vocabulary import EMULATED_TYPES, ConnectionType, DefectMask, Role

BUILTIN = "builtin"


def display_path(path: Path | None) -> str | None:
    """A path for records: relative to the working directory when under it."""
    if path is None:
        return None
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def builtin_keystore() -> Path:
    """The packaged RTDS test keystore (remote-party test keys)."""
    return Path(__file__).resolve().parent.parent / "data" / "keystore"


#: The roles an emulator host models (a PPMID is never emulated).
EMULATED_ROLES = ("CHF", "GPF", "GSME", "ESME", "IHD")


class ChVariant(str, enum.Enum):
    """Communications Hub HAN/WAN variants."""

    SBCH = "SBCH"
    DBCH = "DBCH"
    DBCH_F = "DBCH-F"
    SBCH_ITCH = "SBCH-ITCH"
    DBCH_ITCH = "DBCH-ITCH"




@dataclass(frozen=True)
class UsbId:
    """A USB adapter found by VID:PID and (optionally) its serial number."""

    vid_pid: str  # "0403:6001"
    serial: str | None = None

    @property
    def vid(self) -> int:
        return int(self.vid_pid.split(":")[0], 16)

    @property
    def pid(self) -> int:
        return int(self.vid_pid.split(":")[1], 16)


@dataclass(frozen=True)
class Connection:
    """How a bench (or one device of it) is reached."""

    type: ConnectionType
    url: str | None = None  # serial: pyserial URL (serial_for_url), e.g. "/dev/ttyUSB0", "rfc2217://..."
    path: str | None = None  # serial/zigbee: device path
    usb: UsbId | None = None  # serial/zigbee: find the adapter by USB id instead of a path
    baudrate: int | None = None
    host: str | None = None  # tcp
    port: int | None = None  # tcp
    radio: str | None = None  # zigbee: ezsp | znp | deconz
    command: tuple[str, ...] | None = None  # emulated-process: the command to spawn

    @property
    def emulated(self) -> bool:
        return self.type in EMULATED_TYPES

    def describe(self) -> str:
        """One line for records and reports (no secrets here: profiles hold none)."""
        t = self.type.value
        if self.type is ConnectionType.TCP:
            return f"{t} {self.host}:{self.port}"
        where = self.url or self.path or ""
        if not where and self.usb is not None:
            where = f"usb {self.usb.vid_pid}" + (f" #{self.usb.serial}" if self.usb.serial else "")
        if self.type is ConnectionType.ZIGBEE:
            return f"{t} {self.radio} {where}".rstrip()
        if self.type is ConnectionType.SERIAL:
            return f"{t} {where}" + (f" @{self.baudrate}" if self.baudrate else "")
        return t


@dataclass(frozen=True)
class Timeouts:
    response_s: float = 30.0  # WAN command -> response
    han_s: float = 60.0  # HAN exchanges (GSME wake, HAN reads)
    operator_s: float = 300.0  # how long an operator prompt waits for Enter
    max_wait_s: float = 900.0  # the longest real wait one step of a test may take on this bench
    restart_s: float = 120.0  # how long a power-cycled device may take to answer again


@dataclass(frozen=True)
class RemoteParties:
    """Who the bench speaks as. ``keystore`` None means the packaged RTDS test keystore."""

    keystore: Path | None = None
    supplier: str = "90B3D51F30010000"
    network_operator: str = "90B3D51F30020000"
    acb: str = "90B3D51F30000002"

    def keystore_path(self) -> Path:
        return self.keystore if self.keystore is not None else builtin_keystore()

    def euis(self) -> dict[str, str]:
        return {"supplier": self.supplier, "network_operator": self.network_operator, "acb": self.acb}


@dataclass(frozen=True)
class Waiver:
    """An accepted deviation: a failing matching test becomes outcome ``waived``."""

    reason: str
    requirement: str | None = None  # e.g. "SECMP0015-FR4"
    test: str | None = None  # node id, test name, or fnmatch pattern

    def matches(self, *, requirements: Iterable[str] = (), nodeid: str = "") -> bool:
        if self.requirement is not None and self.requirement in set(requirements):
            return True
        if self.test is not None and nodeid:
            name = nodeid.split("::")[-1]
            bare = name.split("[")[0]
            return (self.test in (nodeid, name, bare) or nodeid.endswith("::" + self.test)
                    or fnmatch.fnmatchcase(nodeid, self.test) or fnmatch.fnmatchcase(name, self.test))
        return False

    def to_dict(self) -> dict[str, str | None]:
        return {"reason": self.reason, "requirement": self.requirement or self.test}


@dataclass
class DeviceProfile:
    """One device: identity, what it can do and what it may do differently (behaviours)."""

    role: Role
    eui: str  # 16 upper-case hex digits
    name: str
    manufacturer: str = ""
    model: str = ""
    firmware: str = ""
    smets: str | None = None
    chts: str | None = None
    gbcs: str | None = None
    ch_variant: ChVariant | None = None
    capabilities: frozenset[str] = frozenset()
    keys: Path | None = None  # None: builtin (emulated devices make their own)
    behaviours: dict[str, Any] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()
    emulator: dict[str, Any] = field(default_factory=dict)
    connection: Connection | None = None  # per-device override of the bench connection
    source: Path | None = None  # the file that defined it (None: inline in a bench)
    stimuli: dict[str, str] = field(default_factory=dict)  # declared stimuli (bench entry only)

    @property
    def eui_bytes(self) -> bytes:
        return bytes.fromhex(self.eui)

    @property
    def faults(self) -> list[str]:
        return list(self.emulator.get("faults", []))

    @property
    def gbcs_version(self) -> tuple[int, ...] | None:
        return tuple(int(p) for p in self.gbcs.split(".")) if self.gbcs else None

    def behaviour(self, name: str, default: Any = None) -> Any:
        return self.behaviours.get(name, default)

    def has(self, capability: str) -> bool:
        return capability in self.capabilities

    def identity(self) -> DeviceInfo:
        """The record's ``devices[]`` entry."""
        return DeviceInfo(self.role, self.eui, self.name, self.manufacturer, self.model, self.firmware,
                          display_path(self.source), self.faults)

    def host_config_entry(self) -> dict[str, Any]:
        """This device for the emulator's ``HostConfig.from_dict``: identity, behaviours flattened,
        the emulator mapping merged on top (``HostConfig.from_profile`` leaves out the behaviours
        the emulator does not model)."""
        d: dict[str, Any] = {"role": self.role.value, "eui": self.eui, "name": self.name,
                             "manufacturer": self.manufacturer, "model": self.model,
                             "firmware": self.firmware}
        d.update(self.behaviours)
        d.update(self.emulator)
        d.setdefault("faults", [])
        return {k: v for k, v in d.items() if v != "" or k == "role"}


@dataclass(frozen=True)
class BenchLab:
    """A bench's ``lab:``: its labgrid place and tags, and the power switch of each role
    (``{role: {"resources": {...}, "drivers": {...}, "off_s": s}}``, labgrid target config)."""

    place: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    power: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class SetLab:
    """A profile set's ``lab:``: the shared cycle store URL and the labgrid coordinator."""

    store: str | None = None
    coordinator: str | None = None


@dataclass
class BenchProfile:
    """A bench: how it is reached, who speaks to it and which devices it has."""

    name: str
    connection: Connection
    devices: list[DeviceProfile]
    description: str = ""
    timeouts: Timeouts = field(default_factory=Timeouts)
    remote_parties: RemoteParties = field(default_factory=RemoteParties)
    source: Path | None = None
    lab: BenchLab = field(default_factory=BenchLab)

    def device(self, role: Role | str) -> DeviceProfile | None:
        r = Role(role)
        return next((d for d in self.devices if d.role is r), None)

    @property
    def emulated(self) -> bool:
        return self.connection.emulated

    @property
    def faults(self) -> list[str]:
        return [f for d in self.devices for f in d.faults]

    def waivers(self) -> list[tuple[DeviceProfile, Waiver]]:
        return [(d, w) for d in self.devices for w in d.waivers]

    def host_config_dict(self) -> dict[str, Any]:
        """The dict for ``harness.emulators`` ``HostConfig.from_dict``."""
        return {"devices": [d.host_config_entry() for d in self.devices
                            if d.role.value in EMULATED_ROLES],
                "supplier": self.remote_parties.supplier}

    def identity(self) -> list[DeviceInfo]:
        """The record's ``devices`` list."""
        return [d.identity() for d in self.devices]

    def bench_identity(self) -> BenchInfo:
        """The record's ``bench`` object."""
        return BenchInfo(self.name, display_path(self.source), self.connection.type, self.description)


@dataclass
class ProfileSet:
    """A named list of benches run as one cycle, with its acceptance mask."""

    name: str
    benches: list[BenchProfile]
    description: str = ""
    defect_mask: DefectMask | None = None
    source: Path | None = None
    lab: SetLab = field(default_factory=SetLab)
