"""Who unauthenticated middleware belongs to, and the reads it left unassigned.

Precedence: the company chosen in the web app (first-run setup, Platform -> Unassigned reads),
kept in `platform_settings`, wins; with none chosen, `collector.anonymous_partner` in p88.toml
names the company that holds those reads (`default`, which nobody belongs to, unless
configured). Reads held there are "unassigned" until a platform admin hands their session to
a company (p88.db.handover). Platform-wide queries: owner connections, never tenant ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from p88.db.partners import Partner, partner_by_slug
from p88.db.pool import Connection
from p88.db.types import Queries, Row

RECENT_MINUTES = 15
"""Reads held unassigned within this many minutes raise the dashboard's banner."""

UNAUTHENTICATED_PARTNER = """
SELECT p.id, p.slug, p.name FROM partners p
WHERE p.id = coalesce((SELECT unauthenticated_partner_id FROM platform_settings),
                      (SELECT id FROM partners WHERE slug = $1))
"""
CHOSEN_PARTNER = """
SELECT p.id, p.slug, p.name FROM platform_settings s JOIN partners p
ON p.id = s.unauthenticated_partner_id
"""
CHOOSE_PARTNER = """
INSERT INTO platform_settings (unauthenticated_partner_id, updated_by) VALUES ($1, $2)
ON CONFLICT (only_row) DO UPDATE
SET unauthenticated_partner_id = EXCLUDED.unauthenticated_partner_id,
    updated_by = EXCLUDED.updated_by, updated_at = now()
"""
RECENTLY_HELD = """
SELECT event_name, day, last_read_at FROM timing_sessions
WHERE partner_id = $1 AND last_read_at >= now() - make_interval(mins => $2)
ORDER BY last_read_at DESC
"""
OTHER_PARTNERS = "SELECT id, slug, name FROM partners WHERE id <> $1 ORDER BY name, id"
TWO_OTHERS = "SELECT id, slug, name FROM partners WHERE id <> $1 ORDER BY id LIMIT 2"
RECENTLY_RECEIVED = """
SELECT DISTINCT event_name FROM session_handovers
WHERE from_partner_id = $1 AND to_partner_id = $2 AND handed_at >= now() - interval '2 days'
"""


@dataclass(frozen=True, slots=True)
class HeldRecently:
    event_name: str
    day: date
    last_read_at: datetime


def _partner(row: Row | None) -> Partner | None:
    return None if row is None else Partner(row["id"], row["slug"], row["name"])


async def unauthenticated_partner(queries: Queries, configured_slug: str) -> Partner | None:
    """The company an unauthenticated connection belongs to now; None refuses it."""
    return _partner(await queries.fetchrow(UNAUTHENTICATED_PARTNER, configured_slug))


async def chosen_partner(conn: Connection) -> Partner | None:
    """The company chosen in the web app, if one was."""
    return _partner(await conn.fetchrow(CHOSEN_PARTNER))


async def choose_partner(conn: Connection, partner_id: int | None, user_id: int | None) -> None:
    """Give unauthenticated middleware to `partner_id`; None keeps its reads unassigned."""
    await conn.execute(CHOOSE_PARTNER, partner_id, user_id)


async def holding_partner(conn: Connection, configured_slug: str) -> Partner | None:
    """The company that holds unassigned reads (collector.anonymous_partner), if it exists."""
    if not configured_slug:
        return None
    return await partner_by_slug(conn, configured_slug)


async def held_recently(
    conn: Connection, holding_id: int, minutes: int = RECENT_MINUTES
) -> list[HeldRecently]:
    """The held sessions that got reads within `minutes`, newest first."""
    rows = await conn.fetch(RECENTLY_HELD, holding_id, minutes)
    return [HeldRecently(r[0], r[1], r[2]) for r in rows]


async def receiving_partners(conn: Connection, holding_id: int) -> list[Partner]:
    """Every company a held session may be handed to, by name."""
    return [Partner(r[0], r[1], r[2]) for r in await conn.fetch(OTHER_PARTNERS, holding_id)]


async def events_received(conn: Connection, holding_id: int, partner_id: int) -> set[str]:
    """Events handed from the holding company to `partner_id` within two days: connections
    still streaming them under the holding company are its own (an event name comes back
    year after year; an old hand-over says nothing about this year's hardware)."""
    return {r[0] for r in await conn.fetch(RECENTLY_RECEIVED, holding_id, partner_id)}


async def expected_receiver(conn: Connection, holding_id: int) -> Partner | None:
    """The company unassigned reads most likely belong to, which is told when they arrive: the
    one chosen for unauthenticated middleware (reads still arrive held from connections opened
    before the choice), else the install's only company. None on an install of several
    companies with no choice: telling each would mislead all but one, and tell them about the
    others' hardware."""
    chosen = await chosen_partner(conn)
    if chosen is not None:
        return None if chosen.id == holding_id else chosen
    others = await conn.fetch(TWO_OTHERS, holding_id)
    return _partner(others[0]) if len(others) == 1 else None
