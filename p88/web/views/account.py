"""/account: profile, password change, the person's sign-ins (revoke one, or all)."""

from __future__ import annotations

import trio
from quart import Blueprint, redirect, render_template, request
from quart.typing import ResponseReturnValue

from p88.db.accounts import (
    AccountError,
    check_password,
    memberships_of,
    set_password_hash,
    update_profile,
    user_by_id,
)
from p88.db.login_sessions import revoke_all, revoke_session, sessions_of
from p88.passwords import hash_secret, verify_secret
from p88.web.auth import clear_session_cookie, current_session, current_user, require_signed_in
from p88.web.forms import form_fields, parse_id
from p88.web.services import services
from p88.web.views.accounts_common import audit, not_found
from p88.web.views.signin import start_session

bp = Blueprint("account", __name__)

SAVED = {
    "profile": "Your profile is saved.",
    "password": "Your password is changed. Every other browser has been signed out.",
    "revoked": "That sign-in has been ended.",
}


BROWSERS = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (
    ("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
    ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"),
)  # fmt: skip


def describe_agent(user_agent: str) -> str:
    """'Chrome on Linux' from a User-Agent header, so people recognise their devices."""
    browser = next((name for mark, name in BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in SYSTEMS if mark in user_agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (user_agent[:40] or "unknown browser")


async def account_page(
    flash: str = "", flash_kind: str = "ok", status: int = 200
) -> ResponseReturnValue:
    user = current_user()
    async with services().pool.acquire() as conn:
        sessions = await sessions_of(conn, user.id)
        memberships = await memberships_of(conn, user.id)
    page = await render_template(
        "account/account.html",
        sessions=sessions,
        devices={s.id: describe_agent(s.user_agent) for s in sessions},
        memberships=memberships,
        this_session=current_session().id,
        flash=flash,
        flash_kind=flash_kind,
    )
    return page, status


@bp.get("/account")
@require_signed_in
async def account() -> ResponseReturnValue:
    saved = request.args.get("saved", "")
    return await account_page(SAVED.get(saved, ""))


@bp.post("/account/profile")
@require_signed_in
async def profile() -> ResponseReturnValue:
    form = await form_fields()
    try:
        async with services().pool.acquire() as conn:
            await update_profile(conn, current_user().id, form.get("name", ""))
    except AccountError as exc:
        return await account_page(f"Nothing was changed: {exc}.", "bad", 400)
    return redirect("/account?saved=profile")


@bp.post("/account/password")
@require_signed_in
async def change_password() -> ResponseReturnValue:
    form = await form_fields()
    user = current_user()
    current, new, again = form.get("current", ""), form.get("new", ""), form.get("again", "")
    try:
        if new != again:
            raise AccountError("the two new passwords differ; type the same password twice")
        check_password(new)
        async with services().pool.acquire() as conn:
            stored = await user_by_id(conn, user.id)
            ok = (
                stored is not None
                and stored.password_hash is not None
                and await trio.to_thread.run_sync(verify_secret, stored.password_hash, current)
            )
            if not ok:
                raise AccountError("your current password is not right")
            new_hash = await trio.to_thread.run_sync(hash_secret, new)
            async with conn.transaction():
                await set_password_hash(conn, user.id, new_hash)
                # Someone who knew the old password must not stay signed in anywhere.
                await revoke_all(conn, user.id)
                await audit(conn, "password changed", None)
    except AccountError as exc:
        return await account_page(f"Password not changed: {exc}.", "bad", 400)
    # This browser gets a fresh session; every other one is signed out.
    return await start_session(
        user.id, user.email, current_session().partner_id, "/account?saved=password"
    )


@bp.post("/account/sessions/<session_id>/revoke")
@require_signed_in
async def revoke(session_id: str) -> ResponseReturnValue:
    wanted = parse_id(session_id)
    async with services().pool.acquire() as conn:
        if wanted is None or not await revoke_session(conn, current_user().id, wanted):
            return await not_found("sign-in")
    if wanted == current_session().id:
        response = redirect("/login")
        clear_session_cookie(response)
        return response
    return redirect("/account?saved=revoked")


@bp.post("/account/sign-out-everywhere")
@require_signed_in
async def sign_out_everywhere() -> ResponseReturnValue:
    user = current_user()
    async with services().pool.acquire() as conn:
        count = await revoke_all(conn, user.id)
        await audit(conn, "signed out everywhere", None, f"{count} session(s) ended")
    response = redirect("/login")
    clear_session_cookie(response)
    return response
