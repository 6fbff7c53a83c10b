"""/setup/<token>: the first-run page. It creates the platform admin and, if they give one, their
timing company (with them as its owner), and asks which company timing hardware that connects
without a collector user belongs to: that company, or nobody yet (its reads are then held
unassigned until a platform admin hands them over, Platform -> Unassigned reads). The answer is
stored in the database (p88.db.unassigned), where it wins over collector.anonymous_partner.
"""

from __future__ import annotations

from dataclasses import dataclass

from quart import Blueprint, render_template
from quart.typing import ResponseReturnValue

from p88.db import account_tokens
from p88.db.accounts import AccountError, check_password, create_user, set_membership
from p88.db.audit import record
from p88.db.partners import Partner, PartnerError, create_partner
from p88.db.pool import Connection
from p88.db.unassigned import choose_partner
from p88.web.auth import client_address
from p88.web.forms import form_fields
from p88.web.services import services
from p88.web.views.signin import start_session

bp = Blueprint("first_run", __name__)

CHOICES = ("company", "unassigned")  # the form's values for unauthenticated middleware


@dataclass(frozen=True, slots=True)
class SetupForm:
    email: str
    name: str
    password: str
    company_slug: str  # '' when no company is created now
    company_name: str
    unauthenticated: str  # one of CHOICES


def read_form(form: dict[str, str]) -> SetupForm:
    """The posted form, checked; AccountError says what to correct."""
    password, again = form.get("password", ""), form.get("password_again", "")
    if password != again:
        raise AccountError("the two passwords differ; type the same password twice")
    check_password(password)
    slug = form.get("company_slug", "").strip().lower()
    company = form.get("company_name", "").strip()
    if bool(slug) != bool(company):
        raise AccountError(
            "give your timing company both a short name and a name, or leave both empty"
        )
    if len(company) > 200:
        raise AccountError("the company's name is too long (at most 200 characters)")
    choice = form.get("unauthenticated", "")
    if choice not in CHOICES:
        raise AccountError(
            "choose where reads of timing hardware without a collector user go: to your "
            "company, or kept unassigned"
        )
    if choice == "company" and not slug:
        raise AccountError(
            "to give timing hardware without a collector user to your company, enter the "
            "company's short name and name; or choose to keep its reads unassigned"
        )
    email, name = form.get("email", ""), form.get("name", "")
    return SetupForm(email, name, password, slug, company, choice)


async def _setup_token(token: str) -> tuple[account_tokens.AccountToken | None, str]:
    async with services().pool.acquire() as conn:
        found = await account_tokens.find(conn, "setup", token)
        if found is None:
            return None, "This setup link is not valid. Run `p88 admin create EMAIL` for a new one."
        if found.used:
            return None, (
                "This setup link was already used. Sign in, or run `p88 admin create EMAIL` "
                "for a new one."
            )
        if found.expired:
            return None, "This setup link has expired. Run `p88 admin create EMAIL` for a new one."
        return found, ""


async def _setup_page(
    form: dict[str, str], error: str = "", status: int = 200
) -> ResponseReturnValue:
    kept = {
        key: form.get(key, "")[:254] for key in ("email", "name", "company_slug", "company_name")
    }
    page = await render_template(
        "auth/setup.html",
        error=error,
        form=kept,
        choice=form.get("unauthenticated", ""),
        authentication=services().config.collector.authentication,
    )
    return page, status


@bp.get("/setup/<token>")
async def setup_form(token: str) -> ResponseReturnValue:
    found, problem = await _setup_token(token)
    if found is None:
        return await render_template("auth/link_problem.html", problem=problem), 404
    return await _setup_page({})


@bp.post("/setup/<token>")
async def setup(token: str) -> ResponseReturnValue:
    found, problem = await _setup_token(token)
    if found is None:
        return await render_template("auth/link_problem.html", problem=problem), 404
    form = await form_fields()
    try:
        answers = read_form(form)
        async with services().pool.acquire() as conn, conn.transaction():
            if not await account_tokens.consume(conn, found.id):
                raise AccountError("this setup link was used a moment ago; sign in instead")
            user_id, email, partner = await _create(conn, answers)
    except (AccountError, PartnerError) as exc:
        return await _setup_page(form, str(exc), 400)
    return await start_session(user_id, email, partner.id if partner else None, "/")


async def _create(conn: Connection, answers: SetupForm) -> tuple[int, str, Partner | None]:
    """The admin, their company if given, and the choice for unauthenticated middleware."""
    user = await create_user(
        conn, answers.email, answers.name, answers.password, is_platform_admin=True
    )

    async def audit(action: str, partner_id: int | None, detail: str) -> None:
        await record(
            conn, action, partner_id=partner_id, actor_id=user.id, actor_email=user.email,
            address=client_address(), detail=detail,
        )  # fmt: skip

    await audit("platform admin created", None, "first-run setup")
    partner = None
    if answers.company_slug:
        partner = await create_partner(conn, answers.company_slug, answers.company_name)
        await set_membership(conn, user.id, partner.id, "owner")
        await audit("partner created", partner.id, f"{partner.slug}: {partner.name}")
        await audit("member added", partner.id, f"{user.email} as owner")
    given = partner if answers.unauthenticated == "company" else None
    await choose_partner(conn, given.id if given else None, user.id)
    detail = f"to {given.slug}" if given else "kept unassigned"
    await audit("unauthenticated middleware assigned", None, detail)
    if given is not None:
        await audit("unauthenticated middleware assigned", given.id, "to this company")
    return user.id, user.email, partner
