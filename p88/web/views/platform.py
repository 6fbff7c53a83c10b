"""/platform/...: the install operator's pages (partners, plans, subscriptions, payments, audit).

These span partners by design, so they read and write on plain pool connections; every view
is guarded by require_platform_admin.
"""

from __future__ import annotations

from datetime import date

from quart import Blueprint, redirect, render_template, request
from quart.typing import ResponseReturnValue

from p88.db.accounts import AccountError, check_email, partner_members
from p88.db.audit import all_entries
from p88.db.invitations import create_invitation
from p88.db.partners import Partner, PartnerError, create_partner, partner_by_id, partners_overview
from p88.db.payments import (
    PaymentError,
    all_payments,
    parse_date,
    payments_of,
    record_payment,
    validated,
)
from p88.db.plans import (
    add_subscription,
    current_subscription,
    list_plans,
    plan_by_id,
    subscriptions_of,
)
from p88.ops_state import human_size
from p88.web.auth import current_user, require_platform_admin
from p88.web.forms import form_fields, parse_id
from p88.web.services import services
from p88.web.views.accounts_common import audit, not_found, public_url

bp = Blueprint("platform", __name__, url_prefix="/platform")

STATUSES = ("active", "trial", "past_due", "cancelled")
SAVED = {
    "subscription": "The subscription is saved.",
    "payment": "The payment is recorded.",
}


async def partners_page(
    flash: str = "", kind: str = "ok", status: int = 200, link: str = "", **form: str
) -> ResponseReturnValue:
    async with services().pool.acquire() as conn:
        partners = await partners_overview(conn)
        plans = {p.id: await current_subscription(conn, p.id) for p in partners}
    page = await render_template(
        "platform/partners.html",
        partners=partners,
        subscriptions=plans,
        flash=flash,
        flash_kind=kind,
        invite_link=link,
        form=form,
        section="partners",
        ops=services().stats.ops,
        human_size=human_size,
    )
    return page, status


@bp.get("/")
@require_platform_admin
async def home() -> ResponseReturnValue:
    return await partners_page()


@bp.post("/partners")
@require_platform_admin
async def add_partner() -> ResponseReturnValue:
    form = await form_fields()
    slug, name = form.get("slug", "").strip(), form.get("name", "").strip()
    owner = form.get("owner_email", "").strip()
    try:
        if len(name) > 200:
            raise PartnerError("the name is too long (at most 200 characters)")
        email = check_email(owner) if owner else ""
        async with services().pool.acquire() as conn, conn.transaction():
            partner = await create_partner(conn, slug, name)
            await audit(conn, "partner created", partner.id, f"{partner.slug}: {partner.name}")
            token = ""
            if email:
                token = await create_invitation(conn, partner.id, email, "owner", current_user().id)
                await audit(conn, "invitation created", partner.id, f"{email} as owner")
    except (PartnerError, AccountError) as exc:
        return await partners_page(f"No company was added: {exc}.", "bad", 400, **form)
    message = f"{partner.name} is added."
    return await partners_page(message, link=public_url(f"/invite/{token}") if token else "")


async def _partner(partner_id: str) -> Partner | None:
    wanted = parse_id(partner_id)
    if wanted is None:
        return None
    async with services().pool.acquire() as conn:
        return await partner_by_id(conn, wanted)


async def partner_page(
    partner: Partner, flash: str = "", kind: str = "ok", status: int = 200
) -> ResponseReturnValue:
    async with services().pool.acquire() as conn:
        members = await partner_members(conn, partner.id)
        subscription = await current_subscription(conn, partner.id)
        history = await subscriptions_of(conn, partner.id)
        payments = await payments_of(conn, partner.id)
        plans = await list_plans(conn)
    page = await render_template(
        "platform/partner.html",
        partner=partner,
        members=members,
        subscription=subscription,
        history=history,
        payments=payments,
        plans=plans,
        statuses=STATUSES,
        today=date.today().isoformat(),
        flash=flash,
        flash_kind=kind,
        section="partners",
    )
    return page, status


@bp.get("/partners/<partner_id>")
@require_platform_admin
async def partner_detail(partner_id: str) -> ResponseReturnValue:
    partner = await _partner(partner_id)
    if partner is None:
        return await not_found("timing company")
    return await partner_page(partner, SAVED.get(request.args.get("saved", ""), ""))


@bp.post("/partners/<partner_id>/subscription")
@require_platform_admin
async def set_subscription(partner_id: str) -> ResponseReturnValue:
    partner = await _partner(partner_id)
    if partner is None:
        return await not_found("timing company")
    form = await form_fields()
    try:
        plan_id = parse_id(form.get("plan_id", ""))
        status = form.get("status", "")
        if status not in STATUSES:
            raise PaymentError(f"choose a status: {', '.join(STATUSES)}")
        starts = parse_date(form.get("starts_on", ""), "start date", required=True)
        ends = parse_date(form.get("ends_on", ""), "end date", required=False)
        assert starts is not None
        if ends is not None and ends < starts:
            raise PaymentError("the subscription ends before it starts")
        async with services().pool.acquire() as conn:
            plan = None if plan_id is None else await plan_by_id(conn, plan_id)
            if plan is None:
                raise PaymentError("choose one of the plans in the list")
            await add_subscription(conn, partner.id, plan.id, starts, ends, status)
            await audit(conn, "plan changed", partner.id, f"{plan.name} from {starts} ({status})")
    except PaymentError as exc:
        return await partner_page(partner, f"Nothing was changed: {exc}.", "bad", 400)
    return redirect(f"/platform/partners/{partner.id}?saved=subscription")


@bp.post("/partners/<partner_id>/payments")
@require_platform_admin
async def add_payment(partner_id: str) -> ResponseReturnValue:
    partner = await _partner(partner_id)
    if partner is None:
        return await not_found("timing company")
    try:
        values = validated(await form_fields())
        async with services().pool.acquire() as conn:
            await record_payment(conn, partner.id, values, current_user().id)
            await audit(
                conn, "payment recorded", partner.id, f"{values['amount']} {values['currency']}"
            )
    except PaymentError as exc:
        return await partner_page(partner, f"Nothing was recorded: {exc}.", "bad", 400)
    return redirect(f"/platform/partners/{partner.id}?saved=payment")


@bp.get("/payments")
@require_platform_admin
async def payments() -> ResponseReturnValue:
    async with services().pool.acquire() as conn:
        found = await all_payments(conn)
    return await render_template(
        "platform/payments.html", payments=found, show_partner=True, section="payments"
    )


@bp.get("/audit")
@require_platform_admin
async def audit_log() -> ResponseReturnValue:
    async with services().pool.acquire() as conn:
        entries = await all_entries(conn)
    return await render_template(
        "platform/audit.html", entries=entries, show_partner=True, section="audit"
    )
