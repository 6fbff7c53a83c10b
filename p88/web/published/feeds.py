"""Live updates for open public results pages: one feed per session that viewers have open, one
listener on its results, and one small message, encoded once, written to every viewer's socket
when the results change (at most every UPDATE_INTERVAL, longer past 3,000 viewers; the first
change after a quiet spell goes at once). The page fetches what it shows again
(p88/web/static/results/live.js).

Messages (JSON):
  {"type": "hello" | "changed", "version": 17, "changed_at": ISO, "server_time": ISO,
   "final": false, "bibs": ["101", ...], "more": 0, "shifted": true, "rebuilt": false}
`bibs` are the runners whose result changed (at most MAX_BIBS, `more` counts the rest),
`shifted` says other runners' places moved, `rebuilt` that everything may have changed.
Close codes: 4404 the results were withdrawn (stop), 4503 not available yet (retry later).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import trio

from p88.db.pool import DATABASE_DOWN_ERRORS, Pool
from p88.live.results import Listener, ResultsService, SessionResults
from p88.live.socket_outbox import SocketOutbox
from p88.live.wsframe import text_frame
from p88.web.published.publications import RECHECK_SECONDS, Publication, Publications

log = logging.getLogger(__name__)

UPDATE_INTERVAL = 0.1  # seconds: ten messages a second at most during a race ...
# ... and fewer as viewers add up, so that writing them stays a small share of a core (each
# message is one write per viewer).
WRITES_PER_SECOND = 30_000
MAX_BIBS = 100
WITHDRAWN, NOT_AVAILABLE, FAILED = 4404, 4503, 1011


@dataclass(eq=False, slots=True)
class Feed:
    publication: Publication
    results: SessionResults | None
    listener: Listener | None
    outboxes: set[SocketOutbox] = field(default_factory=set)
    sent_at: float = -math.inf

    def message(self, kind: str, **extra: Any) -> str:
        results = self.results
        body: dict[str, Any] = {
            "type": kind,
            "version": results.version if results else 0,
            "changed_at": results.changed_at.isoformat() if results else None,
            "server_time": datetime.now(UTC).isoformat(),
            "final": self.publication.final,
            **extra,
        }
        return json.dumps(body, separators=(",", ":"))

    def broadcast(self, message: str) -> None:
        frame = text_frame(message)
        for outbox in list(self.outboxes):
            outbox.put(frame)

    def close_all(self, code: int, reason: str) -> None:
        for outbox in self.outboxes:
            outbox.close(code, reason)


class ResultsFeeds:
    def __init__(self, publications: Publications) -> None:
        self._publications = publications
        self._feeds: dict[int, Feed] = {}
        self._nursery: trio.Nursery | None = None
        self._closed = trio.Event()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """The feeds' tasks live here (started with the web server) until `close`."""
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            task_status.started()
            await self._closed.wait()
            self._nursery = None
            nursery.cancel_scope.cancel()

    def close(self) -> None:
        """Server shutdown: the sockets themselves are closed by the push server."""
        self._closed.set()

    def join(
        self,
        service: ResultsService,
        pool: Pool,
        results: SessionResults,
        publication: Publication,
        outbox: SocketOutbox,
    ) -> Feed:
        """Follow the session's results on `outbox` (held until the socket writes its hello)."""
        if self._nursery is None:
            raise RuntimeError("the results feeds are not running")
        session_id = publication.session_id
        feed = self._feeds.get(session_id)
        if feed is None:
            feed = Feed(publication, results, service.listen(results))
            self._feeds[session_id] = feed
            self._nursery.start_soon(self._drive, feed, service, pool)
        elif feed.results is not results:  # built again since the feed started
            if feed.results is not None and feed.listener is not None:
                service.unlisten(feed.results, feed.listener)
            feed.results, feed.listener = results, service.listen(results)
        feed.outboxes.add(outbox)
        return feed

    def leave(self, feed: Feed, outbox: SocketOutbox) -> None:
        feed.outboxes.discard(outbox)  # the feed's task ends when it sees nobody left

    def viewers(self, session_id: int) -> int:
        feed = self._feeds.get(session_id)
        return 0 if feed is None else len(feed.outboxes)

    def republished(self, session_id: int, publication: Publication | None) -> None:
        """The operator changed the publication here: viewers follow at once."""
        feed = self._feeds.get(session_id)
        if feed is not None:
            self._apply(feed, publication)

    # ------------------------------------------------------------------ the feed's task
    async def _drive(self, feed: Feed, service: ResultsService, pool: Pool) -> None:
        try:
            while feed.outboxes:
                interval = max(UPDATE_INTERVAL, len(feed.outboxes) / WRITES_PER_SECOND)
                await trio.sleep_until(feed.sent_at + interval)
                found = None
                with trio.move_on_after(RECHECK_SECONDS):
                    if feed.listener is None:
                        await trio.sleep_forever()
                    found = await feed.listener.wait()
                if found is None:
                    await self._recheck(feed, service, pool)
                    continue
                bibs, shifted, rebuilt = found
                self._send_changes(feed, bibs, shifted, rebuilt)
        except Exception:
            log.exception("the live results of session %d failed", feed.publication.session_id)
            feed.close_all(FAILED, "live results failed; reconnecting")
        finally:
            if feed.results is not None and feed.listener is not None:
                service.unlisten(feed.results, feed.listener)
            if self._feeds.get(feed.publication.session_id) is feed:
                del self._feeds[feed.publication.session_id]

    def _send_changes(self, feed: Feed, bibs: set[str], shifted: bool, rebuilt: bool) -> None:
        listed = sorted(bibs)[:MAX_BIBS]
        more = len(bibs) - len(listed)
        feed.broadcast(
            feed.message(
                "changed", bibs=listed, more=more, shifted=shifted or rebuilt, rebuilt=rebuilt
            )
        )
        feed.sent_at = trio.current_time()

    async def _recheck(self, feed: Feed, service: ResultsService, pool: Pool) -> None:
        """Quiet for a while: is it still published (another process may have withdrawn it),
        and is the engine the one listened to (a rebuild that failed drops it)?"""
        try:
            found = await self._publications.find(pool, feed.publication.token)
        except DATABASE_DOWN_ERRORS as exc:
            log.warning("results publication not rechecked: %s", exc)
            return
        self._apply(feed, found)
        current = service.loaded(feed.publication.session_id)
        if current is not feed.results and feed.outboxes:
            if feed.results is not None and feed.listener is not None:
                service.unlisten(feed.results, feed.listener)
            feed.results = current
            feed.listener = service.listen(current) if current is not None else None
            self._send_changes(feed, set(), True, True)

    def _apply(self, feed: Feed, publication: Publication | None) -> None:
        if publication is None:
            feed.close_all(WITHDRAWN, "these results are no longer published")
            feed.outboxes.clear()  # its task ends at its next wake-up
            if self._feeds.get(feed.publication.session_id) is feed:
                del self._feeds[feed.publication.session_id]
            return
        if publication.final != feed.publication.final:
            feed.publication = publication
            self._send_changes(feed, set(), False, True)
        feed.publication = publication
