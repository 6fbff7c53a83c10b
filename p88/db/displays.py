"""Queries over `displays`. Operator queries run inside `tenant_transaction` and filter by
partner themselves; `display_row_by_token` is the one lookup made before a partner is known.
Rows are raw: p88.displays.store makes them Displays (their options are that package's)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from p88.db.pool import Connection, Row

COLUMNS = """d.id, d.partner_id, d.name, d.template_id, d.session_id, d.locations, d.mode,
d.options, d.expires_at, d.revoked_at, d.created_at, d.rotated_at, s.event_name,
s.name AS session_name, s.status AS session_status, t.name AS template_name"""

FROM = """FROM displays d JOIN timing_sessions s ON s.id = d.session_id
LEFT JOIN templates t ON t.id = d.template_id"""

BY_PARTNER = f"SELECT {COLUMNS} {FROM} WHERE d.partner_id = $1 ORDER BY lower(d.name), d.id"
BY_ID = f"SELECT {COLUMNS} {FROM} WHERE d.id = $1 AND d.partner_id = $2"
BY_TOKEN_HASH = f"SELECT {COLUMNS} {FROM} WHERE d.token_hash = $1"

SESSION_EXISTS = "SELECT 1 FROM timing_sessions WHERE id = $1 AND partner_id = $2"
TEMPLATE_EXISTS = "SELECT 1 FROM templates WHERE id = $1 AND partner_id = $2"

INSERT = """
INSERT INTO displays (partner_id, name, template_id, session_id, locations, mode, options,
                      token_hash, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9) RETURNING id
"""

UPDATE = """
UPDATE displays SET name = $3, session_id = $4, template_id = $5, locations = $6, mode = $7,
       options = $8::jsonb, expires_at = $9, updated_at = now()
WHERE id = $1 AND partner_id = $2
"""

# Rotating a revoked display brings it back with the new link.
ROTATE = """
UPDATE displays SET token_hash = $3, rotated_at = now(), revoked_at = NULL, updated_at = now()
WHERE id = $1 AND partner_id = $2
"""

REVOKE = """
UPDATE displays SET revoked_at = now(), updated_at = now()
WHERE id = $1 AND partner_id = $2 AND revoked_at IS NULL
"""

DELETE = "DELETE FROM displays WHERE id = $1 AND partner_id = $2"

COUNT_LIVE = """
SELECT count(*) FROM displays WHERE partner_id = $1 AND revoked_at IS NULL
  AND (expires_at IS NULL OR expires_at > now())
"""

TEMPLATE_DOCUMENT = "SELECT document FROM templates WHERE id = $1 AND partner_id = $2"


@dataclass(frozen=True, slots=True)
class DisplayValues:
    """What an operator sets on a display (its options as their JSON object)."""

    name: str
    session_id: int
    template_id: int | None
    locations: Sequence[str]
    mode: str
    options: dict[str, Any]
    expires_at: datetime | None


async def session_exists(conn: Connection, partner_id: int, session_id: int) -> bool:
    return await conn.fetchval(SESSION_EXISTS, session_id, partner_id) is not None


async def template_exists(conn: Connection, partner_id: int, template_id: int) -> bool:
    return await conn.fetchval(TEMPLATE_EXISTS, template_id, partner_id) is not None


async def insert_display(
    conn: Connection, partner_id: int, values: DisplayValues, token_hash: bytes
) -> int:
    v = values
    display_id: int = await conn.fetchval(
        INSERT,
        partner_id,
        v.name,
        v.template_id,
        v.session_id,
        list(v.locations),
        v.mode,
        json.dumps(v.options),
        token_hash,
        v.expires_at,
    )
    return display_id


async def update_display_row(
    conn: Connection, partner_id: int, display_id: int, values: DisplayValues
) -> None:
    v = values
    await conn.execute(
        UPDATE,
        display_id,
        partner_id,
        v.name,
        v.session_id,
        v.template_id,
        list(v.locations),
        v.mode,
        json.dumps(v.options),
        v.expires_at,
    )


async def display_rows(conn: Connection, partner_id: int) -> list[Row]:
    """The partner's displays, by name."""
    return await conn.fetch(BY_PARTNER, partner_id)


async def display_row(conn: Connection, partner_id: int, display_id: int) -> Row | None:
    return await conn.fetchrow(BY_ID, display_id, partner_id)


async def display_row_by_token(conn: Connection, token_hash: bytes) -> Row | None:
    """The display whose URL token hashes to `token_hash`, whoever's it is (outside any
    tenant transaction: the token is the credential)."""
    return await conn.fetchrow(BY_TOKEN_HASH, token_hash)


async def set_token_hash(conn: Connection, partner_id: int, display_id: int, hashed: bytes) -> None:
    await conn.execute(ROTATE, display_id, partner_id, hashed)


async def revoke_display_row(conn: Connection, partner_id: int, display_id: int) -> None:
    await conn.execute(REVOKE, display_id, partner_id)


async def delete_display_row(conn: Connection, partner_id: int, display_id: int) -> None:
    await conn.execute(DELETE, display_id, partner_id)


async def count_live_displays(conn: Connection, partner_id: int) -> int:
    """Displays whose URL works now (the plan limit counts these)."""
    count: int = await conn.fetchval(COUNT_LIVE, partner_id)
    return count


async def template_document_of(
    conn: Connection, partner_id: int, template_id: int
) -> dict[str, Any] | None:
    raw = await conn.fetchval(TEMPLATE_DOCUMENT, template_id, partner_id)
    if raw is None:
        return None
    document: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else raw
    return document
