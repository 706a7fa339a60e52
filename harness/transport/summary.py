"""One-line summaries of frames for the ``harness.transport.<port>`` loggers.

Only called when DEBUG is enabled (the transport checks ``isEnabledFor`` first), so the codec
is imported lazily and a frame costs nothing when logging is off. A summary never raises: an
undecodable frame says why in the line.
"""

from __future__ import annotations

import json

MAX_TEXT = 120


def frame_summary(kind: str, data: bytes) -> str:
    """``GBCS response 0x008D GCS60 Read Meter Balance for GSME, 00DB..E0A1 -> 90B3..0000,
    counter 17, 95 bytes`` and the like for HAN, CONTROL and ERROR frames."""
    try:
        if kind == "GBCS":
            return _gbcs(data)
        if kind == "HAN":
            return _han(data)
        if kind == "CONTROL":
            return f"CONTROL {_cut(_control(data))}"
        if kind == "ERROR":
            return f"ERROR {_cut(data.decode('utf-8', 'replace'))}"
    except Exception as exc:  # noqa: BLE001 - a log line must never break the byte path
        return f"{kind} {len(data)} bytes, undecodable: {exc}"
    return f"{kind or 'chunk'} {len(data)} bytes"


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "..."


def _gbcs(data: bytes) -> str:
    from harness.errors import DecodeError
    from harness.gbcs.catalogue import CATALOGUE
    from harness.gbcs.frame import parse_message

    try:
        m = parse_message(data)
    except DecodeError as exc:
        return f"GBCS {len(data)} bytes, undecodable at byte {exc.offset} ({exc.field}): {exc.reason}"
    uc = CATALOGUE.by_code(m.message_code)
    name = uc.title if uc is not None else "unknown use case"
    return (f"GBCS {m.cra.word} 0x{m.message_code:04X} {name}, {m.originator.hex().upper()} -> "
            f"{m.recipient.hex().upper()}, counter {m.originator_counter}, {len(data)} bytes")


def _han(data: bytes) -> str:
    from harness.transport.framing import HanFrame

    f = HanFrame.from_bytes(data)
    zcl = f.zcl
    at = 3 if zcl[:1] and zcl[0] & 0x04 else 1  # manufacturer code before the sequence number
    command = f"ZCL command 0x{zcl[at + 1]:02X} seq {zcl[at]}" if len(zcl) >= at + 2 else f"ZCL {zcl.hex().upper()}"
    return (f"HAN cluster 0x{f.cluster:04X} {f.src_eui.hex().upper()} -> {f.dst_eui.hex().upper()}, "
            f"{command}, {len(data)} bytes")


def _control(data: bytes) -> str:
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return data.hex().upper()
    return json.dumps(obj, separators=(",", ":"), default=str)
