"""The data API's writes to results: corrections made and undone by an API key (the key is
who did it, sql/0064), and the key's name for the audit log."""

from __future__ import annotations

from p88.db.pool import Connection

KEY_NAME = "SELECT name FROM api_keys WHERE partner_id = $1 AND id = $2"


async def key_name(conn: Connection, partner_id: int, key_id: int) -> str:
    name: str | None = await conn.fetchval(KEY_NAME, partner_id, key_id)
    return name or f"#{key_id}"
