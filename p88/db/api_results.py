"""The data API's writes to results: corrections made and undone by an API key (the key is
who did it, sql/0064), and the key's name for the audit log."""

from __future__ import annotations

import json
from typing import Any

from p88.db.pool import Connection

KEY_NAME = "SELECT name FROM api_keys WHERE partner_id = $1 AND id = $2"

ADD_CORRECTION_BY_KEY = """
INSERT INTO results_corrections
    (partner_id, session_id, kind, bib, payload, before, reason, created_by_key)
VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8)
RETURNING id
"""

UNDO_CORRECTION_BY_KEY = """
UPDATE results_corrections SET undone_at = now(), undone_by_key = $4
WHERE partner_id = $1 AND session_id = $2 AND id = $3 AND undone_at IS NULL
RETURNING id
"""


async def key_name(conn: Connection, partner_id: int, key_id: int) -> str:
    name: str | None = await conn.fetchval(KEY_NAME, partner_id, key_id)
    return name or f"#{key_id}"


async def add_correction_by_key(
    conn: Connection,
    partner_id: int,
    session_id: int,
    stored: tuple[str, str, dict[str, Any]],
    before: dict[str, Any] | None,
    reason: str,
    key_id: int,
) -> int:
    kind, bib, payload = stored
    new_id: int = await conn.fetchval(
        ADD_CORRECTION_BY_KEY,
        partner_id,
        session_id,
        kind,
        bib,
        json.dumps(payload),
        None if before is None else json.dumps(before),
        reason,
        key_id,
    )
    return new_id


async def undo_correction_by_key(
    conn: Connection, partner_id: int, session_id: int, correction_id: int, key_id: int
) -> bool:
    found = await conn.fetchval(
        UNDO_CORRECTION_BY_KEY, partner_id, session_id, correction_id, key_id
    )
    return found is not None
