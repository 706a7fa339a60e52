"""Micro-benchmarks of the pure transport parts: frame encode/decode and exchange-log rates.

Run: ``python3 benchmarks/transport_bench.py``. Prints rates; asserts nothing (speed claims live here,
not in tests). The full round-trip bench (pty/TCP with emulators) is assembled separately.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable

from harness.transport.framing import Frame, FrameDecoder, FrameKind, encode_frame
from harness.transport.inproc import InProcessTransport
from harness.transport.log import ExchangeLog


def _rate(fn: Callable[[], object], min_time: float = 0.5) -> tuple[float, int]:
    """Calls per second of ``fn`` measured over at least ``min_time`` seconds."""
    n = 0
    start = time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return n / elapsed, n


class _Echo:
    def handle(self, frame: Frame) -> list[Frame]:
        return [frame]


def main() -> None:
    for size in (64, 512, 4096):
        data = os.urandom(size)  # random data: ~1.6% of bytes need escaping
        frame = Frame(FrameKind.GBCS, data)
        wire = encode_frame(frame)
        enc, _ = _rate(lambda frame=frame: encode_frame(frame))
        dec = FrameDecoder()
        d, _ = _rate(lambda dec=dec, wire=wire: dec.feed(wire))
        chunks = [wire[i:i + 16] for i in range(0, len(wire), 16)]

        def chunked(dec: FrameDecoder = dec, chunks: list[bytes] = chunks) -> None:
            for c in chunks:
                dec.feed(c)

        dc, _ = _rate(chunked)
        print(f"frame {size:5d} B: encode {enc:10.0f}/s  decode {d:10.0f}/s ({d * len(wire) / 1e6:6.1f} MB/s)"
              f"  decode in 16-byte chunks {dc:9.0f}/s")

    garbage = bytes([0x55]) * 4096 + encode_frame(Frame(FrameKind.GBCS, b"x" * 64))
    dec = FrameDecoder()
    g, _ = _rate(lambda: dec.feed(garbage))
    print(f"resync after 4 KiB garbage: {g:10.0f}/s")

    mem = ExchangeLog()
    m, _ = _rate(lambda: mem.record("tx", "bench", "GBCS", b"\xdd" * 200))
    with tempfile.TemporaryDirectory() as tmp:
        filelog = ExchangeLog(os.path.join(tmp, "bench.jsonl"))
        f, _ = _rate(lambda: filelog.record("tx", "bench", "GBCS", b"\xdd" * 200))
        filelog.close()
    print(f"log events: in memory {m:10.0f}/s  JSON Lines file (flush each) {f:10.0f}/s")

    t = InProcessTransport(_Echo())
    req = Frame.gbcs(b"\xdd" * 200)
    x, _ = _rate(lambda: t.exchange(req, timeout=1.0))
    print(f"in-process exchange (200 B, framing both ways, logged): {x:10.0f}/s")


if __name__ == "__main__":
    main()
