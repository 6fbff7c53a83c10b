"""Server-side sign-ins: the browser holds a random token, PostgreSQL holds its SHA-256.

A session ends when it is revoked, after IDLE without a request, or at ABSOLUTE after sign-in,
whichever comes first.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from p88.db.pool import Connection, Row

IDLE = timedelta(hours=12)
ABSOLUTE = timedelta(days=14)
# last_seen is written at most this often, so browsing does not write on every page.
TOUCH_EVERY = timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class LoginSession:
    id: int
    user_id: int
    partner_id: int | None
    created_at: datetime
    last_seen_at: datetime
    address: str
    user_agent: str


@dataclass(frozen=True, slots=True)
class LiveSession:
    """The session a request presented, with what the request needs about its user."""

    session: LoginSession
    email: str
    name: str
    is_platform_admin: bool


SESSION_COLUMNS = (
    "s.id, s.user_id, s.partner_id, s.created_at, s.last_seen_at, s.address, s.user_agent"
)


def _session(r: Row) -> LoginSession:
    return LoginSession(
        r["id"],
        r["user_id"],
        r["partner_id"],
        r["created_at"],
        r["last_seen_at"],
        r["address"],
        r["user_agent"],
    )


async def create_session(
    conn: Connection, user_id: int, partner_id: int | None, address: str, user_agent: str
) -> str:
    """Start a session and return the token for the cookie (it is not stored anywhere)."""
    token = new_token()
    await conn.execute(
        "INSERT INTO login_sessions (token_hash, user_id, partner_id, idle_expires_at, "
        "absolute_expires_at, address, user_agent) "
        "VALUES ($1, $2, $3, now() + $4::interval, now() + $5::interval, $6, $7)",
        token_digest(token),
        user_id,
        partner_id,
        IDLE,
        ABSOLUTE,
        address[:100],
        user_agent[:300],
    )
    return token


async def live_session(conn: Connection, token: str) -> LiveSession | None:
    """The unexpired, unrevoked session for `token`, its idle expiry pushed forward."""
    row = await conn.fetchrow(
        f"SELECT {SESSION_COLUMNS}, u.email, u.name, u.is_platform_admin "
        "FROM login_sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND u.disabled_at IS NULL "
        "AND s.idle_expires_at > now() AND s.absolute_expires_at > now()",
        token_digest(token),
    )
    if row is None:
        return None
    found = LiveSession(_session(row), row["email"], row["name"], row["is_platform_admin"])
    await conn.execute(
        "UPDATE login_sessions SET last_seen_at = now(), "
        "idle_expires_at = least(now() + $2::interval, absolute_expires_at) "
        "WHERE id = $1 AND last_seen_at < now() - $3::interval",
        found.session.id,
        IDLE,
        TOUCH_EVERY,
    )
    return found


async def sessions_of(conn: Connection, user_id: int) -> list[LoginSession]:
    rows = await conn.fetch(
        f"SELECT {SESSION_COLUMNS} FROM login_sessions s WHERE s.user_id = $1 "
        "AND s.revoked_at IS NULL AND s.idle_expires_at > now() AND s.absolute_expires_at > now() "
        "ORDER BY s.last_seen_at DESC",
        user_id,
    )
    return [_session(r) for r in rows]


async def revoke_session(conn: Connection, user_id: int, session_id: int) -> bool:
    """Revoke one of the user's own sessions; False if it is not theirs or already gone."""
    status = await conn.execute(
        "UPDATE login_sessions SET revoked_at = now() "
        "WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
        session_id,
        user_id,
    )
    return bool(status.endswith(" 1"))


async def revoke_token(conn: Connection, token: str) -> None:
    await conn.execute(
        "UPDATE login_sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL",
        token_digest(token),
    )


async def revoke_all(conn: Connection, user_id: int) -> int:
    """Sign the user out everywhere (password change, reset, "sign out everywhere")."""
    status = await conn.execute(
        "UPDATE login_sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
        user_id,
    )
    return int(status.split()[-1])


async def set_session_partner(conn: Connection, session_id: int, partner_id: int) -> None:
    await conn.execute(
        "UPDATE login_sessions SET partner_id = $2 WHERE id = $1", session_id, partner_id
    )
