"""Resume points: per partner, middleware connection id and point, the highest sequence stored.

On reconnect the collector sends `start~<loc>~<last+1>` from these. Memory holds what this
process stored or journaled; PostgreSQL holds what any process committed. The larger wins.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from p88.db.pool import DATABASE_DOWN_ERRORS, Pool
from p88.reads import StampedRead

log = logging.getLogger(__name__)

PointKey = tuple[int, str, str]
"""(partner id, middleware connection id, point name)."""


def max_sequences(reads: Iterable[StampedRead]) -> dict[PointKey, int]:
    """The highest sequence of each point among `reads`: what a batch moves resume to."""
    best: dict[PointKey, int] = {}
    # A batch is made of runs of one connection's reads at one point, which share their
    # session, connection id and point name objects: the dict is touched once per run.
    last: StampedRead | None = None
    key: PointKey = (0, "", "")
    high = -1
    for p in reads:
        if (
            last is None
            or p.location is not last.location
            or p.connection_id is not last.connection_id
            or p.session is not last.session
        ):
            if last is not None and high > best.get(key, -1):
                best[key] = high
            key = (p.session.partner_id, p.connection_id, p.location)
            high = -1
        if p.sequence > high:
            high = p.sequence
        last = p
    if last is not None and high > best.get(key, -1):
        best[key] = high
    return best


SELECT_RESUME = """
SELECT location, last_sequence FROM collector_resume
WHERE partner_id = $1 AND connection_id = $2
"""


class ResumeTracker:
    def __init__(self) -> None:
        self._known: dict[tuple[int, str], dict[str, int]] = {}

    def note(self, reads: Iterable[StampedRead]) -> None:
        """Record reads that are now durable (committed or journaled)."""
        self.note_points(max_sequences(reads))

    def note_points(self, points: dict[PointKey, int]) -> None:
        """Record durable highest sequences, as `max_sequences` gives them."""
        for (partner_id, connection_id, location), sequence in points.items():
            known = self._known.setdefault((partner_id, connection_id), {})
            if sequence > known.get(location, -1):
                known[location] = sequence

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
