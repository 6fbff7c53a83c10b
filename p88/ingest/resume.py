"""Resume points: per partner, middleware connection id and point, the highest sequence stored.

On reconnect the collector sends `start~<loc>~<last+1>` from these. Memory holds what this
process stored or journaled; PostgreSQL holds what any process committed. The larger wins.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from p88.db.pool import DATABASE_DOWN_ERRORS, Pool
from p88.ingest.records import Passing

log = logging.getLogger(__name__)

SELECT_RESUME = """
SELECT location, last_sequence FROM collector_resume
WHERE partner_id = $1 AND connection_id = $2
"""


class ResumeTracker:
    def __init__(self) -> None:
        self._known: dict[tuple[int, str], dict[str, int]] = {}

    def note(self, passings: Iterable[Passing]) -> None:
        """Record reads that are now durable (committed or journaled)."""
        for p in passings:
            points = self._known.setdefault((p.session.partner_id, p.connection_id), {})
            if p.sequence > points.get(p.location, -1):
                points[p.location] = p.sequence

    async def lookup(self, pool: Pool, partner_id: int, connection_id: str) -> dict[str, int]:
        """Last durable sequence per point for this middleware connection id."""
        points = dict(self._known.get((partner_id, connection_id), {}))
        try:
            rows = await pool.fetch(SELECT_RESUME, partner_id, connection_id)
        except DATABASE_DOWN_ERRORS as exc:
            log.warning("resume points from memory only, PostgreSQL is down (%s)", exc)
            return points
        for row in rows:
            if row["last_sequence"] > points.get(row["location"], -1):
                points[row["location"]] = row["last_sequence"]
        return points
