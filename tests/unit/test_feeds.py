"""Display feeds: encode once for every screen, a slow screen overflows alone, resume state."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import trio

from p88.live.feeds import Feed, FeedKey, encode_passings
from p88.live.passings import Passing, PassingDetector, Rules
from p88.live.socket_outbox import SocketOutbox
from p88.live.wsframe import text_frame


def make_feed(ring: int = 500) -> Feed:
    feed = Feed(FeedKey(1, frozenset({"FINISH"}), Rules()), 7, "RIVER RUN", PassingDetector())
    feed.sized(ring)
    return feed


def events(*ids: int) -> list[dict[str, object]]:
    return [
        {"id": i, "loc": "FINISH", "tag": str(i), "lap": 1, "gun_ms": None, "p": None} for i in ids
    ]


def passings(*ids: int) -> list[Passing]:
    return [Passing(i, "FINISH", str(i), datetime(2021, 5, 8, 9), 1) for i in ids]


@pytest.fixture
def pages() -> Iterator[list[tuple[socket.socket, socket.socket]]]:
    """Three connected socket pairs: (the server's end, the page's end)."""
    pairs = [socket.socketpair() for _ in range(3)]
    for server, _page in pairs:
        server.setblocking(False)
    yield pairs
    for pair in pairs:
        for end in pair:
            end.close()


def received(page: socket.socket) -> bytes:
    page.setblocking(False)
    data = b""
    while True:
        try:
            chunk = page.recv(1 << 20)
        except BlockingIOError:
            return data
        if not chunk:
            return data
        data += chunk


def payload(frame: bytes) -> Any:
    """The JSON of one unmasked text frame shorter than 64 KiB."""
    start = 2 if frame[1] < 126 else 4
    return json.loads(frame[start:])


def opened(server: socket.socket, display_id: int, limit: int = 1 << 20) -> SocketOutbox:
    screen = SocketOutbox(display_id, server.fileno(), limit=limit)
    screen.open(b"")
    return screen


async def test_one_encoded_frame_goes_to_every_subscriber(pages) -> None:
    feed = make_feed()
    (a_server, a_page), (b_server, b_page), _ = pages
    feed.subscribers |= {opened(a_server, 1), opened(b_server, 2)}
    feed.broadcast(events(1, 2))
    frame = text_frame(encode_passings(events(1, 2)))
    assert received(a_page) == received(b_page) == frame
    assert payload(frame)["events"] == events(1, 2)
    assert feed.frames_sent == 2


async def test_a_slow_subscriber_overflows_alone_and_is_told_to_resync(pages) -> None:
    feed = make_feed()
    (slow_server, _slow_page), (fine_server, fine_page), _ = pages
    slow_server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    slow, fine = opened(slow_server, 1, limit=8192), opened(fine_server, 2)
    feed.subscribers |= {slow, fine}
    padding = "x" * 1000
    sent = 0
    while not slow.overflowed:
        sent += 1
        assert sent < 10_000, "the slow screen never overflowed"
        feed.broadcast([{**events(sent)[0], "pad": padding}])
        assert received(fine_page)  # this screen keeps up
    assert not fine.overflowed and not fine.pending
    feed.broadcast(events(sent + 1))
    assert payload(received(fine_page))["events"] == events(sent + 1)
    assert not slow.put(b"late")  # it resumes from the ring instead


async def test_resume_state_sends_what_came_after_and_counts_what_fell_out() -> None:
    feed = make_feed(ring=3)
    for i in range(1, 8):
        feed.record(passings(i * 10), events(i * 10))
    assert [e["id"] for e in feed.resume_state(None)[0]] == [50, 60, 70]
    assert feed.resume_state(60) == (events(70), 0)
    assert feed.resume_state(70) == ([], 0)
    # Left after 20: 30 and 40 are no longer in memory, so they are counted, not lost silently.
    resumed, missed = feed.resume_state(20)
    assert [e["id"] for e in resumed] == [50, 60, 70] and missed == 2


async def test_close_wakes_the_socket_task(pages) -> None:
    outbox = SocketOutbox(1, pages[0][0].fileno())
    async with trio.open_nursery() as nursery:
        nursery.start_soon(outbox.wait)
        await trio.lowlevel.checkpoint()
        outbox.close(4410, "replaced")
    assert outbox.close_code == 4410
    assert not outbox.put(b"late")
