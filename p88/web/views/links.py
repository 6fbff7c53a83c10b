"""Pages opened from one-time links: password reset and invitations."""

from __future__ import annotations

import trio
from quart import Blueprint, redirect, render_template
from quart.typing import ResponseReturnValue

from p88.db import account_tokens
from p88.db.accounts import (
    AccountError,
    check_password,
    create_user,
    set_password_hash,
    user_by_email,
    user_by_id,
)
from p88.db.audit import record
from p88.db.invitations import Invitation, accept, invitation_by_token
from p88.db.login_sessions import revoke_all, set_session_partner
from p88.passwords import hash_secret
from p88.web.auth import client_address, current_session, signed_in_user
from p88.web.forms import form_fields
from p88.web.services import services
from p88.web.views.accounts_common import audit
from p88.web.views.signin import start_session

bp = Blueprint("links", __name__)

RESET_PROBLEMS = {
    "missing": "This reset link is not valid. Ask an admin of your timing company for a new one.",
    "used": "This reset link was already used. Ask an admin of your timing company for a new one.",
    "expired": "This reset link has expired. Ask an admin of your timing company for a new one.",
}
INVITE_PROBLEMS = {
    "missing": "This invitation link is not valid. Ask whoever invited you for a new one.",
    "accepted": "This invitation was already accepted. Sign in to continue.",
    "expired": "This invitation has expired. Ask whoever invited you for a new one.",
    "revoked": "This invitation was withdrawn. Ask whoever invited you for a new one.",
}


async def _problem(text: str) -> tuple[str, int]:
    return await render_template("auth/link_problem.html", problem=text), 404


async def _reset_token(token: str) -> tuple[account_tokens.AccountToken | None, str]:
    async with services().pool.acquire() as conn:
        found = await account_tokens.find(conn, "reset", token)
    if found is None:
        return None, RESET_PROBLEMS["missing"]
    if found.used:
        return None, RESET_PROBLEMS["used"]
    if found.expired:
        return None, RESET_PROBLEMS["expired"]
    return found, ""


@bp.get("/reset/<token>")
async def reset_form(token: str) -> ResponseReturnValue:
    found, problem = await _reset_token(token)
    if found is None:
        return await _problem(problem)
    return await render_template("auth/reset.html")


@bp.post("/reset/<token>")
async def reset(token: str) -> ResponseReturnValue:
    found, problem = await _reset_token(token)
    if found is None or found.user_id is None:
        return await _problem(problem)
    form = await form_fields()
    password, again = form.get("password", ""), form.get("password_again", "")
    try:
        if password != again:
            raise AccountError("the two passwords differ; type the same password twice")
        check_password(password)
        new_hash = await trio.to_thread.run_sync(hash_secret, password)
        async with services().pool.acquire() as conn, conn.transaction():
            if not await account_tokens.consume(conn, found.id):
                raise AccountError("this link was used a moment ago; ask for a new one")
            await set_password_hash(conn, found.user_id, new_hash)
            await revoke_all(conn, found.user_id)
            user = await user_by_id(conn, found.user_id)
            assert user is not None
    except AccountError as exc:
        return await render_template("auth/reset.html", error=str(exc)), 400
    return await start_session(user.id, user.email, None, "/account?saved=password")


async def _invitation(token: str) -> tuple[Invitation | None, str]:
    async with services().pool.acquire() as conn:
        found = await invitation_by_token(conn, token)
    if found is None:
        return None, INVITE_PROBLEMS["missing"]
    if found.state != "pending":
        return None, INVITE_PROBLEMS[found.state]
    return found, ""


async def _invite_page(
    invitation: Invitation, error: str = "", status: int = 200, **form: str
) -> ResponseReturnValue:
    user = signed_in_user()
    async with services().pool.acquire() as conn:
        has_account = await user_by_email(conn, invitation.email) is not None
    page = await render_template(
        "auth/invite.html",
        invitation=invitation,
        has_account=has_account,
        matches=user is not None and user.email.lower() == invitation.email.lower(),
        error=error,
        name=form.get("name", ""),
    )
    return page, status


@bp.get("/invite/<token>")
async def invite_form(token: str) -> ResponseReturnValue:
    found, problem = await _invitation(token)
    if found is None:
        return await _problem(problem)
    return await _invite_page(found)


@bp.post("/invite/<token>")
async def invite(token: str) -> ResponseReturnValue:
    found, problem = await _invitation(token)
    if found is None:
        return await _problem(problem)
    user = signed_in_user()
    form = await form_fields()
    if user is not None:
        if user.email.lower() != found.email.lower():
            return await _invite_page(
                found, "Sign out first: this invitation is for another email.", 400
            )
        async with services().pool.acquire() as conn, conn.transaction():
            if not await accept(conn, found, user.id):
                return await _problem(INVITE_PROBLEMS["accepted"])
            await audit(
                conn, "invitation accepted", found.partner_id, f"{found.email} as {found.role}"
            )
            # Already signed in: keep this session and work in the company just joined.
            await set_session_partner(conn, current_session().id, found.partner_id)
        return redirect("/")
    name, password, again = (
        form.get("name", ""),
        form.get("password", ""),
        form.get("password_again", ""),
    )
    try:
        if password != again:
            raise AccountError("the two passwords differ; type the same password twice")
        check_password(password)
        async with services().pool.acquire() as conn, conn.transaction():
            if await user_by_email(conn, found.email) is not None:
                raise AccountError("you already have an account: sign in, then open the link again")
            created = await create_user(conn, found.email, name, password)
            if not await accept(conn, found, created.id):
                raise AccountError("this invitation was used a moment ago")
            await record(
                conn,
                "invitation accepted",
                partner_id=found.partner_id,
                actor_id=created.id,
                actor_email=created.email,
                address=client_address(),
                detail=f"new account, role {found.role}",
            )
    except AccountError as exc:
        return await _invite_page(found, str(exc), 400, name=name[:200])
    return await start_session(created.id, created.email, found.partner_id, "/")
