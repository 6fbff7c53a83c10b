"""The end of every ingest batch, in the batch's own statement or transaction: move the resume
points, lock the batch's points (and their sessions) until commit, and check that they are what
the writer's cache says.

timing_reads has no foreign keys (sql/0040): these locks, taken once a batch, are what the two
row-level checks per read used to take. A point or session deleted or moved (a merge) before the
lock shows up as a missing or different row, and `p88_points_unchanged` (sql/0041) aborts the
statement with SQLSTATE P0088: the batch is written again with fresh ids. One deleted or moved
after the lock waits for this batch's commit.

A batch runs this inside the statement that stores its reads (p88.ingest.insert, or the
direct COPY's first statement), saving a round trip: each costs a live read about a
millisecond on its way to the screens. FINISH_BATCH is for a batch of gun times alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from p88.ingest.resume import PointKey

STALE_POINT = "P0088"  # the SQLSTATE of a failed check


def resume_cte(first: int) -> str:
    """Upsert the resume points from arrays $first..$first+3."""
    a, b, c, d = range(first, first + 4)
    return f"""INSERT INTO collector_resume (partner_id, connection_id, location, last_sequence)
    SELECT * FROM unnest(${a}::bigint[], ${b}::text[], ${c}::text[], ${d}::bigint[])
    ON CONFLICT (partner_id, connection_id, location) DO UPDATE
    SET last_sequence = GREATEST(collector_resume.last_sequence, EXCLUDED.last_sequence),
        updated_at = now()"""


def lock_points(first: int) -> str:
    """Lock the locations with the ids of array $first, and their sessions."""
    return f"""SELECT l.id, l.session_id
    FROM timing_locations l JOIN timing_sessions s ON s.id = l.session_id
    WHERE l.id = ANY(${first}::bigint[])
    FOR KEY SHARE"""


def check_points(first: int) -> str:
    """One row, or SQLSTATE P0088 unless CTE `locked` holds every location of array $first
    in the session at the same index of array $first+1."""
    ids, sessions = first, first + 1
    return f"""SELECT p88_points_unchanged(
        (SELECT count(*) FROM locked) = cardinality(${ids}::bigint[])
        AND NOT EXISTS (
            SELECT 1 FROM locked l
            JOIN unnest(${ids}::bigint[], ${sessions}::bigint[]) AS e(id, session_id)
              ON e.id = l.id
            WHERE e.session_id <> l.session_id))"""


def finish_ctes(first: int) -> str:
    """`resume`, `locked` and `checked` CTEs, on the six arrays from $first (Finish.args)."""
    return (
        f"resume AS ({resume_cte(first)}),\n"
        f"locked AS ({lock_points(first + 4)}),\n"
        f"checked AS ({check_points(first + 4)})"
    )


FINISH_BATCH = f"WITH {finish_ctes(1)}\nSELECT * FROM checked"


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
