"""pcapng captures of exchanges (``CaptureWriter`` as an ExchangeLog listener, ``read_capture``,
``merge_captures``). Needs python-pcapng, imported when a capture is first written or read."""

from __future__ import annotations

from harness.capture.pcapng_file import (
    INTERFACES,
    CapturedFrame,
    CaptureWriter,
    merge_captures,
    read_capture,
    section_comments,
)

__all__ = ["INTERFACES", "CaptureWriter", "CapturedFrame", "merge_captures", "read_capture", "section_comments"]
