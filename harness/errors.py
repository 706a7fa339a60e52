"""Typed errors. Every failure the harness reports names its cause."""

from __future__ import annotations


class HarnessError(Exception):
    """Base of every error the harness raises on purpose."""


class DecodeError(HarnessError):
    """Bytes that are not a valid GBCS structure. Names the byte offset and the field."""

    def __init__(self, message: str, *, offset: int, field: str) -> None:
        self.offset = offset
        self.field = field
        self.reason = message
        super().__init__(f"{field} at byte {offset}: {message}")


class EncodeError(HarnessError):
    """A typed value that cannot be encoded (out of range, missing field)."""


class SecurityError(HarnessError):
    """A key is missing, or a cryptographic check failed where failure is fatal."""


class KeystoreError(SecurityError):
    """A keystore folder or key file that cannot be used."""


class TransportError(HarnessError):
    """Base of transport failures; names the port or device."""

    def __init__(self, message: str, *, port: str = "", log_path: str | None = None, tail: bytes = b"") -> None:
        self.port = port
        self.log_path = log_path
        self.tail = tail
        text = f"{port}: {message}" if port else message
        if tail:
            text += f" (last bytes on the line: {tail[-64:].hex(' ')})"
        if log_path:
            text += f" [log: {log_path}]"
        super().__init__(text)


class TransportTimeout(TransportError):
    """No complete frame within the configured timeout (a silent device)."""


class PortVanished(TransportError):
    """The port disappeared (device unplugged, process on the other end died)."""


class PortBusy(TransportError):
    """The port is held by another process."""


class FramingError(TransportError):
    """A frame failed its check (bad CRC, overlong) and could not be recovered."""


class ProfileError(HarnessError):
    """A broken profile: names file:line and the field."""

    def __init__(self, message: str, *, file: str, line: int | None = None, field: str = "") -> None:
        self.file = file
        self.line = line
        self.field = field
        where = f"{file}:{line}" if line is not None else file
        what = f" field '{field}'" if field else ""
        super().__init__(f"{where}:{what} {message}".replace(": :", ":"))


class DeviceError(HarnessError):
    """A device answered in a way the harness cannot use (error response, unexpected message)."""


class DeviceNotBack(DeviceError):
    """A device that was power-cycled (restarted) did not answer again within the bench's
    ``timeouts.restart_s``; names the device, how it was restarted and the last answer."""


class BenchError(HarnessError):
    """The harness could not ask the device (the bench could not start, the emulator died, ...):
    bench trouble, never a device defect. A test ending in one is a *bench error*."""


class NotAsked(BenchError):
    """The device refused (or did not answer) a command a suite sends only to prepare or observe
    a test, not the one under test (Set Payment Mode to bring a meter into a mode, the event-log
    read that shows what a reset logged): the requirement was not asked, so the test is a bench
    error (its cycle inconclusive), never a failure of that requirement. The message names the
    requirement, the command and the device's answer."""


class CapabilityMissing(HarnessError):
    """The bench lacks a device, capability or stimulus a test needs (becomes a skip, never a
    failure). ``profile_key`` names the profile key that would add it (e.g.
    ``devices[GSME].stimuli.push``); the message then says so."""

    def __init__(self, message: str, *, profile_key: str | None = None) -> None:
        self.profile_key = profile_key
        super().__init__(message + (f" (add it in the bench profile: {profile_key})" if profile_key else ""))


class RecordError(HarnessError, ValueError):
    """A result record (JSON Lines, the cycle store) that does not have the record's shape: names
    the field (``failure.message``, ``exchanges[2].hex``) and what was wrong with it."""

    def __init__(self, message: str, *, field: str) -> None:
        self.field = field
        self.reason = message
        super().__init__(f"result record field '{field}': {message}")
