"""Device profiles: YAML schema, loader (errors name file:line and field) and typed model."""

from harness.profiles.loader import (
    default_bench_path,
    load_any,
    load_bench,
    load_device,
    load_profile_set,
    profiles_dir,
)
from harness.profiles.model import (
    BenchProfile,
    ChVariant,
    Connection,
    DeviceProfile,
    ProfileSet,
    RemoteParties,
    Timeouts,
    UsbId,
    Waiver,
)
from harness.vocabulary import ConnectionType, DefectMask

__all__ = [
    "BenchProfile", "ChVariant", "Connection", "ConnectionType", "DefectMask", "DeviceProfile",
    "ProfileSet", "RemoteParties", "Timeouts", "UsbId", "Waiver", "default_bench_path", "load_any",
    "load_bench", "load_device", "load_profile_set", "profiles_dir",
]
