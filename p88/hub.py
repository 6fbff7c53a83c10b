"""The in-memory registry of live sessions and their subscribers, and the fan-out to them.

Two kinds of subscriber:
- previews (`subscribe`): raw reads of a session, straight from `publish`, for the sessions page;
- display feeds (`attach`): passings joined with participants, shared per (session, locations,
  rules) and encoded once per batch (p88.live.feeds). `publish` only queues the batch; the hub's
  own task (`run`) detects, joins and fans out, so the writer never waits for any of it.

Publishing never waits: each subscriber has its own bounded buffer, and one that overflows is
marked for a resync instead of slowing the collector or any other screen.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import trio

from p88.db.pool import DATABASE_DOWN_ERRORS, Pool
from p88.db.reads import WARM_READS
from p88.db.tenancy import tenant_transaction
from p88.live.enrich import FIELD_CHECK_SECONDS, SessionContext
from p88.live.feeds import RESYNC, RING_SIZE, Feed, FeedKey, Screen
from p88.live.passings import Passing, PassingDetector, Rules
from p88.live.standings import LEADERS_KEPT
from p88.live.starts import load_start_reads
from p88.reads import StoredRead, reads_of_sessions

log = logging.getLogger(__name__)

INBOX_BATCHES = 2000  # batches the hub task may fall behind before every feed restarts
WARM_RETRY_SECONDS = 1.0


class CommitListener(Protocol):
    """What else wants every committed read of some sessions (the results engines)."""

    def sessions(self) -> set[int]: ...

    def publish(self, reads: Sequence[StoredRead]) -> None: ...

    def guns_stored(self, session_ids: Iterable[int]) -> None: ...


class FeedUnavailable(Exception):
    """A screen cannot be attached now; `code` is the websocket close code to send it."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(eq=False, slots=True)
class Subscription:
    """One preview subscriber of one session, some or all locations: raw reads."""

    session_id: int
    location_ids: frozenset[int] | None  # None: every location of the session
    send: trio.MemorySendChannel[StoredRead]
    receive: trio.MemoryReceiveChannel[StoredRead]
    overflowed: bool = False

    def wants(self, read: StoredRead) -> bool:
        return self.location_ids is None or read.location_id in self.location_ids


@dataclass(frozen=True, slots=True)
class Attached:
    """What a display gets on attaching: its feed and the events it needs to catch up."""

    screen: Screen
    feed: Feed
    events: list[dict[str, Any]]
    missed: int
    leaders: list[dict[str, Any]]  # the feed's best finishers, fastest first (p88.live.standings)


