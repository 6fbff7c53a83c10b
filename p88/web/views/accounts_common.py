"""Small helpers shared by the accounts views: the pool, audit entries, 404 and notice pages."""

from __future__ import annotations

from quart import render_template

from p88.db.audit import record
from p88.db.pool import Connection
from p88.web.auth import client_address, signed_in_user
from p88.web.services import services


async def audit(conn: Connection, action: str, partner_id: int | None, detail: str = "") -> None:
    """An audit entry by the signed-in person, from this request's address."""
    user = signed_in_user()
    await record(
        conn,
        action,
        partner_id=partner_id,
        actor_id=user.id if user else None,
        actor_email=user.email if user else "",
        address=client_address(),
        detail=detail,
    )


async def not_found(what: str) -> tuple[str, int]:
    return await render_template("auth/not_found.html", what=what), 404


def public_url(path: str) -> str:
    """An absolute link for a person to open (setup, reset and invitation links)."""
    from quart import request

    base = services().config.web.public_url.rstrip("/")
    if not base:
        base = request.host_url.rstrip("/")
    return base + path
