"""Participants: the record, and the queries of the participants pages, the hub and the CSV
import's uploads. Every function takes a connection of a tenant transaction and filters by
partner itself too (row-level security is the second wall)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import astuple, dataclass, fields
from datetime import date, timedelta

from p88.db.pool import Connection, Row


@dataclass(frozen=True, slots=True)
class ParticipantFields:
    """What one valid CSV row (or the edit form) says about a runner, before it is stored."""

    bib: str
    tag: str
    first_name: str = ""
    last_name: str = ""
    gender: str | None = None  # 'M', 'F', 'X' or unknown
    age: int | None = None
    age_group: str = ""
    city: str = ""
    state: str = ""
    country: str = ""
    team: str = ""
    wave: str = ""
    vip: bool = False
    message: str = ""
    pronunciation: str = ""
    course: str = ""  # which race of the event (5K, 10K ...): results rank per course
    date_of_birth: date | None = None
    division: str = ""  # Masters, Clydesdale, wheelchair ...; not the age group


@dataclass(frozen=True, slots=True, kw_only=True)
class Participant(ParticipantFields):
    """One stored runner of an event: its fields, and its id and event. `tag` is what the
    hardware reads; it may differ from `bib`."""

    id: int
    event_name: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


FIELD_NAMES = [f.name for f in fields(ParticipantFields)]
"""The stored fields of a participant, in ParticipantFields' order."""

COLUMNS = (
    "id, event_name, bib, tag, first_name, last_name, gender, age, age_group, city, state, "
    "country, team, wave, vip, message, pronunciation, course, date_of_birth, division"
)
FOR_TAGS = f"""
SELECT {COLUMNS} FROM participants
WHERE partner_id = $1 AND event_name = $2 AND tag = ANY($3::text[])
"""

LIST = f"""
SELECT {COLUMNS} FROM participants
WHERE partner_id = $1 AND event_name = $2
  AND ($3 = '' OR bib = $3 OR tag = $3
       OR (first_name || ' ' || last_name) ILIKE '%' || $3 || '%'
       OR team ILIKE '%' || $3 || '%')
ORDER BY last_name, first_name, bib
LIMIT $4
"""

COUNT = "SELECT count(*) FROM participants WHERE partner_id = $1 AND event_name = $2"

BY_ID = f"SELECT {COLUMNS} FROM participants WHERE partner_id = $1 AND id = $2"

UPDATE = f"""
UPDATE participants SET
    {", ".join(f"{n} = ${i + 3}" for i, n in enumerate(FIELD_NAMES))},
    updated_at = now()
WHERE partner_id = $1 AND id = $2
"""

# Events that have participants or a timing session, newest activity first.
EVENTS = """
SELECT event_name, max(at) AS at FROM (
    SELECT event_name, updated_at AS at FROM participants WHERE partner_id = $1
    UNION ALL
    SELECT event_name, coalesce(last_read_at, created_at) FROM timing_sessions
    WHERE partner_id = $1
) e GROUP BY event_name ORDER BY max(at) DESC, event_name
"""


def participant_from_row(row: Row) -> Participant:
    return Participant(**dict(row))


async def participants_for_tags(
    conn: Connection, partner_id: int, event_name: str, tags: Iterable[str]
) -> dict[str, Participant]:
    """Participant by tag, for the tags that have one (a read's tag matches participant.tag)."""
    wanted = list(set(tags))
    if not wanted:
        return {}
    rows = await conn.fetch(FOR_TAGS, partner_id, event_name, wanted)
    return {row["tag"]: participant_from_row(row) for row in rows}


async def list_participants(
    conn: Connection, partner_id: int, event_name: str, search: str = "", limit: int = 500
) -> list[Participant]:
    rows = await conn.fetch(LIST, partner_id, event_name, search.strip(), limit)
    return [participant_from_row(r) for r in rows]


async def count_participants(conn: Connection, partner_id: int, event_name: str) -> int:
    count: int = await conn.fetchval(COUNT, partner_id, event_name)
    return count


async def participant_by_id(
    conn: Connection, partner_id: int, participant_id: int
) -> Participant | None:
    row = await conn.fetchrow(BY_ID, partner_id, participant_id)
    return None if row is None else participant_from_row(row)


CONFLICT = """
SELECT bib, tag FROM participants
WHERE partner_id = $1 AND event_name = $2 AND id <> $3 AND (bib = $4 OR tag = $5)
LIMIT 1
"""


class ParticipantConflict(Exception):
    """Another runner of the event already has this bib or tag."""


async def update_participant(
    conn: Connection, partner_id: int, participant: Participant, values: ParticipantFields
) -> bool:
    """Save the edit form; raises ParticipantConflict when the bib or tag belongs to another."""
    participant_id = participant.id
    other = await conn.fetchrow(
        CONFLICT, partner_id, participant.event_name, participant_id, values.bib, values.tag
    )
    if other is not None:
        if other["bib"] == values.bib:
            raise ParticipantConflict(f"bib {values.bib} belongs to another runner of this event")
        raise ParticipantConflict(
            f"tag {values.tag} is already worn by bib {other['bib']}: change that runner first"
        )
    status = await conn.execute(UPDATE, partner_id, participant_id, *astuple(values))
    return bool(status == "UPDATE 1")


async def event_names(conn: Connection, partner_id: int) -> list[str]:
    return [row["event_name"] for row in await conn.fetch(EVENTS, partner_id)]


UPLOAD_KEEP = timedelta(days=1)


async def save_upload(
    conn: Connection, partner_id: int, event_name: str, filename: str, data: bytes, summary: str
) -> int:
    """Keep an uploaded file and what reading it found (JSON) until the operator confirms the
    mapping; clears stale uploads."""
    await conn.execute(
        "DELETE FROM participant_uploads WHERE partner_id = $1 "
        "AND created_at < now() - $2::interval",
        partner_id,
        UPLOAD_KEEP,
    )
    upload_id: int = await conn.fetchval(
        "INSERT INTO participant_uploads (partner_id, event_name, filename, data, summary) "
        "VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING id",
        partner_id,
        event_name,
        filename[:200],
        data,
        summary,
    )
    return upload_id


async def load_upload_summary(
    conn: Connection, partner_id: int, upload_id: int
) -> tuple[str, str, str | None] | None:
    """(event name, file name, summary JSON or None) of a kept upload, or None; not its bytes."""
    row = await conn.fetchrow(
        "SELECT event_name, filename, summary::text AS summary FROM participant_uploads "
        "WHERE partner_id = $1 AND id = $2",
        partner_id,
        upload_id,
    )
    return None if row is None else (row["event_name"], row["filename"], row["summary"])


async def load_upload_data(conn: Connection, partner_id: int, upload_id: int) -> bytes | None:
    data = await conn.fetchval(
        "SELECT data FROM participant_uploads WHERE partner_id = $1 AND id = $2",
        partner_id,
        upload_id,
    )
    return None if data is None else bytes(data)


async def save_upload_summary(
    conn: Connection, partner_id: int, upload_id: int, summary: str
) -> None:
    await conn.execute(
        "UPDATE participant_uploads SET summary = $3::jsonb WHERE partner_id = $1 AND id = $2",
        partner_id,
        upload_id,
        summary,
    )


async def claim_upload(conn: Connection, partner_id: int, upload_id: int) -> bool:
    """Delete a kept upload as its import starts (in the import's transaction). False when it
    is gone: imported already (a second click), or never this partner's."""
    status = await conn.execute(
        "DELETE FROM participant_uploads WHERE partner_id = $1 AND id = $2", partner_id, upload_id
    )
    return bool(status == "DELETE 1")
