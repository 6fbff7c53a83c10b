"""The data API's push streams of one process: the sessions someone follows, kept in id order
(p88.live.ordered), and the task that advances them.

The hub tells when a followed session stored reads (a preview subscription, used only as a
wake-up); each wake-up settles once for all sessions (p88.db.api_stream.settled_head) and
advances every session to that id. A slow tick is followed by one more, never by a queue.
Reads stored by another p88 process reach the stream within POLL_SECONDS.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import trio

from p88.db.api_stream import settled_head
from p88.db.pool import DATABASE_DOWN_ERRORS, Pool
from p88.hub import FeedUnavailable, Hub
from p88.live.enrich import FIELD_CHECK_SECONDS
from p88.live.feeds import Screen
from p88.live.ordered import KINDS, OrderedSession, Subscriber, catch_up_messages

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
RETRY_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Attached:
    session: OrderedSession
    subscriber: Subscriber
    hello_cursor: int
    messages: list[str]  # the catch-up, to send right after the hello


@dataclass(slots=True)
class OrderedStreams:
    sessions: dict[int, OrderedSession] = field(default_factory=dict)
    ticks: int = 0
    _wake: trio.Event = field(default_factory=trio.Event)
    _pool: Pool | None = None
    _hub: Hub | None = None
    _nursery: trio.Nursery | None = None
    _stop: trio.CancelScope = field(default_factory=trio.CancelScope)

    async def run(
        self, pool: Pool, hub: Hub, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        self._pool, self._hub = pool, hub
        with self._stop:
            await self._serve(pool, task_status)

    def close(self) -> None:
        """At shutdown: every stream closes with 1001 (clients resume on the next start)."""
        self._stop.cancel()

    async def _serve(self, pool: Pool, task_status: trio.TaskStatus[None]) -> None:
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            nursery.start_soon(self._watch_fields, pool)
            task_status.started()
            try:
                while True:
                    with trio.move_on_after(POLL_SECONDS):
                        await self._wake.wait()
                    self._wake = trio.Event()
                    if self.sessions:
                        await self._tick(pool)
            finally:
                self._nursery = None
                for session in list(self.sessions.values()):
                    self._close(session, 1001, "server shutting down")

    async def _tick(self, pool: Pool) -> None:
        try:
            head = await settled_head(pool)
        except DATABASE_DOWN_ERRORS as exc:
            log.warning("API streams wait for the database: %s", exc)
            await trio.sleep(RETRY_SECONDS)
            return
        self.ticks += 1
        for session in list(self.sessions.values()):
            if not session.warmed.is_set():
                continue
            try:
                await session.advance(pool, head)
            except DATABASE_DOWN_ERRORS as exc:
                log.warning("API stream of session %d waits: %s", session.session_id, exc)
            except Exception:
                # One session's bug ends its own streams (clients reconnect), nobody else's.
                log.exception("API stream of session %d failed", session.session_id)
                self._close(session, 1011, "the server could not continue this stream")

    async def _watch_fields(self, pool: Pool) -> None:
        """Participants imported or edited mid-race reach the stream's passings too."""
        while True:
            await trio.sleep(FIELD_CHECK_SECONDS)
            for session in list(self.sessions.values()):
                if session.context.field_loaded:
                    await session.context.refresh_field(pool)

    async def _wake_on_reads(self, hub: Hub, session: OrderedSession) -> None:
        """Wake the task when the hub publishes reads of this session (their content is read
        from PostgreSQL, in id order; the subscription only says when)."""
        with session.cancel:
            while True:
                sub = hub.subscribe(session.session_id)
                try:
                    while not sub.overflowed:
                        await sub.receive.receive()
                        while True:
                            try:
                                sub.receive.receive_nowait()
                            except trio.WouldBlock:
                                break
                        self._wake.set()
                finally:
                    hub.unsubscribe(sub)

    def _close(self, session: OrderedSession, code: int, reason: str) -> None:
        for subscriber in session.subscribers:
            subscriber.screen.close(code, reason)
        self._drop(session)

    def _drop(self, session: OrderedSession) -> None:
        if self.sessions.get(session.session_id) is session:
            del self.sessions[session.session_id]
        session.cancel.cancel()

    async def _session(self, partner_id: int, session_id: int, event_name: str) -> OrderedSession:
        if self._nursery is None or self._pool is None or self._hub is None:
            raise FeedUnavailable(1001, "the server is starting or stopping; retrying")
        session = self.sessions.get(session_id)
        if session is None:
            session = OrderedSession(partner_id, session_id, event_name)
            session.results_service = None if self._hub is None else self._hub.results
            self.sessions[session_id] = session
            self._nursery.start_soon(self._wake_on_reads, self._hub, session)
            self._nursery.start_soon(self._warm, self._pool, session)
        await session.warmed.wait()
        if session.failed:
            raise FeedUnavailable(1011, "the server could not load this stream; retrying")
        return session

    async def _warm(self, pool: Pool, session: OrderedSession) -> None:
        try:
            while True:
                try:
                    await session.warm(pool, await settled_head(pool))
                    return
                except DATABASE_DOWN_ERRORS as exc:
                    log.warning("API stream of session %d waits: %s", session.session_id, exc)
                    await trio.sleep(RETRY_SECONDS)
        except Exception:
            log.exception("loading the API stream of session %d failed", session.session_id)
            session.failed = True
            self._drop(session)
            session.warmed.set()

    async def attach(
        self,
        screen: Screen,
        partner_id: int,
        session_id: int,
        event_name: str,
        kinds: Iterable[str],
        since: int | None,
    ) -> Attached:
        """Subscribe a client from `since` (None: from now). Returns the catch-up to send; the
        subscriber gets every later batch. No event is missed or sent twice in between."""
        session = await self._session(partner_id, session_id, event_name)
        wanted = frozenset(k for k in KINDS if k in kinds)
        assert self._pool is not None
        sent = since if since is not None else session.cursor
        events: dict[str, list[dict[str, object]]] = {kind: [] for kind in wanted}
        while True:
            async with session.lock:
                missing = [k for k in wanted if session.rings[k].after(sent) is None]
                if not missing:
                    for kind in wanted:
                        events[kind] += session.rings[kind].after(sent) or []
                    cursor = session.cursor
                    subscriber = Subscriber(screen, wanted, max(sent, cursor))
                    session.subscribers.add(subscriber)
                    break
                target = session.cursor
            # Away longer than the rings reach: rebuild from PostgreSQL, outside the lock.
            for kind in wanted:
                events[kind] += await session.history(self._pool, kind, sent, target)
            sent = target
        start = since if since is not None else cursor
        messages = catch_up_messages(cursor, events, start) if since is not None else []
        return Attached(session, subscriber, start, messages)

    def detach(self, attached: Attached) -> None:
        session = attached.session
        session.subscribers.discard(attached.subscriber)
        if not session.subscribers and session.warmed.is_set():
            self._drop(session)
