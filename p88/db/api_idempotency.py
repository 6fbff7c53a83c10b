"""Writes sent with an Idempotency-Key: the first request claims the key inside its own
transaction, and its answer is kept for a day; a retry gets that answer instead of a second
write. A concurrent retry waits on the claim (the primary key) until the first commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from p88.db.pool import Connection

FORGET_OLD = (
    "DELETE FROM api_idempotency "
    "WHERE api_key_id = $1 AND created_at < $2::timestamptz - interval '24 hours'"
)


@dataclass(frozen=True, slots=True)
class Remembered:
    request_hash: bytes
    status: int
    body: str
    salt: bytes | None


async def claim(
    conn: Connection,
    partner_id: int,
    key_id: int,
    idempotency_key: str,
    request_hash: bytes,
    now: datetime,
) -> Remembered | None:
    """Claim the key for this request (None: go ahead and write), or the answer kept for it.
    Call inside the transaction that makes the write; `settle` fills the answer in."""
    await conn.execute(FORGET_OLD, key_id, now)
    claimed = await conn.fetchval(
        "INSERT INTO api_idempotency (partner_id, api_key_id, idempotency_key, request_hash, "
        "status, body, created_at) VALUES ($1, $2, $3, $4, 202, '', $5) "
        "ON CONFLICT DO NOTHING RETURNING true",
        partner_id,
        key_id,
        idempotency_key,
        request_hash,
        now,
    )
    if claimed:
        return None
    row = await conn.fetchrow(
        "SELECT request_hash, status, body, salt FROM api_idempotency "
        "WHERE api_key_id = $1 AND idempotency_key = $2 AND partner_id = $3",
        key_id,
        idempotency_key,
        partner_id,
    )
    assert row is not None, "a conflicting claim is visible once it committed"
    return Remembered(bytes(row["request_hash"]), row["status"], row["body"], row["salt"])


async def settle(
    conn: Connection,
    key_id: int,
    idempotency_key: str,
    status: int,
    body: str,
    salt: bytes | None = None,
) -> None:
    await conn.execute(
        "UPDATE api_idempotency SET status = $3, body = $4, salt = $5 "
        "WHERE api_key_id = $1 AND idempotency_key = $2",
        key_id,
        idempotency_key,
        status,
        body,
        salt,
    )
