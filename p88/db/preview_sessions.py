"""Timing sessions as the template builder's live preview needs them: which are live, and one
session's event and time zone (for its feed and its race clock). Lighter than p88.db.sessions'
summaries (no read counts), because the builder asks on every page load.

Tenant queries: run inside `tenant_transaction`; each filters by partner too.
"""

from __future__ import annotations

from dataclasses import dataclass

from p88.db.pool import Connection, Row


@dataclass(frozen=True, slots=True)
class PreviewSession:
    id: int
    name: str
    event_name: str
    timezone: str


PREVIEW_SESSIONS = """
SELECT s.id, s.name, s.event_name, s.timezone
FROM timing_sessions s
WHERE s.partner_id = $1
  AND ($2::bigint IS NULL OR s.id = $2)
  AND ($3::text IS NULL OR s.status = $3)
ORDER BY s.last_read_at DESC NULLS LAST, s.created_at DESC, s.id DESC
"""


def _session(row: Row) -> PreviewSession:
    return PreviewSession(row["id"], row["name"], row["event_name"], row["timezone"])


async def live_preview_sessions(conn: Connection, partner_id: int) -> list[PreviewSession]:
    """The partner's live sessions, most recently read first."""
    rows = await conn.fetch(PREVIEW_SESSIONS, partner_id, None, "live")
    return [_session(row) for row in rows]


async def preview_session(
    conn: Connection, partner_id: int, session_id: int
) -> PreviewSession | None:
    """One of the partner's sessions, live or not (another partner's id: None)."""
    rows = await conn.fetch(PREVIEW_SESSIONS, partner_id, session_id, None)
    return _session(rows[0]) if rows else None
