"""The socket outbox writes frames straight into a real socket, in order, and never blocks."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import trio

from p88.live.socket_outbox import SocketOutbox


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    server, page = socket.socketpair()
    server.setblocking(False)
    yield server, page
    server.close()
    page.close()


def read_all(sock: socket.socket) -> bytes:
    sock.setblocking(False)
    data = b""
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except BlockingIOError:
            return data
        if not chunk:
            return data
        data += chunk


def test_frames_wait_for_the_hello_then_follow_it_in_order(pair) -> None:
    server, page = pair
    screen = SocketOutbox(1, server.fileno())
    assert screen.put(b"one") and screen.put(b"two")
    assert read_all(page) == b""  # nothing may precede the hello
    screen.open(b"hello")
    assert screen.put(b"three")
    assert read_all(page) == b"helloonetwothree"
    assert not screen.pending


def test_a_page_that_stops_reading_overflows_without_blocking(pair) -> None:
    server, _page = pair
    server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    screen = SocketOutbox(1, server.fileno(), limit=64 * 1024)
    screen.open(b"")
    frame = bytes(range(256)) * 16  # 4 KiB
    accepted = 0
    while screen.put(frame):
        accepted += 1
        assert accepted < 10_000, "the outbox never overflowed"
    assert screen.overflowed
    assert len(screen.pending) <= 64 * 1024
    assert not screen.put(frame)  # a screen leaving takes nothing more


async def test_flush_delivers_what_the_kernel_did_not_take_at_once(pair) -> None:
    server, page = pair
    server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    screen = SocketOutbox(1, server.fileno(), limit=1 << 20)
    screen.open(b"")
    frames = [bytes([n]) * 3000 for n in range(40)]
    for frame in frames:
        assert screen.put(frame)
    assert screen.pending  # the kernel buffer filled: the rest waits here
    received = bytearray()

    async def drain() -> None:
        page.setblocking(False)
        while len(received) < 40 * 3000:
            await trio.lowlevel.wait_readable(page)
            received.extend(page.recv(1 << 16))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(drain)
        with trio.fail_after(10):
            await screen.flush()
    assert bytes(received) == b"".join(frames)


def test_a_gone_page_marks_the_screen_broken(pair) -> None:
    server, page = pair
    screen = SocketOutbox(1, server.fileno())
    screen.open(b"hello")
    page.close()
    ok = True
    for _ in range(3):  # the first write after a close may still succeed (then RST comes)
        ok = screen.put(b"frame")
    assert not ok and screen.broken


def test_after_disconnect_nothing_is_written(pair) -> None:
    server, page = pair
    screen = SocketOutbox(1, server.fileno())
    screen.open(b"")
    screen.disconnect()
    assert not screen.put(b"late")
    screen.write_control(b"late")
    assert read_all(page) == b""
    assert screen.fd == -1
