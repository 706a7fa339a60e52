"""Transports: one interface (``Transport``) for in-process, serial and TCP ports; HDLC-like
framing that resynchronises; a two-direction exchange log; the device-side server."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from harness.errors import TransportError
from harness.transport.base import FrameHandler, Transport
from harness.transport.framing import (
    MAX_FRAME,
    Frame,
    FrameDecoder,
    FrameKind,
    HanFrame,
    decode_control,
    encode_control,
    encode_frame,
)
from harness.transport.inproc import InProcessTransport
from harness.transport.log import ExchangeLog, LogEvent
from harness.transport.serial import SerialTransport
from harness.transport.tcp import TcpTransport

__all__ = [
    "MAX_FRAME", "ExchangeLog", "Frame", "FrameDecoder", "FrameHandler", "FrameKind", "HanFrame",
    "InProcessTransport", "LogEvent", "SerialTransport", "TcpTransport", "Transport", "decode_control",
    "encode_control", "encode_frame", "transport_for",
]


def transport_for(url: str, **opts: Any) -> Transport:
    """A transport for ``url``: ``tcp://host:port`` -> TcpTransport; anything else (device path,
    pyserial URL such as ``loop://`` or ``socket://``) -> SerialTransport. Options pass through
    (``log=``, ``connect_timeout=``, ``baudrate=``...). "inproc" is not a URL: build an
    InProcessTransport(handler) directly.
    """
    if url == "inproc" or url.startswith("inproc:"):
        raise TransportError("an in-process transport needs a handler: use InProcessTransport(handler)", port=url)
    if url.startswith("tcp://"):
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            port = None
        if not parts.hostname or port is None:
            raise TransportError("expected tcp://host:port", port=url)
        for serial_only in ("baudrate", "exclusive"):
            opts.pop(serial_only, None)  # meaningless on TCP; tolerated so one call fits all URLs
        return TcpTransport(parts.hostname, port, **opts)
    return SerialTransport(url, **opts)
