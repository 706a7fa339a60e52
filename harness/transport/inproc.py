"""In-process transport: the handler (emulator host) runs synchronously inside send().

Frames still go through encode/decode on both sides, so the same bytes path as serial and
TCP is exercised; it is just cheap.
"""

from __future__ import annotations

from harness.transport.base import FrameHandler, Transport
from harness.transport.framing import Frame, FrameDecoder, encode_frame
from harness.transport.log import ExchangeLog
from harness.transport.server import handle_safely


class InProcessTransport(Transport):
    """``send()`` calls ``handler.handle(frame)`` and queues its replies for ``receive()``.

    A handler exception becomes an ERROR frame (as with the out-of-process server).
    ``inject(frame)`` queues a frame from the device side (an unsolicited push).
    """

    _blocking = False

    def __init__(self, handler: FrameHandler, name: str = "inproc", log: ExchangeLog | None = None) -> None:
        super().__init__(name, log)
        self.handler = handler
        self._device_decoder = FrameDecoder()
        self._pending = bytearray()

    def _write(self, data: bytes) -> None:
        for frame in self._device_decoder.feed(data):
            for reply in handle_safely(self.handler, frame):
                self._pending += encode_frame(reply)

    def _read(self, timeout: float) -> bytes:
        data = bytes(self._pending)
        self._pending.clear()
        return data

    def inject(self, frame: Frame) -> None:
        """Queue a frame as if the device had sent it unprompted."""
        self._pending += encode_frame(frame)

    def inject_bytes(self, data: bytes) -> None:
        """Queue raw line bytes (garbage, corrupted frames) for receive()."""
        self._pending += data
