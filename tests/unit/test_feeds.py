"""Display feeds without I/O: encode once, bounded outboxes, resume state."""

from __future__ import annotations

import json

from p88.live.feeds import Feed, FeedKey, Outbox
from p88.live.passings import PassingDetector, Rules


def make_feed(ring: int = 500) -> Feed:
    feed = Feed(FeedKey(1, frozenset({"FINISH"}), Rules()), 7, "RIVER RUN", PassingDetector())
    feed.ring = type(feed.ring)(maxlen=ring)
    return feed


def events(*ids: int) -> list[dict[str, object]]:
    return [
        {"id": i, "loc": "FINISH", "tag": str(i), "lap": 1, "gun_ms": None, "p": None} for i in ids
    ]


async def test_one_encoded_string_goes_to_every_subscriber() -> None:
    feed = make_feed()
    a, b = Outbox(1), Outbox(2)
    feed.subscribers |= {a, b}
    feed.broadcast(events(1, 2))
    assert a.messages[0] is b.messages[0]  # the same object: encoded once
    assert json.loads(a.messages[0])["events"] == events(1, 2)
    assert feed.frames_sent == 2


async def test_a_slow_subscriber_overflows_alone_and_is_told_to_resync() -> None:
    feed = make_feed()
    slow, fine = Outbox(1, size=4), Outbox(2, size=4)
    feed.subscribers |= {slow, fine}
    for i in range(1, 5):
        feed.broadcast(events(i))
        fine.take_all()  # this screen keeps up
    assert not slow.overflowed and len(slow.messages) == 4
    feed.broadcast(events(5))
    assert slow.overflowed and not slow.messages  # dropped; it resumes from the ring
    frame = fine.take_all()
    assert frame is not None and json.loads(frame)["events"] == events(5)
    feed.broadcast(events(6))
    assert not slow.messages and len(fine.messages) == 1


async def test_resume_state_sends_what_came_after_and_counts_what_fell_out() -> None:
    feed = make_feed(ring=3)
    for i in range(1, 8):
        feed.record(events(i * 10))
    assert [e["id"] for e in feed.resume_state(None)[0]] == [50, 60, 70]
    assert feed.resume_state(60) == (events(70), 0)
    assert feed.resume_state(70) == ([], 0)
    # Left after 20: 30 and 40 are no longer in memory, so they are counted, not lost silently.
    resumed, missed = feed.resume_state(20)
    assert [e["id"] for e in resumed] == [50, 60, 70] and missed == 2


async def test_close_wakes_the_socket_task() -> None:
    import trio

    outbox = Outbox(1)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(outbox.wait)
        await trio.lowlevel.checkpoint()
        outbox.close(4410, "replaced")
    assert outbox.close_code == 4410
    assert not outbox.put("late")
