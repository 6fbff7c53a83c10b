"""The end of every ingest batch, in the batch's own statement or transaction: move the resume
points, lock the batch's points (and their sessions) until commit, and check that they are what
the writer's cache says.

timing_reads has no foreign keys (sql/0040): these locks, taken once a batch, are what the two
row-level checks per read used to take. A point or session deleted or moved (a merge) before the
lock shows up as a missing or different row, and `p88_points_unchanged` (sql/0041) aborts the
statement with SQLSTATE P0088: the batch is written again with fresh ids. One deleted or moved
after the lock waits for this batch's commit.

A batch runs this inside the statement that stores its reads (p88.db.ingest: INSERT_READS, or
the direct COPY's first statement), saving a round trip: each costs a live read about a
millisecond on its way to the screens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from p88.ingest.resume import PointKey


@dataclass(frozen=True, slots=True)
class Finish:
    """What a batch moves the resume points to, and the points it wrote to."""

    resume: dict[PointKey, int]
    points: Mapping[int, int]  # location id -> the session id the cache has for it

    @classmethod
    def of(cls, resume: dict[PointKey, int], ids: Mapping[Any, tuple[int, int]]) -> Finish:
        """From the batch's resume points and the (session id, location id) of each point."""
        return cls(resume, {location: session for session, location in ids.values()})

    def args(self) -> list[list[object]]:
        """The six arrays of finish_ctes."""
        keys = list(self.resume)
        return [
            [k[0] for k in keys],
            [k[1] for k in keys],
            [k[2] for k in keys],
            list(self.resume.values()),
            list(self.points),
            list(self.points.values()),
        ]
