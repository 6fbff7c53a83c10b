"""What an operator changes on a timing session: its name, its status, manual gun times per
wave, and merging two sessions that are one race. Reads themselves are never edited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from p88.db.pool import Connection

NAME_LIMIT = 200
WAVE_LIMIT = 64


class SessionOpError(Exception):
    """A message for the operator: what is wrong and what to do."""


@dataclass(frozen=True, slots=True)
class MergeOutcome:
    reads_moved: int
    reads_collapsed: int  # identical reads present in both sessions, kept once
    locations_moved: int
    gun_times_moved: int
    displays_rebound: tuple[int, ...] = ()  # displays of the merged-away session, now on A


async def rename_session(conn: Connection, partner_id: int, session_id: int, name: str) -> bool:
    name = name.strip()
    if not name:
        raise SessionOpError("the name is empty: type the name screens and lists should show")
    if len(name) > NAME_LIMIT:
        raise SessionOpError(f"the name is longer than {NAME_LIMIT} characters")
    status = await conn.execute(
        "UPDATE timing_sessions SET name = $3 WHERE partner_id = $1 AND id = $2",
        partner_id,
        session_id,
        name,
    )
    return bool(status == "UPDATE 1")


async def set_session_status(
    conn: Connection, partner_id: int, session_id: int, status: str
) -> bool:
    if status not in ("live", "ended"):
        raise SessionOpError(f"unknown status {status!r}: a session is live or ended")
    result = await conn.execute(
        "UPDATE timing_sessions SET status = $3 WHERE partner_id = $1 AND id = $2",
        partner_id,
        session_id,
        status,
    )
    return bool(result == "UPDATE 1")


SET_MANUAL_GUN = """
INSERT INTO gun_times (partner_id, session_id, local_time, wave, source)
SELECT s.partner_id, s.id, $3, $4, 'manual' FROM timing_sessions s
WHERE s.partner_id = $1 AND s.id = $2
ON CONFLICT (session_id, (coalesce(wave, ''))) WHERE source = 'manual'
DO UPDATE SET local_time = EXCLUDED.local_time, created_at = now()
RETURNING id
"""


async def set_manual_gun(
    conn: Connection, partner_id: int, session_id: int, wave: str, local_time: datetime
) -> bool:
    """Set (or replace) the hand-entered gun of `wave` ('' = every runner without a wave).
    `local_time` is the event's wall clock, like the hardware's times. False: no such session."""
    wave = wave.strip()
    if len(wave) > WAVE_LIMIT:
        raise SessionOpError(f"the wave name is longer than {WAVE_LIMIT} characters")
    local_time = local_time.replace(microsecond=local_time.microsecond // 10000 * 10000)
    gun_id = await conn.fetchval(SET_MANUAL_GUN, partner_id, session_id, local_time, wave)
    return gun_id is not None


async def delete_manual_gun(
    conn: Connection, partner_id: int, session_id: int, gun_id: int
) -> bool:
    status = await conn.execute(
        "DELETE FROM gun_times WHERE partner_id = $1 AND session_id = $2 AND id = $3 "
        "AND source = 'manual'",
        partner_id,
        session_id,
        gun_id,
    )
    return bool(status == "DELETE 1")


# The statements that move session B ($3, of partner $1) into session A ($2, of partner $4).
# A merge moves within one partner ($4 = $1); a hand-over (p88.db.handover) moves a session of
# the unassigned company to a timing company.

# Points of B whose name A lacks move over whole; the others are matched by name.
MOVE_LOCATIONS = """
UPDATE timing_locations lb SET session_id = $2, partner_id = $4
WHERE lb.partner_id = $1 AND lb.session_id = $3
  AND NOT EXISTS (SELECT 1 FROM timing_locations la WHERE la.session_id = $2 AND la.name = lb.name)
"""

# Every read of B goes to the same-named point of A, unless A holds the identical read (same
# dedup key): that one collapses and goes with B when B is deleted.
MOVE_READS = """
UPDATE timing_reads r SET session_id = $2, location_id = la.id, partner_id = $4
FROM timing_locations lb, timing_locations la
WHERE r.partner_id = $1 AND r.session_id = $3
  AND lb.id = r.location_id AND la.session_id = $2 AND la.name = lb.name
  AND NOT EXISTS (
      SELECT 1 FROM timing_reads x
      WHERE x.session_id = $2 AND x.location_id = la.id AND x.tag = r.tag
        AND x.local_time = r.local_time AND x.reader_id = r.reader_id AND x.gator = r.gator)
