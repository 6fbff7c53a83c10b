"""`/`: the sign-in page for strangers, the current partner's dashboard for everyone else."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, redirect, render_template
from quart.typing import ResponseReturnValue

from p88.db.partners import partner_summary
from p88.status.app import StatusSources, database_answers, status_document
from p88.web.auth import signed_in_user
from p88.web.auth.identity import CurrentPartner
from p88.web.services import services
from p88.web.tenant import tenant
from p88.web.views.point_alerts import quiet_for

bp = Blueprint("dashboard", __name__)


def visible_status(
    document: dict[str, Any], partner: CurrentPartner | None, everything: bool
) -> dict[str, Any]:
    """The status document with only the connections and silent points this person may see."""
    if everything:
        return document
    slug = partner.slug if partner is not None else None
    mine = [c for c in document["connections"] if slug is not None and c["partner"] == slug]
    quiet = [p for p in document["points_silent"] if slug is not None and p["partner"] == slug]
    return {**document, "connections": mine, "points_silent": quiet}


@bp.get("/")
async def dashboard() -> ResponseReturnValue:
    user = signed_in_user()
    if user is None:
        return redirect("/login")
    from quart import g

    partner: CurrentPartner | None = g.get("p88_partner")
    web = services()
    sources = StatusSources(web.stats, web.pool, web.hub)
    database_ok = await database_answers(web.pool) is None
    document = visible_status(
        status_document(sources, database_ok), partner, user.is_platform_admin
    )
    summary = None
    if partner is not None and database_ok:
        async with tenant() as conn:
            summary = await partner_summary(conn, partner.id)
    return await render_template(
        "dashboard.html", status=document, partner=partner, summary=summary, quiet_for=quiet_for
    )
