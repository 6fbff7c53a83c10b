"""A screen whose websocket p88 writes itself (p88.web.display_socket).

The fan-out writes each frame straight into the screen's socket: one non-blocking write, no
task switch, no per-screen encoding. Only what the kernel will not take at once waits here, in
a bounded buffer that the screen's own task flushes when the socket is writable. A screen whose
buffer overflows is told to resync, so a slow or dead browser costs nothing but its own buffer.

Safety: the outbox writes to a file descriptor number. The screen's task calls `disconnect()`
(and the hub drops the outbox) before the socket is closed, so a write can never reach a later
socket that reuses the number.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import trio

OUTBOX_BYTES = 256 * 1024  # what a screen may fall behind (beyond the kernel's buffer)


@dataclass(eq=False, slots=True)
class SocketOutbox:
    display_id: int
    fd: int
    limit: int = OUTBOX_BYTES
    pending: bytearray = field(default_factory=bytearray)
    held: bool = True  # frames wait until the hello is written: they must come after it
    overflowed: bool = False
    broken: bool = False  # the peer is gone, or the socket is about to close
    close_code: int | None = None  # set when the hub wants this screen gone (rotate, revoke)
    close_reason: str = ""
    _lot: trio.lowlevel.ParkingLot = field(default_factory=trio.lowlevel.ParkingLot)

    # ----------------------------------------------------------------- called by the fan-out
    def put(self, message: str, frame: bytes) -> bool:
        """Deliver one frame now if the socket takes it; False when this screen is leaving."""
        del message  # the encoded frame is all a socket screen needs
        if self.overflowed or self.broken or self.close_code is not None:
            return False
        if self.held or self.pending:
            if len(self.pending) + len(frame) > self.limit:
                self.overflowed = True
                self._lot.unpark_all()
                return False
            self.pending += frame  # the screen's task is already flushing, or will be
            return True
        self._write(frame)
        return not self.broken

    def close(self, code: int, reason: str) -> None:
        self.close_code, self.close_reason = code, reason
        self._lot.unpark_all()

    # ----------------------------------------------------------------- called by the screen's task
    def open(self, hello: bytes) -> None:
        """Write the hello, then whatever was broadcast while it was being prepared."""
        data = hello + self.pending
        self.pending.clear()
        self.held = False
        self._write(data)

    def write_control(self, data: bytes) -> None:
        """A heartbeat, pong or close frame, in order behind anything still pending."""
        if self.broken:
            return
        if self.pending or self.held:
            self.pending += data
            return
        self._write(data)

    def disconnect(self) -> None:
        """No more writes, ever: the socket is about to close."""
        self.broken = True
        self.fd = -1
        self.pending.clear()
        self._lot.unpark_all()

    async def wait(self) -> None:
        """Until there is something to flush, an overflow, a close request or a dead peer."""
        if not (self.pending or self.overflowed or self.broken or self.close_code is not None):
            await self._lot.park()

    async def flush(self) -> None:
        """Write everything pending, waiting for the socket as long as it takes."""
        while self.pending and not self.broken:
            await trio.lowlevel.wait_writable(self.fd)
            if self.broken:
                return
            data = bytes(self.pending)
            self.pending.clear()
            self._write(data)

    # ----------------------------------------------------------------- internals
    def _write(self, data: bytes) -> None:
        try:
            written = os.write(self.fd, data)
        except BlockingIOError:
            written = 0
        except OSError:  # reset, broken pipe: the screen is gone
            self.broken = True
            self.pending.clear()
            self._lot.unpark_all()
            return
        if written < len(data):
            self.pending += memoryview(data)[written:]
            self._lot.unpark_all()
