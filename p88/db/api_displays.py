"""The data API's displays: the list (base query: $1 partner, $2 event or NULL, $3 now, which
decides a link's state) and the display a key may rotate."""

from __future__ import annotations

from p88.db.api_query import INT, TEXT, TEXT_LIST, TIME, Column, Listing
from p88.db.pool import Connection

DISPLAYS = Listing(
    "displays",
    """
    SELECT d.id, d.name, d.session_id, s.event_name AS event, d.locations AS points, d.mode,
           CASE WHEN d.revoked_at IS NOT NULL THEN 'revoked'
                WHEN d.expires_at <= $3 THEN 'expired' ELSE 'live' END AS state,
           d.expires_at, d.created_at, d.rotated_at, t.name AS template
    FROM displays d
    JOIN timing_sessions s ON s.id = d.session_id AND s.partner_id = d.partner_id
    LEFT JOIN templates t ON t.id = d.template_id AND t.partner_id = d.partner_id
    WHERE d.partner_id = $1 AND ($2::text IS NULL OR s.event_name = $2)
    """,
    (
        Column("id", INT),
        Column("name", TEXT),
        Column("session_id", INT),
        Column("event", TEXT),
        Column("points", TEXT_LIST),
        Column("mode", TEXT),
        Column("state", TEXT),
        Column("expires_at", TIME),
        Column("created_at", TIME),
        Column("rotated_at", TIME),
        Column("template", TEXT),
    ),
    key="id",
    filterable=frozenset({"id", "name", "session_id", "event", "mode", "state"}),
)


async def display_of_key(
    conn: Connection, partner_id: int, event_name: str | None, display_id: int
) -> bool:
    """Whether the display is the key's company's (and event's, if the key has one)."""
    found = await conn.fetchval(
        "SELECT true FROM displays d JOIN timing_sessions s ON s.id = d.session_id "
        "WHERE d.id = $3 AND d.partner_id = $1 AND ($2::text IS NULL OR s.event_name = $2)",
        partner_id,
        event_name,
        display_id,
    )
    return bool(found)


async def display_token_hash(conn: Connection, partner_id: int, display_id: int) -> bytes | None:
    """The sha256 of the display's current link token (to tell whether a rotation replayed by
    its Idempotency-Key is still the latest)."""
    found = await conn.fetchval(
        "SELECT token_hash FROM displays WHERE id = $1 AND partner_id = $2", display_id, partner_id
    )
    return None if found is None else bytes(found)
