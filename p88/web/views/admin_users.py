"""/admin/users and /admin/invitations: a partner's people, their roles, invitations, resets.

Rules: nobody changes or removes themselves (no accidental lock-out); only owners grant or touch
the owner role; a partner always keeps at least one owner. Reset links are only for people who
work for this partner alone (else another partner's admin could take over their account).
"""

from __future__ import annotations

from quart import Blueprint, redirect, render_template, request
from quart.typing import ResponseReturnValue

from p88.db import account_tokens
from p88.db.accounts import (
    ROLES,
    AccountError,
    Membership,
    check_email,
    check_role,
    count_owners,
    membership,
    memberships_of,
    partner_members,
    remove_membership,
    set_membership,
    user_by_id,
)
from p88.db.invitations import create_invitation, invitations_of, revoke_invitation
from p88.db.pool import Connection
from p88.web.auth import current_partner, current_user, require_role
from p88.web.forms import form_fields, parse_id
from p88.web.services import services
from p88.web.tenant import tenant
from p88.web.views.accounts_common import audit, not_found, public_url

bp = Blueprint("admin_users", __name__, url_prefix="/admin")

SAVED = {
    "role": "The role is changed.",
    "removed": "The person no longer has access to this company.",
    "revoked": "The invitation is withdrawn; its link no longer works.",
}


def assignable_roles() -> list[str]:
    """Roles the current person may hand out."""
    mine = current_partner().role
    return [r for r in ROLES if r != "owner" or mine == "owner"]


def refuse_change(target_role: str, new_role: str | None) -> str:
    """Why the current person may not change someone from target_role (to new_role), or ''."""
    mine = current_partner().role
    if mine != "owner" and (target_role == "owner" or new_role == "owner"):
        return "Only an owner can change an owner or make someone an owner."
    return ""


async def membership_problem(
    conn: Connection, target_role: str, target: int, new_role: str | None
) -> str:
    """Why the current person may not change `target`'s membership (to new_role; None: remove
    it), or ''. Nobody changes their own; the last owner stays one."""
    if target == current_user().id:
        change = "change your own role" if new_role else "remove yourself"
        return f"You cannot {change}; ask another owner or admin."
    last_owner = target_role == "owner" and new_role != "owner"
    if last_owner and await count_owners(conn, current_partner().id) < 2:
        return "A company needs at least one owner: make someone else owner first."
    return refuse_change(target_role, new_role)


async def users_page(
    flash: str = "", kind: str = "ok", status: int = 200, link: str = "", link_for: str = ""
) -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        members = await partner_members(conn, partner.id)
    page = await render_template(
        "admin/users.html",
        members=members,
        roles=assignable_roles(),
        me=current_user().id,
        flash=flash,
        flash_kind=kind,
        reset_link=link,
        reset_for=link_for,
        section="users",
    )
    return page, status


@bp.get("/")
@require_role("viewer")
async def admin_home() -> ResponseReturnValue:
    from p88.web.auth import has_role

    return redirect("/admin/users" if has_role("admin") else "/account")


@bp.get("/users")
@require_role("admin")
async def users() -> ResponseReturnValue:
    return await users_page(SAVED.get(request.args.get("saved", ""), ""))


async def _member(conn: Connection, user_id_text: str) -> Membership | None:
    user_id = parse_id(user_id_text)
    if user_id is None:
        return None
    return await membership(conn, user_id, current_partner().id)


