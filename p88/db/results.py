"""Queries for results: a session's setup and publication, the timer's corrections, what the
engine is built from, and the rows it keeps current for SQL readers. Every function takes a
connection inside the partner's tenant transaction and filters by the partner itself too."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from p88.db.pool import Connection

READ_CHUNK = 50_000  # stored reads fetched per statement while an engine is built


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """What the results need to know of a timing session."""

    id: int
    partner_id: int
    event_name: str
    name: str
    day: date
    timezone: str
    status: str
    locations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SetupRow:
    document: dict[str, Any]
    updated_at: datetime
    public_token: str | None
    published_at: datetime | None
    final_at: datetime | None


@dataclass(frozen=True, slots=True)
class Published:
    """Published results found by their public token."""

    session_id: int
    partner_id: int
    final_at: datetime | None  # the timer marked them final (None: provisional)


@dataclass(frozen=True, slots=True)
class CorrectionRow:
    id: int
    kind: str
    bib: str
    payload: dict[str, Any]
    before: dict[str, Any] | None
    reason: str
    created_by: str  # the person's name (or email), "API key <name>", "" when gone
    created_at: datetime
    undone_by: str
    undone_at: datetime | None


SESSION_FACTS = """
SELECT s.id, s.partner_id, s.event_name, s.name, s.day, s.timezone, s.status,
       coalesce(array_agg(l.name ORDER BY l.name) FILTER (WHERE l.id IS NOT NULL), '{}')
           AS locations
FROM timing_sessions s LEFT JOIN timing_locations l ON l.session_id = s.id
WHERE s.id = $2 AND s.partner_id = $1
GROUP BY s.id
"""

SETUP = """
SELECT document, updated_at, public_token, published_at, final_at
FROM results_setups WHERE partner_id = $1 AND session_id = $2
"""

SAVE_SETUP = """
INSERT INTO results_setups (session_id, partner_id, document, updated_by)
VALUES ($2, $1, $3::jsonb, $4)
ON CONFLICT (session_id) DO UPDATE
SET document = excluded.document, updated_by = excluded.updated_by, updated_at = now()
WHERE results_setups.partner_id = $1
"""

ENTRANTS = """
SELECT bib, tag, first_name, last_name, gender, age, date_of_birth, age_group, division, wave,
       course
FROM participants WHERE partner_id = $1 AND event_name = $2 ORDER BY bib
"""

GUN_TIMES = """
SELECT g.id, g.local_time, g.wave, g.source, coalesce(l.name, '') AS location
FROM gun_times g LEFT JOIN timing_locations l ON l.id = g.location_id
WHERE g.partner_id = $1 AND g.session_id = $2
ORDER BY g.local_time, g.id
"""

READS_AFTER = """
SELECT r.id, r.tag, l.name AS location, r.local_time
FROM timing_reads r JOIN timing_locations l ON l.id = r.location_id
WHERE r.partner_id = $1 AND r.session_id = $2 AND r.id > $3
ORDER BY r.id
LIMIT $4
"""

CORRECTIONS = """
SELECT c.id, c.kind, c.bib, c.payload, c.before, c.reason, c.created_at, c.undone_at,
       coalesce(nullif(a.name, ''), a.email, 'API key ' || ak.name, '') AS created_by,
       coalesce(nullif(u.name, ''), u.email, 'API key ' || uk.name, '') AS undone_by
FROM results_corrections c
LEFT JOIN users a ON a.id = c.created_by
LEFT JOIN users u ON u.id = c.undone_by
LEFT JOIN api_keys ak ON ak.id = c.created_by_key
LEFT JOIN api_keys uk ON uk.id = c.undone_by_key
WHERE c.partner_id = $1 AND c.session_id = $2
ORDER BY c.id
"""

# Who: a signed-in person (created_by, undone_by) or an API key (the *_by_key column).
ADD_CORRECTION = """
INSERT INTO results_corrections
    (partner_id, session_id, kind, bib, payload, before, reason, created_by, created_by_key)
VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9)
RETURNING id
"""

UNDO_CORRECTION = """
UPDATE results_corrections SET undone_at = now(), undone_by = $4, undone_by_key = $5
WHERE partner_id = $1 AND session_id = $2 AND id = $3 AND undone_at IS NULL
RETURNING id
"""

WRITE_ROWS = """
INSERT INTO results_rows (session_id, partner_id, bib, name, course, wave, gender, age,
    age_group, division, status, placed, gun_at, start_at, finish_at, gun_time, chip_time,
    ranking_time, splits, flags, updated_at)
SELECT $2, $1, bib, name, course, wave, gender, age, age_group, division, status, placed,
       gun_at, start_at, finish_at, gun_time, chip_time, ranking_time, splits,
       string_to_array(flags, ' '), now()
FROM unnest(
    $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[],
    $10::text[], $11::text[], $12::bool[], $13::timestamp[], $14::timestamp[],
    $15::timestamp[], $16::bigint[], $17::bigint[], $18::bigint[], $19::jsonb[], $20::text[]
) AS r(bib, name, course, wave, gender, age, age_group, division, status, placed, gun_at,
       start_at, finish_at, gun_time, chip_time, ranking_time, splits, flags)
ON CONFLICT (session_id, bib) DO UPDATE SET
    name = excluded.name, course = excluded.course, wave = excluded.wave,
    gender = excluded.gender, age = excluded.age, age_group = excluded.age_group,
    division = excluded.division, status = excluded.status, placed = excluded.placed,
    gun_at = excluded.gun_at, start_at = excluded.start_at, finish_at = excluded.finish_at,
    gun_time = excluded.gun_time, chip_time = excluded.chip_time,
    ranking_time = excluded.ranking_time, splits = excluded.splits, flags = excluded.flags,
    updated_at = now()
"""

DELETE_ROWS = """
DELETE FROM results_rows WHERE partner_id = $1 AND session_id = $2 AND bib = ANY($3::text[])
"""

KEEP_ONLY_ROWS = """
DELETE FROM results_rows WHERE partner_id = $1 AND session_id = $2 AND NOT bib = ANY($3::text[])
"""

PUBLISH = """
UPDATE results_setups
SET published_at = CASE WHEN $3 THEN now() END,
    public_token = coalesce(public_token, $4)
WHERE partner_id = $1 AND session_id = $2
RETURNING public_token
"""

SET_FINAL = """
UPDATE results_setups SET final_at = CASE WHEN $3 THEN now() END
WHERE partner_id = $1 AND session_id = $2
"""

PUBLISHED = """
SELECT r.session_id, r.partner_id, r.final_at
FROM results_setups r
WHERE r.public_token = $1 AND r.published_at IS NOT NULL
"""

LIVE_SETUPS = """
SELECT s.id, s.partner_id FROM results_setups r JOIN timing_sessions s ON s.id = r.session_id
WHERE s.status = 'live' ORDER BY s.id
"""


async def session_facts(conn: Connection, partner_id: int, session_id: int) -> SessionFacts | None:
    row = await conn.fetchrow(SESSION_FACTS, partner_id, session_id)
    if row is None:
        return None
    return SessionFacts(
        row["id"],
        row["partner_id"],
        row["event_name"],
        row["name"],
        row["day"],
        row["timezone"],
        row["status"],
        tuple(row["locations"]),
    )


async def setup_row(conn: Connection, partner_id: int, session_id: int) -> SetupRow | None:
    row = await conn.fetchrow(SETUP, partner_id, session_id)
    if row is None:
        return None
    return SetupRow(
        json.loads(row["document"]),
        row["updated_at"],
        row["public_token"],
        row["published_at"],
        row["final_at"],
    )


async def save_setup(
    conn: Connection,
    partner_id: int,
    session_id: int,
    document: dict[str, Any],
    user_id: int | None,  # None: saved by no person (a script; the column allows it)
) -> None:
    await conn.execute(SAVE_SETUP, partner_id, session_id, json.dumps(document), user_id)


async def entrants(conn: Connection, partner_id: int, event_name: str) -> list[Any]:
    """The event's participants, as rows (p88.live.results turns them into Entrants)."""
    return list(await conn.fetch(ENTRANTS, partner_id, event_name))


