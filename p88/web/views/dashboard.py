"""`/`: the sign-in page for strangers, the current partner's dashboard for everyone else."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, current_app, redirect, render_template

from p88.db.tenancy import tenant_transaction
from p88.status.app import StatusSources, database_answers, status_document
from p88.web.app import services_of
from p88.web.auth import signed_in_user
from p88.web.auth.identity import CurrentPartner
from p88.web.views.point_alerts import quiet_for

bp = Blueprint("dashboard", __name__)

PARTNER_SUMMARY = """
SELECT
  (SELECT count(*) FROM timing_sessions WHERE partner_id = $1 AND status = 'live') AS live,
  (SELECT count(*) FROM timing_reads WHERE partner_id = $1
     AND received_at >= date_trunc('day', now())) AS reads_today,
  (SELECT count(*) FROM memberships WHERE partner_id = $1) AS people,
  (SELECT count(*) FROM collector_credentials WHERE partner_id = $1
     AND revoked_at IS NULL) AS credentials
"""


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
async def dashboard() -> Any:
    user = signed_in_user()
    if user is None:
        return redirect("/login")
    from quart import g

    partner: CurrentPartner | None = g.get("p88_partner")
    services = services_of(current_app)
    sources = StatusSources(services.stats, services.pool, services.hub)
    database_ok = await database_answers(services.pool) is None
    document = visible_status(
        status_document(sources, database_ok), partner, user.is_platform_admin
    )
    summary = None
    if partner is not None and database_ok:
        async with tenant_transaction(services.pool, partner.id) as conn:
            summary = await conn.fetchrow(PARTNER_SUMMARY, partner.id)
    return await render_template(
        "dashboard.html", status=document, partner=partner, summary=summary, quiet_for=quiet_for
    )