async def _change_member(user_id: str, role_text: str | None) -> ResponseReturnValue:
    """Give the company's member `user_id` the role `role_text` names, or remove them (None)."""
    partner = current_partner()
    async with tenant() as conn:
        found = await _member(conn, user_id)
        if found is None:
            return await not_found("person")
        target = int(user_id)
        new_role = None
        if role_text is not None:
            try:
                new_role = check_role(role_text)
            except AccountError as exc:
                return await users_page(f"Nothing was changed: {exc}.", "bad", 400)
        problem = await membership_problem(conn, found.role, target, new_role)
        if problem:
            return await users_page(f"Nothing was changed. {problem}", "bad", 403)
        if new_role is None:
            await remove_membership(conn, target, partner.id)
            await audit(conn, "member removed", partner.id, f"user {target} ({found.role})")
            return redirect("/admin/users?saved=removed")
        await set_membership(conn, target, partner.id, new_role)
        await audit(conn, "role changed", partner.id, f"user {target}: {found.role} → {new_role}")
    return redirect("/admin/users?saved=role")


@bp.post("/users/<user_id>/role")
@require_role("admin")
async def change_role(user_id: str) -> ResponseReturnValue:
    form = await form_fields()
    return await _change_member(user_id, form.get("role", ""))


@bp.post("/users/<user_id>/remove")
@require_role("admin")
async def remove(user_id: str) -> ResponseReturnValue:
    return await _change_member(user_id, None)


@bp.post("/users/<user_id>/reset-link")
@require_role("admin")
async def reset_link(user_id: str) -> ResponseReturnValue:
    async with tenant() as conn:
        found = await _member(conn, user_id)
    if found is None:
        return await not_found("person")
    partner, target = current_partner(), int(user_id)
    problem = refuse_change(found.role, None)
    async with services().pool.acquire() as conn:
        user = await user_by_id(conn, target)
        elsewhere = [m for m in await memberships_of(conn, target) if m.partner_id != partner.id]
        if user is None:
            return await not_found("person")
        if (elsewhere or user.is_platform_admin) and not current_user().is_platform_admin:
            problem = (
                "This person also works for another company or runs this install; ask the "
                "platform administrator for their reset link."
            )
        if target == current_user().id:
            problem = "Change your own password on your account page instead."
        if problem:
            return await users_page(f"No link was made. {problem}", "bad", 403)
        token = await account_tokens.issue_reset(conn, target)
    async with tenant() as conn:
        await audit(conn, "reset link issued", partner.id, f"for {user.email}")
    return await users_page(link=public_url(f"/reset/{token}"), link_for=user.email)


async def invitations_page(
    flash: str = "", kind: str = "ok", status: int = 200, link: str = "", email: str = ""
) -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        found = await invitations_of(conn, partner.id)
    page = await render_template(
        "admin/invitations.html",
        invitations=found,
        roles=assignable_roles(),
        flash=flash,
        flash_kind=kind,
        invite_link=link,
        invite_email=email,
        section="invitations",
    )
    return page, status


@bp.get("/invitations")
@require_role("admin")
async def invitations() -> ResponseReturnValue:
    return await invitations_page(SAVED.get(request.args.get("saved", ""), ""))


@bp.post("/invitations")
@require_role("admin")
async def invite() -> ResponseReturnValue:
    partner = current_partner()
    form = await form_fields()
    try:
        email = check_email(form.get("email", ""))
        role = check_role(form.get("role", ""))
    except AccountError as exc:
        return await invitations_page(f"No invitation was made: {exc}.", "bad", 400)
    if role not in assignable_roles():
        return await invitations_page(
            "No invitation was made: only an owner can invite an owner.", "bad", 403
        )
    async with tenant() as conn:
        token = await create_invitation(conn, partner.id, email, role, current_user().id)
        await audit(conn, "invitation created", partner.id, f"{email} as {role}")
    return await invitations_page(link=public_url(f"/invite/{token}"), email=email)


@bp.post("/invitations/<invitation_id>/revoke")
@require_role("admin")
async def revoke(invitation_id: str) -> ResponseReturnValue:
    partner = current_partner()
    wanted = parse_id(invitation_id)
    async with tenant() as conn:
        email = None if wanted is None else await revoke_invitation(conn, partner.id, wanted)
        if email is None:
            return await not_found("open invitation")
        await audit(conn, "invitation revoked", partner.id, email)
    return redirect("/admin/invitations?saved=revoked")
