"""What a websocket screen has not been sent yet, and the non-blocking write that sends it.

On a plain socket the fan-out writes each frame straight into the screen's socket: one
non-blocking write, no task switch, no per-screen encoding. Only what the kernel will not take
at once waits here, in a bounded buffer that the screen's own task flushes when the socket is
writable. Over TLS (a stream, no file descriptor to write) every frame waits here for that task.
A screen whose buffer overflows is told to resync, so a slow or dead browser costs nothing but
its own buffer.

Safety: the outbox writes to a file descriptor number. The screen's task calls `disconnect()`
(and the hub drops the outbox) before the socket is closed, so a write can never reach a later
socket that reuses the number.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import trio

OUTBOX_BYTES = 256 * 1024  # what a screen may fall behind (beyond the kernel's buffer)
NO_FD = -1


@dataclass(eq=False, slots=True)
class SocketOutbox:
    display_id: int  # 0 for sockets that are not a display's (previews)
    fd: int  # NO_FD: frames wait for the screen's task, which sends them on `stream`
    stream: trio.abc.SendStream | None = None
    limit: int = OUTBOX_BYTES
    pending: bytearray = field(default_factory=bytearray)
    held: bool = True  # frames wait until the hello is written: they must come after it
    overflowed: bool = False
    broken: bool = False  # the peer is gone, or the socket is about to close
    close_code: int | None = None  # set when the hub wants this screen gone (rotate, revoke)
    close_reason: str = ""
    _lot: trio.lowlevel.ParkingLot = field(default_factory=trio.lowlevel.ParkingLot)
    _flushing: trio.Lock = field(default_factory=trio.Lock)  # the page's close and the pump

    # ----------------------------------------------------------------- called by the fan-out
    def put(self, frame: bytes) -> bool:
        """Deliver one frame now if the socket takes it; False when this screen is leaving."""
        if self.overflowed or self.broken or self.close_code is not None:
            return False
        if self.held or self.pending or self.fd == NO_FD:
            if len(self.pending) + len(frame) > self.limit:
                self.overflowed = True
                self._lot.unpark_all()
                return False
            self.pending += frame
            self._lot.unpark_all()  # the screen's task sends it
            return True
        self._write(frame)
        return not self.broken

    def close(self, code: int, reason: str) -> None:
        self.close_code, self.close_reason = code, reason
        self._lot.unpark_all()

    # ----------------------------------------------------------------- called by the screen's task
    def open(self, hello: bytes) -> None:
        """Write the hello, then whatever was broadcast while it was being prepared."""
        self.held = False
        self.pending[:0] = hello
        if self.fd == NO_FD:
            self._lot.unpark_all()
            return
        data = bytes(self.pending)
        self.pending.clear()
        self._write(data)

    def write_control(self, data: bytes) -> None:
        """A message of the screen's own (heartbeat, pong, close), in order behind the rest."""
        if self.broken:
            return
        if self.pending or self.held or self.fd == NO_FD:
            self.pending += data
            self._lot.unpark_all()
            return
        self._write(data)

    def disconnect(self) -> None:
        """No more writes, ever: the socket is about to close."""
        self.broken = True
        self.fd = NO_FD
        self.pending.clear()
        self._lot.unpark_all()

    async def wait(self) -> None:
        """Until there is something to flush, an overflow, a close request or a dead peer."""
        if not (self.pending or self.overflowed or self.broken or self.close_code is not None):
            await self._lot.park()

    async def flush(self) -> None:
        """Write everything pending, waiting for the socket as long as it takes."""
        async with self._flushing:
            await self._flush()

    async def _flush(self) -> None:
        while self.pending and not self.broken and not self.held:
            if self.fd == NO_FD:
                await self._send_on_stream()
                continue
            await trio.lowlevel.wait_writable(self.fd)
            if self.broken:
                return
            data = bytes(self.pending)
            self.pending.clear()
            self._write(data)

    # ----------------------------------------------------------------- internals
    async def _send_on_stream(self) -> None:
        assert self.stream is not None, "an outbox without a descriptor needs a stream"
        data = bytes(self.pending)
        self.pending.clear()
        try:
            await self.stream.send_all(data)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            self._gone()

    def _write(self, data: bytes) -> None:
        try:
            written = os.write(self.fd, data)
        except BlockingIOError:
            written = 0
        except OSError:  # reset, broken pipe: the screen is gone
            self._gone()
            return
        if written < len(data):
            self.pending += memoryview(data)[written:]
            self._lot.unpark_all()

    def _gone(self) -> None:
        self.broken = True
        self.pending.clear()
        self._lot.unpark_all()
