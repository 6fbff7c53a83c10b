"""/platform/plans: the plan catalogue and its limits."""

from __future__ import annotations

import re
from typing import Any

from quart import Blueprint, redirect, render_template, request
from quart.typing import ResponseReturnValue

from p88.db.plans import LIMITS, list_plans, plan_by_id, save_plan
from p88.db.pool import UniqueViolation
from p88.web.auth import require_platform_admin
from p88.web.forms import form_fields, parse_id
from p88.web.services import services
from p88.web.views.accounts_common import audit, not_found

bp = Blueprint("platform_plans", __name__, url_prefix="/platform")

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
MAX_LIMIT = 1_000_000_000


class PlanError(Exception):
    pass


def _count(text: str, what: str, *, optional: bool) -> int | None:
    text = text.strip()
    if not text and optional:
        return None
    if not text.isdigit() or int(text) > MAX_LIMIT:
        hint = "leave it empty for no limit, or " if optional else ""
        raise PlanError(f"{what}: {hint}enter a whole number from 0 to {MAX_LIMIT:,}")
    return int(text)


def plan_values(form: dict[str, str]) -> dict[str, Any]:
    slug, name = form.get("slug", "").strip(), form.get("name", "").strip()
    if not SLUG.match(slug):
        raise PlanError("the short name uses lower-case letters, digits and dashes")
    if not 1 <= len(name) <= 100:
        raise PlanError("give the plan a name of 1 to 100 characters")
    note = form.get("price_note", "").strip()
    if len(note) > 200:
        raise PlanError("the price note is too long (at most 200 characters)")
    values: dict[str, Any] = {"slug": slug, "name": name, "price_note": note}
    for _key, (column, what, period) in LIMITS.items():
        values[column] = _count(form.get(column, ""), f"{what} {period}", optional=True)
    retention = _count(form.get("read_retention_days", ""), "read retention", optional=False)
    if not retention:
        raise PlanError("read retention: keep reads at least 1 day")
    values["read_retention_days"] = retention
    return values


async def plans_page(flash: str = "", kind: str = "ok", status: int = 200) -> ResponseReturnValue:
    async with services().pool.acquire() as conn:
        plans = await list_plans(conn)
    page = await render_template(
        "platform/plans.html",
        plans=plans,
        limits=LIMITS,
        flash=flash,
        flash_kind=kind,
        section="plans",
    )
    return page, status


@bp.get("/plans")
@require_platform_admin
async def plans() -> ResponseReturnValue:
    saved = "The plan is saved." if request.args.get("saved") else ""
    return await plans_page(saved)


async def _save(plan_id: int | None) -> ResponseReturnValue:
    try:
        values = plan_values(await form_fields())
        async with services().pool.acquire() as conn:
            await save_plan(conn, plan_id, values)
            await audit(
                conn, "plan defined" if plan_id is None else "plan edited", None, values["name"]
            )
    except PlanError as exc:
        return await plans_page(f"Nothing was saved: {exc}.", "bad", 400)
    except UniqueViolation:
        return await plans_page("Nothing was saved: another plan has that short name.", "bad", 400)
    return redirect("/platform/plans?saved=1")


@bp.post("/plans")
@require_platform_admin
async def create_plan() -> ResponseReturnValue:
    return await _save(None)


@bp.post("/plans/<plan_id>")
@require_platform_admin
async def edit_plan(plan_id: str) -> ResponseReturnValue:
    wanted = parse_id(plan_id)
    async with services().pool.acquire() as conn:
        if wanted is None or await plan_by_id(conn, wanted) is None:
            return await not_found("plan")
    return await _save(wanted)
