"""The data API's participants as a listing (base query: $1 partner, $2 event or NULL), and
whether a bib is taken. Writes go through p88.participants (the CSV import's own checks and
storage)."""

from __future__ import annotations

from p88.db.api_query import BOOL, DATE, INT, TEXT, TIME, Column, Listing
from p88.db.pool import Connection

PARTICIPANTS = Listing(
    "participants",
    """
    SELECT p.id, p.event_name AS event, p.bib, p.tag, p.first_name, p.last_name, p.gender,
           p.age, p.age_group, p.date_of_birth, p.division, p.course, p.city, p.state,
           p.country, p.team, p.wave, p.vip, p.message, p.pronunciation, p.updated_at
    FROM participants p
    WHERE p.partner_id = $1 AND ($2::text IS NULL OR p.event_name = $2)
    """,
    (
        Column("id", INT),
        Column("event", TEXT),
        Column("bib", TEXT),
        Column("tag", TEXT),
        Column("first_name", TEXT),
        Column("last_name", TEXT),
        Column("gender", TEXT),
        Column("age", INT),
        Column("age_group", TEXT),
        Column("date_of_birth", DATE),
        Column("division", TEXT),
        Column("course", TEXT),
        Column("city", TEXT),
        Column("state", TEXT),
        Column("country", TEXT),
        Column("team", TEXT),
        Column("wave", TEXT),
        Column("vip", BOOL),
        Column("message", TEXT),
        Column("pronunciation", TEXT),
        Column("updated_at", TIME),
    ),
    key="id",
    filterable=frozenset(
        {
            "id",
            "event",
            "bib",
            "tag",
            "first_name",
            "last_name",
            "gender",
            "age",
            "age_group",
            "division",
            "course",
            "city",
            "country",
            "team",
            "wave",
            "vip",
            "updated_at",
        }
    ),
)


async def participant_id_of(
    conn: Connection, partner_id: int, event_name: str, bib: str
) -> int | None:
    found = await conn.fetchval(
        "SELECT id FROM participants WHERE partner_id = $1 AND event_name = $2 AND bib = $3",
        partner_id,
        event_name,
        bib,
    )
    return None if found is None else int(found)