@dataclass(slots=True)
class Hub:
    buffer_size: int = 256
    ring_size: int = RING_SIZE  # per new feed; tests make it small to outgrow it cheaply
    leaders_kept: int = LEADERS_KEPT  # per new feed, likewise
    _by_session: dict[int, set[Subscription]] = field(default_factory=dict)
    published: int = 0
    overflows: int = 0
    _feeds: dict[FeedKey, Feed] = field(default_factory=dict)
    _feeds_by_session: dict[int, set[Feed]] = field(default_factory=dict)
    _contexts: dict[int, SessionContext] = field(default_factory=dict)
    _inbox: deque[list[StoredRead]] = field(default_factory=deque)
    _inbox_lot: trio.lowlevel.ParkingLot = field(default_factory=trio.lowlevel.ParkingLot)
    _pool: Pool | None = None
    _nursery: trio.Nursery | None = None
    _closing: bool = False
    _frames_of_dropped_feeds: int = 0
    results: CommitListener | None = None  # the results service (p88.live.results)

    # ------------------------------------------------------------------ previews
    def subscribe(self, session_id: int, location_ids: Iterable[int] | None = None) -> Subscription:
        send, receive = trio.open_memory_channel[StoredRead](self.buffer_size)
        locations = None if location_ids is None else frozenset(location_ids)
        sub = Subscription(session_id, locations, send, receive)
        self._by_session.setdefault(session_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._by_session.get(sub.session_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._by_session[sub.session_id]
        sub.send.close()

    def subscriber_count(self) -> int:
        previews = sum(len(subs) for subs in self._by_session.values())
        return previews + self.display_count()

    def display_count(self) -> int:
        return sum(len(feed.subscribers) for feed in self._feeds.values())

    def publish(self, reads: Sequence[StoredRead]) -> None:
        """Hand newly committed reads to their subscribers without ever blocking. The results
        engines take theirs first, so a passing's event shows the result it made."""
        self.published += len(reads)
        if self.results is not None and self.results.sessions():
            self.results.publish(reads)
        watched = self._by_session.keys() | self._feeds_by_session.keys()
        if not watched:
            return
        # Only the watched sessions' reads.
        reads = reads_of_sessions(reads, watched)
        for read in reads:
            for sub in self._by_session.get(read.session_id, ()):
                if sub.overflowed or not sub.wants(read):
                    continue
                try:
                    sub.send.send_nowait(read)
                except trio.WouldBlock:
                    sub.overflowed = True
                    self.overflows += 1
                except trio.BrokenResourceError:
                    pass  # the subscriber left; unsubscribe() will drop it
        if self._feeds_by_session:
            wanted = [read for read in reads if read.session_id in self._feeds_by_session]
            if wanted:
                self._inbox.append(wanted)
                self._inbox_lot.unpark_all()

    def guns_stored(self, session_ids: Iterable[int]) -> None:
        """The collector stored gun times: passings from now on are timed from them, not after
        the half-second wait a session without a known gun otherwise gets between lookups."""
        session_ids = list(session_ids)
        if self.results is not None:
            self.results.guns_stored(session_ids)
        for session_id in session_ids:
            ctx = self._contexts.get(session_id)
            if ctx is not None:
                ctx.forget_guns()

    # ------------------------------------------------------------------ display feeds
    async def run(
        self, pool: Pool, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """The hub's task: turns queued batches into passings for the display feeds."""
        self._pool = pool
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            nursery.start_soon(self._watch_fields, pool)
            task_status.started()
            while not self._closing:
                if not self._inbox:
                    await self._inbox_lot.park()
                    continue
                if len(self._inbox) > INBOX_BATCHES:
                    self._restart_feeds()
                    continue
                batch = self._inbox.popleft()
                try:
                    await self._process(batch)
                except Exception:
                    log.exception("display fan-out failed for a batch; screens resync")
                    self._restart_feeds()
            nursery.cancel_scope.cancel()

    def close(self) -> None:
        """Server shutdown: every screen is told to come back later (1001), the task ends."""
        self._closing = True
        for feed in self._feeds.values():
            for screen in feed.subscribers:
                screen.close(1001, "server shutting down")
        self._inbox_lot.unpark_all()

    async def attach(
        self, screen: Screen, partner_id: int, event_name: str, key: FeedKey, after: int | None
    ) -> Attached:
        """Subscribe a screen; waits while its feed loads the session's history."""
        feed = self._feeds.get(key)
        if feed is None:
            if self._nursery is None or self._closing:
                raise FeedUnavailable(1001, "the server is starting or stopping; retrying")
            feed = Feed(
                key,
                partner_id,
                event_name,
                PassingDetector(key.rules),
                ring=deque(maxlen=self.ring_size),
                leaders_kept=self.leaders_kept,
            )
            self._feeds[key] = feed
            self._feeds_by_session.setdefault(key.session_id, set()).add(feed)
            self._context(feed)
            self._start_warm(feed)
        feed.subscribers.add(screen)  # counted at once, so an idle feed is not dropped meanwhile
        try:
            await feed.warmed.wait()
        except BaseException:
            self.detach(feed, screen)
            raise
        if feed.failed:
            feed.subscribers.discard(screen)
            raise FeedUnavailable(1011, "the server could not load this display; retrying")
        # No await between taking the state and returning: nothing can slip in between.
        events, missed = feed.resume_state(after)
        return Attached(screen, feed, events, missed, feed.standings.leaders())

    def detach(self, feed: Feed, screen: Screen) -> None:
        feed.subscribers.discard(screen)
        if not feed.subscribers and feed.warmed.is_set():
            self._drop_feed(feed)

    def close_display(self, display_id: int, code: int, reason: str) -> int:
        """Close every screen of one display (its URL was rotated or revoked)."""
        closed = 0
        for feed in self._feeds.values():
            for screen in feed.subscribers:
                if screen.display_id == display_id:
                    screen.close(code, reason)
                    closed += 1
        return closed

    def viewers_by_display(self) -> dict[int, int]:
        """Connected screens per display id (the operator's list shows them)."""
        counts: dict[int, int] = {}
        for feed in self._feeds.values():
            for screen in feed.subscribers:
                counts[screen.display_id] = counts.get(screen.display_id, 0) + 1
        return counts

    def frames_sent(self) -> int:
        """Display frames handed to screens since start (the benchmark reports it)."""
        live = sum(feed.frames_sent for feed in self._feeds.values())
        return live + self._frames_of_dropped_feeds

    # ------------------------------------------------------------------ internals
    async def _watch_fields(self, pool: Pool) -> None:
        """Participants imported, edited or removed mid-race reach the screens within a few
        seconds, looked for beside the fan-out (never per batch: most tags may be unknown)."""
        while True:
            await trio.sleep(FIELD_CHECK_SECONDS)
            for ctx in list(self._contexts.values()):
                if ctx.field_loaded():
                    await ctx.refresh_field(pool)

    def _context(self, feed: Feed) -> SessionContext:
        ctx = self._contexts.get(feed.key.session_id)
        if ctx is None:
            ctx = SessionContext(feed.partner_id, feed.key.session_id, feed.event_name)
            self._contexts[feed.key.session_id] = ctx
        return ctx

    def _drop_feed(self, feed: Feed) -> None:
        if self._feeds.get(feed.key) is feed:
            del self._feeds[feed.key]
            self._frames_of_dropped_feeds += feed.frames_sent
        same = self._feeds_by_session.get(feed.key.session_id)
        if same is not None:
            same.discard(feed)
            if not same:
                del self._feeds_by_session[feed.key.session_id]
                self._contexts.pop(feed.key.session_id, None)

    def _start_warm(self, feed: Feed) -> None:
        if self._nursery is None or self._closing:
            # Hub.run is not running (starting, stopping, or a web app without it).
            raise FeedUnavailable(1001, "the server is starting or stopping; retrying")
        self._nursery.start_soon(self._warm, feed)

    def _restart_feeds(self) -> None:
        """Fell too far behind (or failed): rebuild every feed from PostgreSQL, the source of
        truth, and ask every screen to resume from its last event."""
        log.warning("the display hub fell behind; reloading feeds from the database")
        self._inbox.clear()
        for feed in list(self._feeds.values()):
            for screen in feed.subscribers:
                screen.close(RESYNC, "resync")
            self._drop_feed(feed)

    async def _warm(self, feed: Feed) -> None:
        """Replay the session's stored reads through the detector, so a restarted server
        neither resends old passings nor loses the ring a reconnecting page resumes from."""
        try:
            await self._warm_up(feed)
        except Exception:
            # A bug here must not take the collector down with it: this feed's screens are
            # closed (they retry with backoff) and the next screen starts a fresh feed.
            log.exception("loading the display feed of session %d failed", feed.key.session_id)
            feed.failed = True
            self._drop_feed(feed)
            for screen in feed.subscribers:
                screen.close(1011, "the server could not load this display; retrying")
            feed.warmed.set()

    async def _warm_up(self, feed: Feed) -> None:
        assert self._pool is not None
        while True:
            try:
                await self._load_history(feed)
                break
            except DATABASE_DOWN_ERRORS as exc:
                log.warning(
                    "display feed of session %d waits for the database: %s",
                    feed.key.session_id,
                    exc,
                )
                await trio.sleep(WARM_RETRY_SECONDS)
        ctx = self._context(feed)
        while feed.pending:
            reads, feed.pending = feed.pending, []
            passings = self._detect(feed, reads)
            await self._enrich(ctx, passings)
            events = [ctx.event(p) for p in passings]
            feed.record(events)
        feed.warmed.set()
        if not feed.subscribers:
            self._drop_feed(feed)

    async def _load_history(self, feed: Feed) -> None:
        assert self._pool is not None
        locations = None if feed.key.locations is None else sorted(feed.key.locations)
        ctx = self._context(feed)
        starts = None
        async with tenant_transaction(self._pool, feed.partner_id) as conn:
            rows = await conn.fetch(WARM_READS, feed.key.session_id, feed.partner_id, locations)
            if not ctx.starts.loaded:
                # The start mat's history, whatever this feed shows: chip time counts from it.
                starts = await load_start_reads(conn, feed.partner_id, feed.key.session_id)
        if starts is not None:
            ctx.starts.add_many(starts)  # may overlap live batches noted meanwhile: harmless
            ctx.starts.loaded = True
        feed.detector = PassingDetector(feed.key.rules)
        passings = feed.detector.feed_many(
            (row["id"], row["location"], row["tag"], row["local_time"]) for row in rows
        )
        feed.high_water = rows[-1]["id"] if rows else 0
        feed.passing_ids = [p.read_id for p in passings]
        recent = passings[-feed.ring.maxlen :] if feed.ring.maxlen else passings
        standings = feed.new_standings()
        # Passings at the ranking point, whatever their age: the standings rank every finisher.
        ranking = [p for p in passings if standings.at_point(p.location)]
        # Loads the session's whole field now, so the first live passing needs no lookup.
        await ctx.refresh(self._pool, {p.tag for p in recent} | {p.tag for p in ranking})
        ring = [ctx.event(p) for p in recent]
        built = {event["id"]: event for event in ring}
        standings.offer_passings(ranking, lambda p: built.get(p.read_id) or ctx.event(p))
        feed.standings = standings
        feed.ring.clear()
        feed.ring.extend(ring)

    def _detect(self, feed: Feed, reads: Iterable[StoredRead]) -> list[Passing]:
        found = []
        for read in reads:
            if read.id <= feed.high_water or not feed.key.wants(read.location):
                continue
            passing = feed.detector.feed(read.id, read.location, read.tag, read.local_time)
            if passing is not None:
                found.append(passing)
        return found

    async def _enrich(self, ctx: SessionContext, passings: Sequence[Passing]) -> None:
        if not passings or self._pool is None:
            return
        try:
            await ctx.refresh(self._pool, {p.tag for p in passings})
        except DATABASE_DOWN_ERRORS as exc:
            # The screens still get the passing (as its tag); names come once it is back.
            log.warning("participant lookup failed (%s); sending passings without names", exc)
        if ctx.guns_stale() and self._nursery is not None:
            self._nursery.start_soon(ctx.refresh_guns, self._pool)

    async def _process(self, batch: list[StoredRead]) -> None:
        by_session: dict[int, list[StoredRead]] = {}
        for read in batch:
            by_session.setdefault(read.session_id, []).append(read)
        for session_id, reads in by_session.items():
            ctx = self._contexts.get(session_id)
            if ctx is not None:
                ctx.note_reads(reads)  # start crossings first: a finish may share the batch
            found: list[tuple[Feed, list[Passing]]] = []
            for feed in list(self._feeds_by_session.get(session_id, ())):
                if not feed.warmed.is_set():
                    feed.pending.extend(reads)
                    continue
                passings = self._detect(feed, reads)
                if passings:
                    found.append((feed, passings))
            if not found or ctx is None:
                continue
            await self._enrich(ctx, [p for _, passings in found for p in passings])
            for feed, passings in found:
                events = [ctx.event(p) for p in passings]
                feed.record(events)
                feed.broadcast(events)


__all__ = ["Attached", "FeedKey", "FeedUnavailable", "Hub", "Rules", "Subscription"]