async def gun_times(conn: Connection, partner_id: int, session_id: int) -> list[Any]:
    return list(await conn.fetch(GUN_TIMES, partner_id, session_id))


async def reads_after(
    conn: Connection, partner_id: int, session_id: int, after: int
) -> AsyncIterator[list[Any]]:
    """The session's stored reads with ids above `after`, in id order, a chunk at a time."""
    while True:
        rows = list(await conn.fetch(READS_AFTER, partner_id, session_id, after, READ_CHUNK))
        if not rows:
            return
        yield rows
        after = rows[-1]["id"]


async def corrections(conn: Connection, partner_id: int, session_id: int) -> list[CorrectionRow]:
    rows = await conn.fetch(CORRECTIONS, partner_id, session_id)
    return [
        CorrectionRow(
            row["id"],
            row["kind"],
            row["bib"],
            json.loads(row["payload"]),
            None if row["before"] is None else json.loads(row["before"]),
            row["reason"],
            row["created_by"],
            row["created_at"],
            row["undone_by"],
            row["undone_at"],
        )
        for row in rows
    ]


async def add_correction(
    conn: Connection,
    partner_id: int,
    session_id: int,
    stored: tuple[str, str, dict[str, Any]],
    before: dict[str, Any] | None,
    reason: str,
    user_id: int | None,
    *,
    key_id: int | None = None,
) -> int:
    kind, bib, payload = stored
    before_json = None if before is None else json.dumps(before)
    new_id: int = await conn.fetchval(
        ADD_CORRECTION,
        partner_id,
        session_id,
        kind,
        bib,
        json.dumps(payload),
        before_json,
        reason,
        user_id,
        key_id,
    )
    return new_id


async def undo_correction(
    conn: Connection,
    partner_id: int,
    session_id: int,
    correction_id: int,
    user_id: int | None,
    *,
    key_id: int | None = None,
) -> bool:
    found = await conn.fetchval(
        UNDO_CORRECTION, partner_id, session_id, correction_id, user_id, key_id
    )
    return found is not None


async def write_rows(
    conn: Connection, partner_id: int, session_id: int, columns: Sequence[Sequence[Any]]
) -> None:
    """Upsert result rows given as 18 columns (p88.live.results_rows.columns_of)."""
    await conn.execute(WRITE_ROWS, partner_id, session_id, *columns)


async def delete_rows(
    conn: Connection, partner_id: int, session_id: int, bibs: Sequence[str]
) -> None:
    await conn.execute(DELETE_ROWS, partner_id, session_id, list(bibs))


async def keep_only_rows(
    conn: Connection, partner_id: int, session_id: int, bibs: Sequence[str]
) -> None:
    """Drop the rows of runners no longer in the field (after a rebuild)."""
    await conn.execute(KEEP_ONLY_ROWS, partner_id, session_id, list(bibs))


async def publish(
    conn: Connection, partner_id: int, session_id: int, published: bool, new_token: str
) -> str | None:
    """Publish (or withdraw) the session's results; the public token, kept once made."""
    token: str | None = await conn.fetchval(PUBLISH, partner_id, session_id, published, new_token)
    return token


async def set_final(conn: Connection, partner_id: int, session_id: int, final: bool) -> None:
    await conn.execute(SET_FINAL, partner_id, session_id, final)


async def published_session(conn: Connection, token: str) -> Published | None:
    """The published results at a public token; needs no tenant (the token is the key, and
    only published results answer)."""
    row = await conn.fetchrow(PUBLISHED, token)
    if row is None:
        return None
    return Published(row["session_id"], row["partner_id"], row["final_at"])


async def live_sessions_with_setup(conn: Connection) -> list[tuple[int, int]]:
    """(session id, partner id) of live sessions whose timer saved a results setup."""
    return [(row["id"], row["partner_id"]) for row in await conn.fetch(LIVE_SETUPS)]
