"""Emulated GBCS devices (CHF+GPF, GSME, ESME) on a virtual clock, behind :class:`EmulatorHost`."""

from harness.emulators.clock import VirtualClock
from harness.emulators.config import DeviceConfig, HostConfig
from harness.emulators.host import EmulatorHost
from harness.faults import FAULTS, Fault

__all__ = ["FAULTS", "DeviceConfig", "EmulatorHost", "Fault", "HostConfig", "VirtualClock"]
