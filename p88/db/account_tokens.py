"""One-time links: first-run setup of the platform admin, and password resets.

Only the SHA-256 of a token is stored. A token works once, before its expiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from p88.db.login_sessions import new_token, token_digest
from p88.db.pool import Connection

SETUP_VALID = timedelta(hours=24)
RESET_VALID = timedelta(hours=24)
INVITE_VALID = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class AccountToken:
    id: int
    purpose: str
    user_id: int | None
    expires_at: datetime
    used: bool
    expired: bool


async def issue(conn: Connection, purpose: str, user_id: int | None, valid: timedelta) -> str:
    token = new_token()
    await conn.execute(
        "INSERT INTO account_tokens (purpose, token_hash, user_id, expires_at) "
        "VALUES ($1, $2, $3, now() + $4::interval)",
        purpose,
        token_digest(token),
        user_id,
        valid,
    )
    return token


async def issue_setup(conn: Connection) -> str:
    """A new setup link; earlier unused ones stop working so only the latest printed is valid."""
    await conn.execute(
        "UPDATE account_tokens SET used_at = now() WHERE purpose = 'setup' AND used_at IS NULL"
    )
    return await issue(conn, "setup", None, SETUP_VALID)


async def issue_reset(conn: Connection, user_id: int) -> str:
    await conn.execute(
        "UPDATE account_tokens SET used_at = now() "
        "WHERE purpose = 'reset' AND user_id = $1 AND used_at IS NULL",
        user_id,
    )
    return await issue(conn, "reset", user_id, RESET_VALID)


async def find(conn: Connection, purpose: str, token: str) -> AccountToken | None:
    if not token or len(token) > 200:
        return None
    row = await conn.fetchrow(
        "SELECT id, purpose, user_id, expires_at, used_at IS NOT NULL AS used, "
        "expires_at <= now() AS expired FROM account_tokens "
        "WHERE token_hash = $1 AND purpose = $2",
        token_digest(token),
        purpose,
    )
    return None if row is None else AccountToken(*tuple(row))


async def consume(conn: Connection, token_id: int) -> bool:
    """Mark the token used; False if someone else used it first (a replayed form)."""
    status = await conn.execute(
        "UPDATE account_tokens SET used_at = now() "
        "WHERE id = $1 AND used_at IS NULL AND expires_at > now()",
        token_id,
    )
    return bool(status.endswith(" 1"))
