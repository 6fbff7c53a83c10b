"""Which public results links work: a session's published results by their public token,
looked up in the database once and then believed for a few seconds (every page view and every
live socket asks, and a busy event has thousands of viewers).

An unpublish in this process takes effect at once (`forget_session`); one made by another p88
process sharing the database, within RECHECK_SECONDS.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import trio

from p88.db import results as results_db
from p88.db.pool import DATABASE_DOWN_ERRORS, Pool

TOKEN_BYTES = 16  # 128 bits: 22 URL-safe characters; the link is shared, not a key to anything else
_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")  # results_setups.public_token's own bounds
RECHECK_SECONDS = 5.0
MAX_KEPT = 10_000  # bounded memory whatever links are asked for


def new_public_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def well_formed(token: str) -> bool:
    """Cheap pre-check: a token of the wrong shape never reaches the database."""
    return _SHAPE.fullmatch(token) is not None


@dataclass(frozen=True, slots=True, eq=False)
class Publication:
    """Published results as one lookup found them. A new lookup that finds them unchanged
    keeps the same object, so what was made from it (cached pages) stays valid."""

    token: str
    session_id: int
    partner_id: int
    final: bool  # the timer marked the results final: no "provisional" banner


class Publications:
    def __init__(self) -> None:
        self._known: dict[str, tuple[Publication, float]] = {}

    def current(self, token: str) -> Publication | None:
        """The publication at `token` if it was checked recently (never waits)."""
        known = self._known.get(token)
        if known is None or trio.current_time() - known[1] > RECHECK_SECONDS:
            return None
        return known[0]

    async def find(self, pool: Pool, token: str) -> Publication | None:
        """The published results at `token`, or None (unknown, malformed or unpublished)."""
        found = self.current(token)
        if found is not None:
            return found
        if not well_formed(token):
            return None
        try:
            async with pool.acquire() as conn:
                row = await results_db.published_session(conn, token)
        except DATABASE_DOWN_ERRORS:
            stale = self._known.get(token)
            if stale is None:
                raise
            return stale[0]  # the results stay up while the database is away
        if row is None:
            self._known.pop(token, None)
            return None
        publication = Publication(token, row.session_id, row.partner_id, row.final_at is not None)
        old = self._known.get(token)
        if old is not None and _same(old[0], publication):
            publication = old[0]
        elif len(self._known) >= MAX_KEPT:
            self._known.pop(next(iter(self._known)))
        self._known[token] = (publication, trio.current_time())
        return publication

    def forget_session(self, session_id: int) -> None:
        """The session was published, withdrawn, or marked final or provisional here: the next
        request looks again."""
        for token in [t for t, (p, _) in self._known.items() if p.session_id == session_id]:
            del self._known[token]


def _same(a: Publication, b: Publication) -> bool:
    return (a.session_id, a.partner_id, a.final) == (b.session_id, b.partner_id, b.final)