"""

MOVE_GUNS = """
UPDATE gun_times g SET session_id = $2, partner_id = $4,
       location_id = (SELECT la.id FROM timing_locations lb JOIN timing_locations la
                      ON la.session_id = $2 AND la.name = lb.name WHERE lb.id = g.location_id)
WHERE g.partner_id = $1 AND g.session_id = $3
  AND NOT EXISTS (
      SELECT 1 FROM gun_times x
      LEFT JOIN timing_locations lx ON lx.id = x.location_id
      LEFT JOIN timing_locations lg ON lg.id = g.location_id
      WHERE x.session_id = $2 AND x.source = g.source
        AND CASE WHEN g.source = 'manual'
                 THEN coalesce(x.wave, '') = coalesce(g.wave, '')
                 ELSE x.local_time = g.local_time AND lx.name IS NOT DISTINCT FROM lg.name
            END)
"""

FINISH_MERGE = """
UPDATE timing_sessions a SET
    last_read_at = GREATEST(a.last_read_at, b.last_read_at),
    status = CASE WHEN 'live' IN (a.status, b.status) THEN 'live' ELSE 'ended' END
FROM timing_sessions b
WHERE a.partner_id = $4 AND a.id = $2 AND b.id = $3 AND b.partner_id = $1
"""

# Displays bound to B keep their links and go on with A. A template belongs to its partner: a
# display that changes partner loses it and shows its mode's standard layout.
# A's own results setup wins; B's moves only when A has none. Corrections all move (their ids
# keep their order); the results rows are the engine's to write again.
MOVE_RESULTS_SETUP = """
UPDATE results_setups SET session_id = $2, partner_id = $4
WHERE partner_id = $1 AND session_id = $3
  AND NOT EXISTS (SELECT 1 FROM results_setups a WHERE a.session_id = $2)
"""

MOVE_CORRECTIONS = """
UPDATE results_corrections SET session_id = $2, partner_id = $4
WHERE partner_id = $1 AND session_id = $3
"""

MOVE_DISPLAYS = """
UPDATE displays SET session_id = $2, partner_id = $4,
       template_id = CASE WHEN $4 = $1 THEN template_id END
WHERE partner_id = $1 AND session_id = $3
RETURNING id
"""

COUNT_READS = "SELECT count(*) FROM timing_reads WHERE partner_id = $1 AND session_id = $2"
DELETE_SESSION = "DELETE FROM timing_sessions WHERE partner_id = $1 AND id = $2"


def _count(status: str) -> int:
    return int(status.rsplit(" ", 1)[1])


async def move_session(
    conn: Connection, from_partner: int, from_id: int, into_partner: int, into_id: int
) -> MergeOutcome:
    """Move session `from_id`'s points, reads, gun times and displays into `into_id`, then
    delete it. Both sessions must be locked by the caller, in its transaction."""
    args = (from_partner, into_id, from_id, into_partner)
    total = await conn.fetchval(COUNT_READS, from_partner, from_id)
    locations = _count(await conn.execute(MOVE_LOCATIONS, *args))
    moved = _count(await conn.execute(MOVE_READS, *args))
    guns = _count(await conn.execute(MOVE_GUNS, *args))
    await conn.execute(FINISH_MERGE, *args)
    # Deleting B would otherwise cascade to its displays and its results setup and corrections.
    rebound = await conn.fetch(MOVE_DISPLAYS, *args)
    await conn.execute(MOVE_RESULTS_SETUP, *args)
    await conn.execute(MOVE_CORRECTIONS, *args)
    # What stays with B (collapsed reads, gun times A has already) goes with it.
    await conn.execute(DELETE_SESSION, from_partner, from_id)
    return MergeOutcome(moved, total - moved, locations, guns, tuple(row["id"] for row in rebound))


async def merge_sessions(
    conn: Connection, partner_id: int, into_id: int, from_id: int
) -> MergeOutcome:
    """Move B's (`from_id`) points, reads and gun times into A (`into_id`), then delete B.
    Runs in the caller's transaction (a tenant transaction): all or nothing. Both sessions are
    locked first so the collector cannot add to B halfway."""
    if into_id == from_id:
        raise SessionOpError("choose two different sessions to merge")
    locked = await conn.fetch(
        "SELECT id FROM timing_sessions WHERE partner_id = $1 AND id = ANY($2::bigint[]) "
        "ORDER BY id FOR UPDATE",
        partner_id,
        [into_id, from_id],
    )
    if len(locked) != 2:
        raise SessionOpError("one of the two sessions does not exist (any more)")
    return await move_session(conn, partner_id, from_id, partner_id, into_id)
