"""Each runner's start-mat reads of one live session, kept in memory for chip time.

The start point of a live session is its timing point named START (any case): sessions and
displays have no setting that names another one, and START is what the hardware and the
simulator call the start mat. Every read there is kept, whatever locations the session's
displays show, so a FINISH-only screen still counts chip time from the runner's own crossing.

Which read is the crossing is decided by `p88.results.start.start_crossing`, the rule the results
engine uses (the last read, never before the wave's gun), counting only the reads before the
passing being timed: a live screen cannot know about reads yet to come, and a runner walking
back over the start mat after finishing has not started again.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from p88.db.pool import Connection
from p88.results.start import start_crossing

START_POINT = "start"  # compared lower-cased, as PostgreSQL's lower() does in START_READS
# Reads kept per tag: a runner produces 2-10 at the start. A tag lying near the mat for hours
# (a spare chip in a bag) would otherwise grow without bound; its oldest reads go first.
MAX_READS_PER_TAG = 32

START_READS = """
SELECT r.tag, r.local_time
FROM timing_reads r
WHERE r.session_id = $1 AND r.partner_id = $2 AND r.location_id IN (
    SELECT l.id FROM timing_locations l
    WHERE l.session_id = $1 AND l.partner_id = $2 AND lower(l.name) = 'start'
)
"""


def is_start_point(location: str) -> bool:
    return location.lower() == START_POINT


@dataclass(slots=True)
class StartReads:
    """Per tag, the distinct times it was read at the start point, in time order. Noting a read
    twice changes nothing, so warm-up history and live batches may overlap freely."""

    _times: dict[str, list[datetime]] = field(default_factory=dict)
    _is_start: dict[str, bool] = field(default_factory=dict)  # per location name, memoised
    loaded: bool = False  # the session's stored start reads are in

    def is_start(self, location: str) -> bool:
        known = self._is_start.get(location)
        if known is None:
            known = self._is_start[location] = is_start_point(location)
        return known

    def note(self, location: str, tag: str, time: datetime) -> None:
        if self.is_start(location):
            self.add(tag, time)

    def add(self, tag: str, time: datetime) -> None:
        times = self._times.get(tag)
        if times is None:
            self._times[tag] = [time]
            return
        if times[-1] < time:
            times.append(time)  # the usual case: reads arrive in time order
        elif time in times:
            return
        else:
            insort(times, time)
        if len(times) > MAX_READS_PER_TAG:
            del times[0]

    def add_many(self, reads: Iterable[tuple[str, datetime]]) -> None:
        for tag, time in reads:
            self.add(tag, time)

    def crossing(self, tag: str, gun: datetime | None, before: datetime) -> datetime | None:
        """The runner's start crossing as seen before `before` (None: no start read)."""
        times = self._times.get(tag)
        if not times:
            return None
        return start_crossing(times, gun, before)


async def load_start_reads(
    conn: Connection, partner_id: int, session_id: int
) -> list[tuple[str, datetime]]:
    """Every stored read of the session's start point, as (tag, time)."""
    rows = await conn.fetch(START_READS, session_id, partner_id)
    return [(row["tag"], row["local_time"]) for row in rows]
