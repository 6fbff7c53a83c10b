"""The audit log: who did what, when and from where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from p88.db.pool import Connection, Row

MAX_DETAIL = 500


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    partner_id: int | None
    partner_slug: str | None
    at: datetime
    actor_email: str
    action: str
    detail: str
    address: str


async def record(
    conn: Connection,
    action: str,
    *,
    partner_id: int | None,
    actor_id: int | None,
    actor_email: str,
    address: str,
    detail: str = "",
) -> None:
    """Write one entry. Inside a tenant transaction partner_id must be that partner (RLS)."""
    await conn.execute(
        "INSERT INTO audit_log (partner_id, actor_id, actor_email, action, detail, address) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        partner_id,
        actor_id,
        actor_email[:254],
        action,
        detail[:MAX_DETAIL],
        address[:100],
    )


SELECT = (
    "SELECT a.id, a.partner_id, p.slug, a.at, a.actor_email, a.action, a.detail, a.address "
    "FROM audit_log a LEFT JOIN partners p ON p.id = a.partner_id "
)


def _entries(rows: list[Row]) -> list[AuditEntry]:
    return [AuditEntry(*tuple(r)) for r in rows]


async def partner_entries(conn: Connection, partner_id: int, limit: int = 200) -> list[AuditEntry]:
    rows = await conn.fetch(
        SELECT + "WHERE a.partner_id = $1 ORDER BY a.at DESC, a.id DESC LIMIT $2", partner_id, limit
    )
    return _entries(rows)


async def all_entries(conn: Connection, limit: int = 300) -> list[AuditEntry]:
    rows = await conn.fetch(SELECT + "ORDER BY a.at DESC, a.id DESC LIMIT $1", limit)
    return _entries(rows)
