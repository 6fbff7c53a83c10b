"""A new feed's history, in two steps, so a screen's first frame does not wait for the session's
whole history (a session may hold a million reads).

1. `recent_passings`: the newest passings only. The passing rules (p88.live.passings) look at
   one (point, tag) at a time, so the passings among the newest reads are exact when every
   earlier read of the same (point, tag) pairs is fed too, and no other read is needed. The
   tail grows until it holds a ring's worth of passings; when it reaches the first read of the
   session, this step is the whole history.
2. `whole_history`: every read, a chunk at a time, into the detector that live reads continue.

Both run in one snapshot (a REPEATABLE READ transaction), so a read is either in the history
both steps see or among the live reads the feed takes after step 2: never in both, never in
neither.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import trio

from p88.db.feeds import (
    Points,
    history_chunk,
    key_reads,
    reads_of,
    session_points,
    tail_reads,
)
from p88.db.pool import DATABASE_DOWN_ERRORS, Connection, Pool
from p88.db.tenancy import tenant_transaction
from p88.live.enrich import SessionContext
from p88.live.feeds import Feed
from p88.live.passings import Passing, PassingDetector
from p88.live.results import SessionResults

log = logging.getLogger(__name__)

TAIL_FIRST = 2_000  # newest reads looked at first (grown 4x while they hold too few passings)
TAIL_MOST = 128_000  # then the ring may hold fewer passings than it could (a tag lying on a mat)
RETRY_SECONDS = 1.0  # while the database is down
RETIME_SECONDS = 0.5  # a hello's history is timed again from the engine at most this often


async def load_history(
    pool: Pool,
    feed: Feed,
    ctx: SessionContext,
    ring_size: int,
    loaded: Callable[[int], SessionResults | None],
    then: Callable[[], None],
) -> None:
    """Sets `feed.ready` once its recent passings are in its ring (timed by the results
    engine `loaded` gives, if built) and calls `then`, then loads the rest; waits while the
    database is down."""
    while True:
        try:
            async with tenant_transaction(pool, feed.partner_id, snapshot=True) as conn:
                key = feed.key
                points = await session_points(conn, feed.partner_id, key.session_id, key.locations)
                if not feed.ready.is_set():
                    complete = await _recent(conn, feed, points, ctx, ring_size, loaded)
                    feed.ready.set()
                    then()
                    if complete:
                        return
                feed.detector, feed.passing_ids = await whole_history(conn, feed, points)
                feed.history_from = 0
                return
        except DATABASE_DOWN_ERRORS as exc:
            session_id = feed.key.session_id
            log.warning("display feed of session %d waits for the database: %s", session_id, exc)
            await trio.sleep(RETRY_SECONDS)


async def _recent(
    conn: Connection,
    feed: Feed,
    points: Points,
    ctx: SessionContext,
    ring_size: int,
    loaded: Callable[[int], SessionResults | None],
) -> bool:
    """The ring and what goes with it; True when that was the whole history."""
    recent = await recent_passings(conn, feed, points, ring_size)
    await ctx.names_for(conn, {p.tag for p in recent.passings})
    results, window = loaded(feed.key.session_id), feed.key.window()
    feed.record(recent.passings, [ctx.event(p, results, window) for p in recent.passings])
    feed.passing_ids, feed.history_from = recent.passing_ids, recent.history_from
    feed.first_frame_reads = recent.reads
    feed.ring_version = results.version if results is not None else -1
    if recent.detector is None:
        return False
    feed.detector, feed.small = recent.detector, True
    return True


@dataclass(slots=True)
class Recent:
    passings: list[Passing]  # the newest, in id order
    passing_ids: list[int]  # every passing of a read id from `history_from` on
    history_from: int
    detector: PassingDetector | None  # when the tail was the whole history: it, fed with all
    reads: int  # how many stored reads this step read


async def recent_passings(
    conn: Connection, feed: Feed, points: Points, ring_size: int
) -> Recent:
    """The newest `ring_size` passings at `points` (the feed's locations, by id)."""
    key = feed.key
    limit = max(TAIL_FIRST, 4 * ring_size)
    while True:
        rows = await tail_reads(conn, feed.partner_id, key.session_id, points, limit)
        rows.reverse()
        tail = reads_of(rows, points)
        if len(rows) < limit:
            detector = PassingDetector(key.rules)
            passings = detector.feed_many(tail)
            ids = [p.read_id for p in passings]
            return Recent(_newest(passings, ring_size), ids, 0, detector, len(tail))
        lowest = tail[0][0]
        pairs = sorted({(row["location_id"], row["tag"]) for row in rows})
        earlier = await key_reads(conn, feed.partner_id, key.session_id, points, pairs, lowest)
        found = PassingDetector(key.rules).feed_many(sorted(earlier + tail))
        passings = [p for p in found if p.read_id >= lowest]
        if len(passings) >= ring_size or limit >= TAIL_MOST:
            ids = [p.read_id for p in passings]
            reads = len(tail) + len(earlier)
            return Recent(_newest(passings, ring_size), ids, lowest, None, reads)
        limit *= 4


def _newest(passings: list[Passing], count: int) -> list[Passing]:
    return passings[len(passings) - count :] if count < len(passings) else passings


async def whole_history(
    conn: Connection, feed: Feed, points: Points
) -> tuple[PassingDetector, list[int]]:
    """Every stored read of the feed through a new detector; the ids of its passings."""
    key = feed.key
    detector = PassingDetector(key.rules)
    ids: list[int] = []
    after = 0
    while True:
        chunk = await history_chunk(conn, feed.partner_id, key.session_id, points, after)
        if not chunk:
            return detector, ids
        ids.extend(p.read_id for p in detector.feed_many(chunk))
        after = chunk[-1][0]
        await trio.lowlevel.checkpoint()  # other feeds' fan-out runs between chunks


def retime_ring(feed: Feed, ctx: SessionContext, results: SessionResults | None) -> None:
    """For a hello: the ring's events as the engine has them now (places move; an engine
    built after the feed started gives times to passings that went out without)."""
    if results is None or feed.ring_version == results.version:
        return
    now = trio.current_time()
    if now - feed.ring_timed_at < RETIME_SECONDS:
        return
    window = feed.key.window()
    events = [ctx.event(passing, results, window) for passing in feed.ring_passings]
    feed.ring.clear()
    feed.ring.extend(events)
    feed.ring_version, feed.ring_timed_at = results.version, now
