"""Server-to-client websocket frames (RFC 6455 section 5.2), built once and written to many sockets.

A server's frames are never masked, so the bytes of a message are the same for every screen:
the fan-out encodes each batch of passings once and writes the same frame everywhere.
"""

from __future__ import annotations

import struct

TEXT = 0x1
_FINAL = 0x80


def frame(opcode: int, payload: bytes) -> bytes:
    """One final (unfragmented) frame."""
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", _FINAL | opcode, size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", _FINAL | opcode, 126, size)
    else:
        head = struct.pack("!BBQ", _FINAL | opcode, 127, size)
    return head + payload


def text_frame(message: str) -> bytes:
    return frame(TEXT, message.encode())
