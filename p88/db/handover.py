"""Handing a session held for unauthenticated middleware to a timing company, with its points,
reads, gun times and displays; and the hand-overs the collector's writer follows afterwards.

A hand-over spans two companies, so it runs on an owner connection (no row-level security),
in the caller's transaction, and filters by partner itself. The session is moved the way a
merge moves one (p88.db.session_ops.move_session): into the company's session of the same
event and day (created if it has none), then the held session is deleted. Its row ids change,
so a collector writer that cached them fails its batch check (P0088, sql/0041) and looks the
ids up again; the `session_handovers` row written here then sends what still arrives under
the old company to the new one (p88.ingest.handovers).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from p88.db.pool import Connection
from p88.db.session_ops import MergeOutcome, SessionOpError, move_session
from p88.db.types import Queries

HandoverKey = tuple[int, str, date]
"""(partner id, event name, day): a session's natural key, as the collector stamps it."""


@dataclass(frozen=True, slots=True)
class HandOverOutcome:
    session_id: int  # the receiving company's session
    merged: bool  # it had a session of that event and day already
    moved: MergeOutcome


# Points first, then the session, as the collector's batch check takes them (a point, then its
# session): a batch holding a point does not wait for a session this holds. If the two still
# cross (a batch's points in another order), PostgreSQL aborts one of them; the writer retries
# by itself, and the page asks to try again.
LOCK_POINTS = """
SELECT id FROM timing_locations WHERE partner_id = $1 AND session_id = $2 ORDER BY id FOR UPDATE
"""
LOCK_SESSION = """
SELECT event_name, day, timezone, name, status, last_read_at FROM timing_sessions
WHERE partner_id = $1 AND id = $2 FOR UPDATE
"""

# The company receiving a session it once handed away gets it back: its own reads must no longer
# be sent elsewhere. Older hand-overs to the giving company now point at the receiver, so the
# writer follows one hop, never a chain or a circle.
FORGET_RETURNED = """
DELETE FROM session_handovers WHERE from_partner_id = $1 AND event_name = $2 AND day = $3
"""
FORWARD_EARLIER = """
UPDATE session_handovers SET to_partner_id = $1
WHERE to_partner_id = $2 AND event_name = $3 AND day = $4 AND from_partner_id <> $1
"""
RECORD_HANDOVER = """
INSERT INTO session_handovers (from_partner_id, event_name, day, to_partner_id, handed_by)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (from_partner_id, event_name, day) DO UPDATE
SET to_partner_id = EXCLUDED.to_partner_id, handed_at = now(), handed_by = EXCLUDED.handed_by
"""

CREATE_TARGET = """
INSERT INTO timing_sessions (partner_id, event_name, day, timezone, name, status, last_read_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (partner_id, event_name, day) DO NOTHING
RETURNING id
"""
EXISTING_TARGET = """
SELECT id FROM timing_sessions WHERE partner_id = $1 AND event_name = $2 AND day = $3
"""

SAME_EVENT_AND_DAY = """
SELECT t.id FROM timing_sessions s
JOIN timing_sessions t ON t.partner_id = $3 AND t.event_name = s.event_name AND t.day = s.day
WHERE s.partner_id = $1 AND s.id = $2
"""

HANDED_OVER = """
SELECT h.from_partner_id, h.event_name, h.day, h.to_partner_id
FROM session_handovers h
JOIN unnest($1::bigint[], $2::text[], $3::date[]) AS k(partner_id, event_name, day)
  ON h.from_partner_id = k.partner_id AND h.event_name = k.event_name AND h.day = k.day
"""


async def hand_over_session(
    conn: Connection, from_partner: int, session_id: int, to_partner: int, actor_id: int | None
) -> HandOverOutcome:
    """Give session `session_id` of `from_partner` to `to_partner`, merging it into that
    company's session of the same event and day if there is one. In the caller's transaction.
    Waits for the collector's batches writing to the session; the ones after wait for this."""
    if from_partner == to_partner:
        raise SessionOpError("choose a company other than the one holding the session")
    await conn.fetch(LOCK_POINTS, from_partner, session_id)
    held = await conn.fetchrow(LOCK_SESSION, from_partner, session_id)
    if held is None:
        raise SessionOpError(
            "this session is not held for unauthenticated middleware (any more): it was "
            "handed over or deleted meanwhile; reload the page"
        )
    # A point added while the first lock waited is locked now (none can be added any more).
    await conn.fetch(LOCK_POINTS, from_partner, session_id)
    event, day = held["event_name"], held["day"]
    await conn.execute(FORGET_RETURNED, to_partner, event, day)
    await conn.execute(FORWARD_EARLIER, to_partner, from_partner, event, day)
    await conn.execute(RECORD_HANDOVER, from_partner, event, day, to_partner, actor_id)
    into_id = await conn.fetchval(
        CREATE_TARGET, to_partner, event, day, held["timezone"], held["name"], held["status"],
        held["last_read_at"],
    )  # fmt: skip
    merged = into_id is None
    if merged:
        into_id = await conn.fetchval(EXISTING_TARGET, to_partner, event, day)
    moved = await move_session(conn, from_partner, session_id, to_partner, into_id)
    return HandOverOutcome(into_id, merged, moved)


async def same_event_session(
    conn: Connection, from_partner: int, session_id: int, to_partner: int
) -> int | None:
    """The id of `to_partner`'s session of the same event and day, which a hand-over merges
    into; None when the hand-over would create it."""
    found = await conn.fetchval(SAME_EVENT_AND_DAY, from_partner, session_id, to_partner)
    return None if found is None else int(found)


async def handed_over(queries: Queries, keys: Iterable[HandoverKey]) -> dict[HandoverKey, int]:
    """The company each of `keys` was handed to, for those that were."""
    wanted = list(keys)
    if not wanted:
        return {}
    rows = await queries.fetch(
        HANDED_OVER, [k[0] for k in wanted], [k[1] for k in wanted], [k[2] for k in wanted]
    )
    return {(r[0], r[1], r[2]): r[3] for r in rows}
