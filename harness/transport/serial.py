"""Serial transport through ``serial.serial_for_url``: device paths (/dev/ttyUSB0, /dev/pts/N)
and pyserial URLs (loop://, socket://host:port, rfc2217://...).

Every read is bounded by the caller's timeout (read one byte with the timeout, then what is
waiting); pyserial's inter_byte_timeout is not used (it does not work on POSIX).
"""

from __future__ import annotations

import errno
import os
from typing import Any

import serial

from harness.errors import PortBusy, PortVanished, TransportError, TransportTimeout
from harness.transport.base import Transport
from harness.transport.framing import Frame, encode_frame
from harness.transport.log import ExchangeLog

_BUSY = {errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES}
_GONE = {errno.ENOENT, errno.ENODEV, errno.ENXIO, errno.EIO}
_MAX_READ = 65536


class SerialTransport(Transport):
    """Frames over a serial port. ``exclusive=True`` locks the port (a second opener gets PortBusy)."""

    def __init__(self, url: str, baudrate: int = 115200, exclusive: bool = True, *,
                 write_timeout: float = 2.0, log: ExchangeLog | None = None, **serial_opts: Any) -> None:
        super().__init__(url, log)
        if url.lower().startswith("rfc2217://"):  # a port shared by a labgrid exporter / ser2net
            write_timeout = None  # type: ignore[assignment]  # pyserial's RFC 2217 client refuses one
        try:
            self.serial = serial.serial_for_url(url, baudrate=baudrate, exclusive=exclusive, timeout=0,
                                                write_timeout=write_timeout, **serial_opts)
        except serial.SerialException as e:
            raise self._open_error(url, e) from e
        except (OSError, ValueError) as e:
            raise self.error(TransportError, f"cannot open: {e}") from e
        self._timeout: float | None = 0
        self.log.note(url, f"opened at {baudrate} baud")

    def _open_error(self, url: str, e: serial.SerialException) -> TransportError:
        code = e.errno if isinstance(e.errno, int) else None
        text = str(e)
        if code in _BUSY or "exclusively lock" in text:
            return self.error(PortBusy, f"port is held by another process ({text})")
        if code in _GONE or ("://" not in url and not os.path.exists(url)):
            return self.error(PortVanished, f"no such port ({text})")
        return self.error(TransportError, f"cannot open ({text})")

    def _set_timeout(self, timeout: float) -> None:
        if self._timeout != timeout:
            self.serial.timeout = timeout
            self._timeout = timeout

    def _read(self, timeout: float) -> bytes:
        try:
            self._set_timeout(timeout)
            data = bytes(self.serial.read(1))
            if data:
                self._set_timeout(0)
                waiting = self.serial.in_waiting
                while waiting and len(data) < _MAX_READ:
                    more = bytes(self.serial.read(min(waiting, _MAX_READ)))
                    if not more:
                        break
                    data += more
                    waiting = self.serial.in_waiting
            return data
        except (serial.SerialException, OSError) as e:
            raise self.error(PortVanished, f"port vanished while reading ({e})") from e

    def wire_time(self, frame: Frame) -> float:
        """The encoded ``frame`` at the port's baud rate (10 bits a byte: start, 8 data, stop)."""
        baudrate = getattr(self.serial, "baudrate", None)
        return len(encode_frame(frame)) * 10 / float(baudrate) if baudrate else 0.0

    def _write(self, data: bytes) -> None:
        try:
            self.serial.write(data)
        except serial.SerialTimeoutException as e:
            raise self.error(TransportTimeout, f"write did not complete ({e})") from e
        except (serial.SerialException, OSError) as e:
            raise self.error(PortVanished, f"port vanished while writing ({e})") from e

    def _close(self) -> None:
        try:
            self.serial.close()
        except (serial.SerialException, OSError):
            pass
