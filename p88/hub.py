"""The in-memory registry of live sessions and their screens, and the fan-out to them.

Two kinds of subscriber:
- previews (`subscribe`): raw reads of a session, straight from `publish` (p88.live.previews);
- display feeds (`attach`): passings joined with participants and the results engine, shared
  per (session, locations, rules) and encoded once per batch (p88.live.feeds). `publish` only
  queues the batch, after the results engines took it; the hub's own task (`run`) detects,
  joins and fans out, so the writer never waits for any of it.

A feed's first frame needs only its recent passings (p88.live.warm); the rest of its history
loads after it. Standings come from the results engine, at most once a second per session
(p88.live.standings), to the screens that show them.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import trio

from p88.db.pool import Pool
from p88.live.enrich import FIELD_CHECK_SECONDS, SessionContext
from p88.live.feeds import RESYNC, RING_SIZE, Attached, Feed, FeedKey, FeedUnavailable, Screen
from p88.live.passings import Passing, PassingDetector, Rules
from p88.live.previews import Previews, Subscription
from p88.live.results import ResultsService, SessionResults
from p88.live.results_link import HOLD_SECONDS, Build, build
from p88.live.standings import STANDINGS_SECONDS
from p88.live.warm import load_history, retime_ring
from p88.live.wsframe import text_frame
from p88.reads import StoredRead, reads_of_sessions

log = logging.getLogger(__name__)

INBOX_BATCHES = 2000  # batches the hub task may fall behind before every feed restarts


@dataclass(slots=True)
class Hub:
    buffer_size: int = 256  # per preview subscriber
    ring_size: int = RING_SIZE  # per new feed; tests make it small to outgrow it cheaply
    results: ResultsService | None = None  # the only source of times and places
    published: int = 0
    previews: Previews[StoredRead] = field(default_factory=Previews)
    _feeds: dict[FeedKey, Feed] = field(default_factory=dict)
    _feeds_by_session: dict[int, set[Feed]] = field(default_factory=dict)
    _contexts: dict[int, SessionContext] = field(default_factory=dict)
    _inbox: deque[list[StoredRead]] = field(default_factory=deque)
    _inbox_lot: trio.lowlevel.ParkingLot = field(default_factory=trio.lowlevel.ParkingLot)
    _held: dict[int, list[StoredRead]] = field(default_factory=dict)  # waiting for a build
    _released: set[int] = field(default_factory=set)  # sessions whose held reads may go on
    _pool: Pool | None = None
    _nursery: trio.Nursery | None = None
    _closing: bool = False
    _frames_of_dropped_feeds: int = 0

    # ------------------------------------------------------------------ previews
    def subscribe(
        self, session_id: int, location_ids: Iterable[int] | None = None
    ) -> Subscription[StoredRead]:
        return self.previews.subscribe(session_id, location_ids, self.buffer_size)

    def unsubscribe(self, sub: Subscription[StoredRead]) -> None:
        self.previews.unsubscribe(sub)

    def subscriber_count(self) -> int:
        return self.previews.count() + self.display_count()

    def display_count(self) -> int:
        return sum(len(feed.subscribers) for feed in self._feeds.values())

    def publish(self, reads: Sequence[StoredRead]) -> None:
        """Hand newly committed reads to their subscribers without ever blocking. The results
        engines take theirs first, so a passing's event shows the result it made."""
        self.published += len(reads)
        if self.results is not None and self.results.sessions():
            self.results.publish(reads)
        watched = self.previews.sessions() | self._feeds_by_session.keys()
        if not watched:
            return
        # Only the watched sessions' reads.
        reads = reads_of_sessions(reads, watched)
        self.previews.publish(reads)
        if self._feeds_by_session:
            wanted = [read for read in reads if read.session_id in self._feeds_by_session]
            if wanted:
                self._inbox.append(wanted)
                self._inbox_lot.unpark_all()

    def guns_stored(self, session_ids: Iterable[int]) -> None:
        """The collector stored gun times: the results engines take the new lines."""
        if self.results is not None:
            self.results.guns_stored(session_ids)

    # ------------------------------------------------------------------ display feeds
    async def run(
        self, pool: Pool, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """The hub's task: turns queued batches into passings for the display feeds."""
        self._pool = pool
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            nursery.start_soon(self._watch_fields, pool)
            nursery.start_soon(self._publish_standings)
            task_status.started()
            while not self._closing:
                try:
                    if self._released:
                        await self._release(self._released.pop())
                    elif not self._inbox:
                        await self._inbox_lot.park()
                    elif len(self._inbox) > INBOX_BATCHES:
                        self._restart_feeds()
                    else:
                        await self._process(self._inbox.popleft())
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
        self,
        screen: Screen,
        partner_id: int,
        event_name: str,
        key: FeedKey,
        after: int | None,
        *,
        standings: bool = False,
    ) -> Attached:
        """Subscribe a screen (to standings messages too if `standings`); waits while its feed
        loads the session's recent passings (all of them for a resume from before those)."""
        feed = self._feeds.get(key) or self._new_feed(partner_id, event_name, key)
        feed.subscribers.add(screen)  # counted at once, so an idle feed is not dropped meanwhile
        try:
            await feed.ready.wait()
            if not feed.knows_missed(after):
                await feed.warmed.wait()
            ctx = self._contexts.get(key.session_id)
            if ctx is not None and feed.small:
                await ctx.link.briefly_wait()  # a small session's engine is built in a moment
        except BaseException:
            self.detach(feed, screen)
            raise
        # No await from here on: nothing can slip in between the state and the subscription.
        ctx = self._contexts.get(key.session_id)
        if feed.failed or ctx is None or self._feeds.get(key) is not feed:
            feed.subscribers.discard(screen)
            raise FeedUnavailable(1011, "the server could not load this display; retrying")
        results = self._loaded(key.session_id)
        retime_ring(feed, ctx, results)
        if standings:
            feed.boards.add(screen)
        events, missed = feed.resume_state(after)
        board = None  # call-out and announcer screens show no standings: none in their hello
        if standings:
            board = ctx.board.current(results, ctx.person, ctx.link.state, ctx.link.note)
        return Attached(screen, feed, events, missed, board)

    def detach(self, feed: Feed, screen: Screen) -> None:
        feed.subscribers.discard(screen)
        feed.boards.discard(screen)
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

    # ------------------------------------------------------------------ feeds and sessions
    def _new_feed(self, partner_id: int, event_name: str, key: FeedKey) -> Feed:
        if self._nursery is None or self._pool is None or self._closing:
            # Hub.run is not running (starting, stopping, or a web app without it).
            raise FeedUnavailable(1001, "the server is starting or stopping; retrying")
        feed = Feed(key, partner_id, event_name, PassingDetector(key.rules))
        feed.sized(self.ring_size)
        self._feeds[key] = feed
        self._feeds_by_session.setdefault(key.session_id, set()).add(feed)
        ctx = self._contexts.get(key.session_id)
        if ctx is None:
            ctx = self._contexts[key.session_id] = SessionContext(
                partner_id, key.session_id, event_name
            )
        self._nursery.start_soon(self._warm, feed)
        return feed

    def _started(self, ctx: SessionContext) -> None:
        """A feed of the session has its first frame: now the rest of what the session needs
        (its field, its results engine) is loaded, off that frame's path."""
        if ctx.started or self._nursery is None or self._pool is None:
            return
        ctx.started = True
        self._nursery.start_soon(ctx.load_field, self._pool)
        self._start_build(ctx, "get")

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
                self._held.pop(feed.key.session_id, None)

    def _restart_feeds(self) -> None:
        """Fell too far behind (or failed): rebuild every feed from PostgreSQL, the source of
        truth, and ask every screen to resume from its last event."""
        log.warning("the display hub fell behind; reloading feeds from the database")
        self._inbox.clear()
        self._held.clear()
        for feed in list(self._feeds.values()):
            for screen in feed.subscribers:
                screen.close(RESYNC, "resync")
            self._drop_feed(feed)

    async def _watch_fields(self, pool: Pool) -> None:
        """Participants imported, edited or removed mid-race reach the screens within a few
        seconds, looked for beside the fan-out (never per batch: most tags may be unknown)."""
        while True:
            await trio.sleep(FIELD_CHECK_SECONDS)
            for ctx in list(self._contexts.values()):
                await ctx.refresh_field(pool)

    # ------------------------------------------------------------------ results
    def _loaded(self, session_id: int) -> SessionResults | None:
        return None if self.results is None else self.results.loaded(session_id)

    def _start_build(self, ctx: SessionContext, how: Build) -> None:
        if self.results is None or self._nursery is None:
            ctx.link.end("none", "the results service is not running")
            return
        if ctx.link.building:
            return
        ctx.link.begin()
        self._nursery.start_soon(self._build, ctx, self.results, how)
        self._nursery.start_soon(self._release_later, ctx.session_id)

    async def _build(self, ctx: SessionContext, results: ResultsService, how: Build) -> None:
        try:
            await build(ctx.link, results, ctx.partner_id, ctx.session_id, how)
        finally:
            self._released.add(ctx.session_id)
            self._inbox_lot.unpark_all()

    async def _release_later(self, session_id: int) -> None:
        """The reads held for a build go on after HOLD_SECONDS, built or not."""
        await trio.sleep(HOLD_SECONDS)
        self._released.add(session_id)
        self._inbox_lot.unpark_all()

    async def _publish_standings(self) -> None:
        """Each session's new standings, encoded once, to its screens that show them."""
        while True:
            await trio.sleep(STANDINGS_SECONDS)
            for session_id, feeds in self._feeds_by_session.items():
                if not any(feed.boards for feed in feeds):
                    continue
                ctx, results = self._contexts[session_id], self._loaded(session_id)
                ctx.board.current(results, ctx.person, ctx.link.state, ctx.link.note)
                message = ctx.board.unsent()
                if message is None:
                    continue
                frame = text_frame(message)
                for feed in feeds:
                    feed.send(frame, feed.boards)

    # ------------------------------------------------------------------ history
    async def _warm(self, feed: Feed) -> None:
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
            feed.ready.set()
            feed.warmed.set()

    async def _warm_up(self, feed: Feed) -> None:
        assert self._pool is not None
        ctx = self._contexts[feed.key.session_id]
        await load_history(
            self._pool, feed, ctx, self.ring_size, self._loaded, lambda: self._started(ctx)
        )
        while feed.pending:
            reads, feed.pending = feed.pending, []
            await self._fan_out(ctx, [(feed, feed.detect(reads))])
        feed.warmed.set()
        if not feed.subscribers:
            self._drop_feed(feed)

    # ------------------------------------------------------------------ live
    async def _process(self, batch: list[StoredRead]) -> None:
        by_session: dict[int, list[StoredRead]] = {}
        for read in batch:
            by_session.setdefault(read.session_id, []).append(read)
        for session_id, reads in by_session.items():
            ctx = self._contexts.get(session_id)
            if ctx is not None:
                await self._process_session(ctx, reads)

    async def _release(self, session_id: int) -> None:
        """A build ended: the reads that waited for it go on."""
        ctx = self._contexts.get(session_id)
        if ctx is not None and self._held.get(session_id):
            await self._process_session(ctx, [])

    async def _process_session(self, ctx: SessionContext, reads: list[StoredRead]) -> None:
        link, session_id = ctx.link, ctx.session_id
        if self.results is not None:
            points = {read.location for read in reads}
            build = link.build_needed(self._loaded(session_id), points)
            if build is not None:
                self._start_build(ctx, build)
        if link.holding():
            self._held.setdefault(session_id, []).extend(reads)
            return
        if session_id in self._held:
            reads = self._held.pop(session_id) + reads
        found: list[tuple[Feed, list[Passing]]] = []
        for feed in list(self._feeds_by_session.get(ctx.session_id, ())):
            if not feed.warmed.is_set():
                feed.pending.extend(reads)
                continue
            passings = feed.detect(reads)
            if passings:
                found.append((feed, passings))
        await self._fan_out(ctx, found)

    async def _fan_out(self, ctx: SessionContext, found: list[tuple[Feed, list[Passing]]]) -> None:
        """Name, time, record and send each feed's new passings."""
        found = [(feed, passings) for feed, passings in found if passings]
        if not found:
            return
        if not ctx.field_loaded and self._pool is not None:
            await ctx.look_up(self._pool, {p.tag for _, passings in found for p in passings})
        results = self._loaded(ctx.session_id)
        for feed, passings in found:
            window = feed.key.window()
            events = [ctx.event(passing, results, window) for passing in passings]
            feed.record(passings, events)
            feed.broadcast(events)


__all__ = ["Attached", "FeedKey", "FeedUnavailable", "Hub", "Rules", "Subscription"]
