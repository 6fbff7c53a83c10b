"""Public results (/r/<token>): which links work, the pages already rendered, the live feeds,
and the guard against guessing links. One `PublicResults` per web app (WebServices)."""

from __future__ import annotations

from dataclasses import dataclass, field

import trio

from p88.db.pool import Pool
from p88.displays.guard import FailureGuard
from p88.web.published.board import Boards
from p88.web.published.feeds import ResultsFeeds
from p88.web.published.pages import PageCache
from p88.web.published.publications import Publications


@dataclass(slots=True)
class PublicResults:
    publications: Publications = field(default_factory=Publications)
    pages: PageCache = field(init=False)
    feeds: ResultsFeeds = field(init=False)
    boards: Boards = field(default_factory=Boards)
    # One page rendered at a time: a flood of requests for pages not kept yet waits here
    # instead of crowding out ingest and the live feeds on the event loop.
    rendering: trio.Lock = field(default_factory=trio.Lock)
    # Results links guessed wrong, per address: 429 for a minute after too many.
    guard: FailureGuard = field(default_factory=FailureGuard)

    def __post_init__(self) -> None:
        self.pages = PageCache(self.publications)
        self.feeds = ResultsFeeds(self.publications)

    async def republished(self, pool: Pool, session_id: int, token: str | None) -> None:
        """The operator published, withdrew, or marked the session's results final or
        provisional here: pages and open sockets follow at once (other processes within
        RECHECK_SECONDS)."""
        self.publications.forget_session(session_id)
        found = await self.publications.find(pool, token) if token else None
        self.feeds.republished(session_id, found)


__all__ = ["PublicResults"]
