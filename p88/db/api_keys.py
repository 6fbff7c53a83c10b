"""API keys for the data API: named, revocable, last use recorded, stored as SHA-256.

The data API authenticates a request with `authenticate(pool_conn, presented)`, which also
records the use and counts the request in the partner's usage.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from p88.db.pool import Connection
from p88.db.usage import record_api_request

KEY_PREFIX = "p88_"
MAX_NAME = 100


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class ApiCaller:
    partner_id: int
    key_id: int


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


async def create_key(
    conn: Connection, partner_id: int, name: str, created_by: int
) -> tuple[int, str]:
    """Store a new key; return its id and the key itself, which is shown once and never again."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    key_id = await conn.fetchval(
        "INSERT INTO api_keys (partner_id, name, prefix, key_hash, created_by) "
        "VALUES ($1, $2, $3, $4, $5) RETURNING id",
        partner_id,
        name,
        key[:10],
        _digest(key),
        created_by,
    )
    return int(key_id), key


async def keys_of(conn: Connection, partner_id: int) -> list[ApiKey]:
    rows = await conn.fetch(
        "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys "
        "WHERE partner_id = $1 ORDER BY revoked_at IS NOT NULL, created_at DESC",
        partner_id,
    )
    return [ApiKey(*tuple(r)) for r in rows]


async def revoke_key(conn: Connection, partner_id: int, key_id: int) -> str | None:
    """Revoke; the key's name, or None if it is not the partner's or already revoked."""
    name = await conn.fetchval(
        "UPDATE api_keys SET revoked_at = now() "
        "WHERE id = $1 AND partner_id = $2 AND revoked_at IS NULL RETURNING name",
        key_id,
        partner_id,
    )
    return None if name is None else str(name)


async def authenticate(conn: Connection, presented: str) -> ApiCaller | None:
    """The partner a presented key belongs to (None if unknown or revoked); notes the use."""
    if not presented.startswith(KEY_PREFIX) or len(presented) > 100:
        return None
    row = await conn.fetchrow(
        "UPDATE api_keys SET last_used_at = now() WHERE key_hash = $1 AND revoked_at IS NULL "
        "RETURNING id, partner_id",
        _digest(presented),
    )
    if row is None:
        return None
    await record_api_request(conn, row["partner_id"])
    return ApiCaller(row["partner_id"], row["id"])
