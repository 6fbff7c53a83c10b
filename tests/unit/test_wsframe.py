"""Frames built once by p88 are what a real websocket client (wsproto) decodes."""

from __future__ import annotations

import pytest
from wsproto.frame_protocol import FrameProtocol, Opcode

from p88.live.wsframe import text_frame


def decode(data: bytes) -> list[tuple[Opcode, object]]:
    client = FrameProtocol(client=True, extensions=[])
    client.receive_bytes(data)
    return [(frame.opcode, frame.payload) for frame in client.received_frames()]


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 200_000])
def test_text_frames_of_every_length_class_decode(size: int) -> None:
    message = "é" * (size // 2) + "x" * (size % 2)
    assert decode(text_frame(message)) == [(Opcode.TEXT, message)]


def test_several_frames_in_one_write_decode_in_order() -> None:
    data = text_frame("one") + text_frame("two" * 100)
    assert decode(data) == [(Opcode.TEXT, "one"), (Opcode.TEXT, "two" * 100)]
