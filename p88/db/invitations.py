"""Invitations: a one-time link that makes its holder a member of a partner with a role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from p88.db.accounts import set_membership
from p88.db.login_sessions import new_token, token_digest
from p88.db.pool import Connection

INVITE_VALID = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Invitation:
    id: int
    partner_id: int
    partner_name: str
    email: str
    role: str
    created_at: datetime
    expires_at: datetime
    state: str  # pending, accepted, expired, revoked


STATE = (
    "CASE WHEN i.used_at IS NOT NULL THEN 'accepted' WHEN i.revoked_at IS NOT NULL THEN 'revoked' "
    "WHEN i.expires_at <= now() THEN 'expired' ELSE 'pending' END"
)
SELECT = (
    f"SELECT i.id, i.partner_id, p.name, i.email, i.role, i.created_at, i.expires_at, {STATE} "
    "FROM invitations i JOIN partners p ON p.id = i.partner_id "
)


async def create_invitation(
    conn: Connection, partner_id: int, email: str, role: str, invited_by: int | None
) -> str:
    """Store the invitation (email and role already checked); return the secret token."""
    token = new_token()
    await conn.execute(
        "INSERT INTO invitations (partner_id, email, role, token_hash, invited_by, expires_at) "
        "VALUES ($1, $2, $3, $4, $5, now() + $6::interval)",
        partner_id,
        email,
        role,
        token_digest(token),
        invited_by,
        INVITE_VALID,
    )
    return token


async def invitations_of(conn: Connection, partner_id: int) -> list[Invitation]:
    rows = await conn.fetch(
        SELECT + "WHERE i.partner_id = $1 ORDER BY i.created_at DESC LIMIT 200", partner_id
    )
    return [Invitation(*tuple(r)) for r in rows]


async def revoke_invitation(conn: Connection, partner_id: int, invitation_id: int) -> str | None:
    email = await conn.fetchval(
        "UPDATE invitations SET revoked_at = now() WHERE id = $1 AND partner_id = $2 "
        "AND used_at IS NULL AND revoked_at IS NULL RETURNING email",
        invitation_id,
        partner_id,
    )
    return None if email is None else str(email)


async def invitation_by_token(conn: Connection, token: str) -> Invitation | None:
    """Looked up by its holder, outside any tenant transaction (the token is the proof)."""
    if not token or len(token) > 200:
        return None
    row = await conn.fetchrow(SELECT + "WHERE i.token_hash = $1", token_digest(token))
    return None if row is None else Invitation(*tuple(row))


async def accept(conn: Connection, invitation: Invitation, user_id: int) -> bool:
    """Use the invitation for `user_id`; False if it was used, revoked or expired meanwhile."""
    status = await conn.execute(
        "UPDATE invitations SET used_at = now(), used_by = $2 WHERE id = $1 AND used_at IS NULL "
        "AND revoked_at IS NULL AND expires_at > now()",
        invitation.id,
        user_id,
    )
    if not status.endswith(" 1"):
        return False
    await set_membership(conn, user_id, invitation.partner_id, invitation.role)
    return True
