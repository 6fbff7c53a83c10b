"""Seeding timing sessions, reads and participants for the sessions/participants web tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from p88.reads import StoredRead

DAY = datetime(2021, 5, 8).date()


def clock(text: str) -> datetime:
    return datetime.fromisoformat(f"2021-05-08T{text}")


async def seed_session(
    pool: Any, partner_id: int, event: str, reads: list[tuple[str, str, str]] = ()
) -> tuple[int, dict[str, int]]:
    """A session of `event` with reads (location, tag, HH:MM:SS.hh); returns (id, locations)."""
    async with pool.acquire() as conn:
        session_id = await conn.fetchval(
            "INSERT INTO timing_sessions (partner_id, event_name, day, timezone, name) "
            "VALUES ($1, $2, $3, 'UTC', $2) RETURNING id",
            partner_id,
            event,
            DAY,
        )
        locations: dict[str, int] = {}
        for seq, (location, tag, when) in enumerate(reads, start=1):
            if location not in locations:
                locations[location] = await conn.fetchval(
                    "INSERT INTO timing_locations (partner_id, session_id, name) "
                    "VALUES ($1, $2, $3) RETURNING id",
                    partner_id,
                    session_id,
                    location,
                )
            await conn.execute(
                "INSERT INTO timing_reads (partner_id, session_id, location_id, tag, local_time,"
                " lap, reader_id, gator, sequence, connection_id, received_at)"
                " VALUES ($1, $2, $3, $4, $5, 1, 'R1', 0, $6, 'c', now())",
                partner_id,
                session_id,
                locations[location],
                tag,
                clock(when),
                seq,
            )
        if reads:
            await conn.execute(
                "UPDATE timing_sessions SET last_read_at = now() WHERE id = $1", session_id
            )
    return session_id, locations


async def seed_participant(
    pool: Any, partner_id: int, event: str, bib: str, tag: str, first: str, last: str
) -> int:
    async with pool.acquire() as conn:
        return await conn.fetchval(
            "INSERT INTO participants (partner_id, event_name, bib, tag, first_name, last_name)"
            " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            partner_id,
            event,
            bib,
            tag,
            first,
            last,
        )


async def store_read(
    pool: Any,
    partner_id: int,
    session_id: int,
    location_id: int,
    location: str,
    tag: str,
    when: str,
) -> StoredRead:
    """Insert a read the way ingest does and return what ingest would publish."""
    received = datetime.now(UTC)
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "INSERT INTO timing_reads (partner_id, session_id, location_id, tag, local_time,"
            " lap, reader_id, gator, sequence, connection_id, received_at)"
            " VALUES ($1, $2, $3, $4, $5, 1, 'R1', 0, 999, 'c', $6) RETURNING id",
            partner_id,
            session_id,
            location_id,
            tag,
            clock(when),
            received,
        )
    return StoredRead(
        row["id"],
        partner_id,
        session_id,
        location_id,
        location,
        tag,
        clock(when),
        1,
        "R1",
        0,
        999,
        received,
    )
