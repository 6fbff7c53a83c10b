"""Who opens a signed-in push socket (a session's live reads, the builder's preview): the
operator's session cookie, as on every page, from the operator's own site only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from p88.db.accounts import role_rank
from p88.db.pool import Connection
from p88.db.tenancy import tenant_transaction
from p88.web.auth.identity import SESSION_COOKIE, CurrentPartner, is_cross_site, resolve_identity
from p88.web.push.server import Upgrade
from p88.web.push.socket import PushSocket
from p88.web.services import WebServices

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Refused:
    status: int
    message: str


async def signed_in_partner(
    services: WebServices, upgrade: Upgrade, minimum: str
) -> CurrentPartner | Refused:
    """The partner the socket's operator works in, if they hold at least `minimum`."""
    origin = upgrade.headers.get("origin")
    host = upgrade.headers.get("host", "")
    if is_cross_site(origin, host, services.config.web.public_url):
        return Refused(401, "not signed in: this live connection is for p88's own pages")
    token = upgrade.cookie(SESSION_COOKIE) or ""
    async with services.pool.acquire() as conn:
        identity = await resolve_identity(conn, token)
    if identity is None:
        return Refused(401, "not signed in: sign in first")
    partner = identity.partner
    if partner is None:
        return Refused(403, "you are not a member of any timing company yet")
    if role_rank(partner.role) < role_rank(minimum):
        return Refused(403, f"this needs the {minimum} role; yours is {partner.role}")
    return partner


async def admit_member(
    services: WebServices, upgrade: Upgrade, socket: PushSocket, minimum: str
) -> CurrentPartner | None:
    """The signed-in partner, or None after refusing the handshake with 401/403."""
    found = await signed_in_partner(services, upgrade, minimum)
    if isinstance(found, Refused):
        await socket.reject(found.status, found.message)
        return None
    return found


async def admit_to_session(
    services: WebServices,
    upgrade: Upgrade,
    socket: PushSocket,
    lookup: Callable[[Connection, int, int], Awaitable[T | None]],
) -> tuple[CurrentPartner, T] | None:
    """A viewer (or more) of the company and its session the address names, as `lookup`
    (connection, partner id, session id) finds it; None after refusing the handshake with
    401/403, or 404 when the company has no such session."""
    partner = await admit_member(services, upgrade, socket, "viewer")
    if partner is None:
        return None
    session_id = int(upgrade.params["session_id"])
    async with tenant_transaction(services.pool, partner.id) as conn:
        session = await lookup(conn, partner.id, session_id)
    if session is None:
        await socket.reject(404, "no such timing session")
        return None
    return partner, session
