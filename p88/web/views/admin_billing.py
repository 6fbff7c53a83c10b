"""/admin/plan, /admin/payments, /admin/audit: what the owner of a partner sees about billing."""

from __future__ import annotations

from dataclasses import dataclass

from quart import Blueprint, render_template
from quart.typing import ResponseReturnValue

from p88.db.audit import partner_entries
from p88.db.payments import payments_of
from p88.db.plans import LIMITS, check_limit, current_subscription, list_plans, subscriptions_of
from p88.db.usage import DayUsage, usage_by_day
from p88.web.auth import current_partner, require_role
from p88.web.tenant import tenant

bp = Blueprint("admin_billing", __name__, url_prefix="/admin")

CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM = 720, 200, 16, 24


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    tick: bool  # label under it


def chart_bars(days: list[DayUsage], value: str = "reads") -> tuple[list[Bar], int]:
    """Bars for an inline SVG chart (drawn by the template; no JavaScript needed)."""
    values = [int(getattr(d, value)) for d in days]
    top = max([*values, 1])
    slot = CHART_WIDTH / max(len(days), 1)
    usable = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    bars = []
    for i, (day, v) in enumerate(zip(days, values, strict=True)):
        h = usable * v / top
        bars.append(
            Bar(
                x=i * slot + slot * 0.15,
                y=CHART_TOP + usable - h,
                width=slot * 0.7,
                height=h,
                label=day.day.strftime("%d %b"),
                value=v,
                tick=i % 5 == 0 or i == len(days) - 1,
            )
        )
    return bars, top


@bp.get("/plan")
@require_role("owner")
async def plan() -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        subscription = await current_subscription(conn, partner.id)
        history = await subscriptions_of(conn, partner.id)
        plans = await list_plans(conn)
        limits = [
            await check_limit(conn, partner.id, name, adding=0)
            for name in ("sessions_per_month", "api_requests_per_day")
        ]
        days = await usage_by_day(conn, partner.id, 30)
    bars, top = chart_bars(days)
    return await render_template(
        "admin/plan.html",
        subscription=subscription,
        history=history,
        plans=plans,
        limits=limits,
        limit_words=LIMITS,
        days=[
            d
            for d in reversed(days)
            if d.reads or d.api_requests or d.active_displays or d.peak_viewers
        ],
        bars=bars,
        top=top,
        chart=(CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM),
        section="plan",
    )


@bp.get("/payments")
@require_role("owner")
async def payments() -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        found = await payments_of(conn, partner.id)
    return await render_template("admin/payments.html", payments=found, section="payments")


@bp.get("/audit")
@require_role("owner")
async def audit_log() -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        entries = await partner_entries(conn, partner.id)
    return await render_template(
        "admin/audit.html", entries=entries, section="audit", show_partner=False
    )
