"""Sign in, sign out and switching partner (first-run setup: p88.web.views.first_run)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from quart import Blueprint, redirect, render_template, request
from quart.typing import ResponseReturnValue
from werkzeug.urls import iri_to_uri

from p88.db.accounts import (
    membership,
    memberships_of,
    platform_admin_exists,
    user_by_email,
)
from p88.db.audit import record
from p88.db.login_sessions import create_session, revoke_token, set_session_partner
from p88.db.partners import all_partners, partner_by_id
from p88.db.pool import Connection, Pool
from p88.web.auth import (
    clear_session_cookie,
    client_address,
    current_session,
    current_user,
    require_signed_in,
    set_session_cookie,
    signed_in_user,
)
from p88.web.auth.identity import SESSION_COOKIE
from p88.web.auth.signin import check_password as check_sign_in
from p88.web.forms import form_fields, parse_id
from p88.web.services import services

bp = Blueprint("signin", __name__)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe_next(target: str | None) -> str:
    """Only same-site paths: never send someone to another site after signing in.

    Control characters go home too: CR/LF would break the Location header (a 500 after the
    session was made), and browsers drop tabs and newlines, so "/\t/evil" means //evil.
    The result is ASCII (iri_to_uri), so any header encoding takes it."""
    if not target or len(target) > 2000 or _CONTROL.search(target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target:
        return "/"
    return iri_to_uri(target)


async def start_session(
    user_id: int, email: str, partner_id: int | None, target: str
) -> ResponseReturnValue:
    """Create the server-side session and send the browser on with its cookie. The response
    is built first: nothing after the session row may fail, or the row and its audit entry
    would stay behind with no cookie sent."""
    response = redirect(safe_next(target))
    address = client_address()
    async with services().pool.acquire() as conn:
        if partner_id is None:
            found = await memberships_of(conn, user_id)
            partner_id = found[0].partner_id if found else None
        token = await create_session(
            conn, user_id, partner_id, address, request.headers.get("User-Agent", "")
        )
        await record(
            conn,
            "sign-in",
            partner_id=partner_id,
            actor_id=user_id,
            actor_email=email,
            address=address,
        )
    set_session_cookie(response, token)
    return response


async def record_failure(conn: Connection, email: str, address: str, message: str) -> None:
    """One platform entry, plus one per partner of an existing account so its owners see
    attempts on their people (owners never learn about addresses outside their company)."""
    detail = "locked by the throttle" if "Too many" in message else "wrong email or password"
    known = await user_by_email(conn, email) if len(email) <= 254 else None
    partners = [m.partner_id for m in await memberships_of(conn, known.id)] if known else []
    for partner_id in [None, *partners]:
        await record(
            conn,
            "sign-in failed",
            partner_id=partner_id,
            actor_id=known.id if known else None,
            actor_email=email,
            address=address,
            detail=detail,
        )


@bp.get("/login")
async def login_form() -> ResponseReturnValue:
    if signed_in_user() is not None:
        return redirect(safe_next(request.args.get("next")))
    return await render_template(
        "auth/login.html",
        next=request.args.get("next", ""),
        email="",
        setup_needed=await setup_needed(services().pool),
    )


@bp.post("/login")
async def login() -> ResponseReturnValue:
    form = await form_fields()
    email, password = form.get("email", "").strip(), form.get("password", "")
    target = form.get("next", "")
    address = client_address()
    async with services().pool.acquire() as conn:
        result = await check_sign_in(conn, email, password, address)
        if result.user is None:
            await record_failure(conn, email[:254], address, result.message)
    if result.user is None:
        page = await render_template(
            "auth/login.html", error=result.message, next=target, email=email[:254]
        )
        return page, 401
    return await start_session(result.user.id, result.user.email, None, target)


@bp.post("/logout")
async def logout() -> ResponseReturnValue:
    token = request.cookies.get(SESSION_COOKIE)
    user = signed_in_user()
    if token:
        async with services().pool.acquire() as conn:
            await revoke_token(conn, token)
            if user is not None:
                await record(
                    conn,
                    "sign-out",
                    partner_id=current_session().partner_id,
                    actor_id=user.id,
                    actor_email=user.email,
                    address=client_address(),
                )
    response = redirect("/login")
    clear_session_cookie(response)
    return response


@bp.get("/switch-partner")
@require_signed_in
async def switch_form() -> ResponseReturnValue:
    user = current_user()
    async with services().pool.acquire() as conn:
        mine = await memberships_of(conn, user.id)
        others = []
        if user.is_platform_admin:
            member_ids = {m.partner_id for m in mine}
            others = [p for p in await all_partners(conn) if p.id not in member_ids]
    return await render_template("auth/switch.html", memberships=mine, others=others)


@bp.post("/switch-partner")
@require_signed_in
async def switch() -> ResponseReturnValue:
    user = current_user()
    form = await form_fields()
    partner_id = parse_id(form.get("partner_id", ""))
    if partner_id is None:
        return await render_template("auth/not_found.html", what="timing company"), 404
    async with services().pool.acquire() as conn:
        allowed = await membership(conn, user.id, partner_id) is not None
        if not allowed and user.is_platform_admin:
            allowed = await partner_by_id(conn, partner_id) is not None
        if not allowed:
            return await render_template("auth/not_found.html", what="timing company"), 404
        await set_session_partner(conn, current_session().id, partner_id)
    return redirect("/")


async def setup_needed(pool: Pool) -> bool:
    async with pool.acquire() as conn:
        return not await platform_admin_exists(conn)
