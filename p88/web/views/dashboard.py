"""`/`: the sign-in page for strangers, the current partner's dashboard for everyone else."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quart import Blueprint, redirect, render_template
from quart.typing import ResponseReturnValue

from p88.db.partners import partner_summary
from p88.db.unassigned import (
    RECENT_MINUTES,
    HeldRecently,
    events_received,
    expected_receiver,
    held_recently,
    holding_partner,
)
from p88.status.app import StatusSources, database_answers, status_document
from p88.web.auth import signed_in_user
from p88.web.auth.identity import CurrentPartner, CurrentUser
from p88.web.services import services
from p88.web.tenant import tenant
from p88.web.views.point_alerts import quiet_for

bp = Blueprint("dashboard", __name__)


@dataclass(slots=True)
class Unassigned:
    """What this person is told about reads held for nobody (p88.db.unassigned)."""

    holding_slug: str = ""
    recent: list[HeldRecently] = field(default_factory=list)  # the banner, when not empty
    received: set[str] = field(default_factory=set)  # events handed to this person's company


def visible_status(
    document: dict[str, Any],
    partner: CurrentPartner | None,
    everything: bool,
    unassigned: Unassigned | None = None,
) -> dict[str, Any]:
    """The status document with only the connections and silent points this person may see:
    their company's, and the holding company's that stream an event handed to their company."""
    if everything:
        return document
    slug = partner.slug if partner is not None else None
    handed = unassigned or Unassigned()

    shown = []
    for c in document["connections"]:
        if slug is not None and c["partner"] == slug:
            shown.append(c)
        elif c["partner"] == handed.holding_slug and c["event"] in handed.received:
            shown.append({**c, "partner": "no collector user (session handed to you)"})
    quiet = [p for p in document["points_silent"] if slug is not None and p["partner"] == slug]
    return {**document, "connections": shown, "points_silent": quiet}


async def unassigned_for(user: CurrentUser, partner: CurrentPartner | None) -> Unassigned:
    """Platform admins, and the company unassigned reads most likely belong to, are told
    when such reads arrived within RECENT_MINUTES."""
    web = services()
    async with web.pool.acquire() as conn:
        holding = await holding_partner(conn, web.config.collector.anonymous_partner)
        if holding is None:
            return Unassigned()
        found = Unassigned(holding.slug)
        told = user.is_platform_admin
        if partner is not None and partner.id != holding.id:
            receiver = await expected_receiver(conn, holding.id)
            told = told or (receiver is not None and receiver.id == partner.id)
            found.received = await events_received(conn, holding.id, partner.id)
        if told:
            found.recent = await held_recently(conn, holding.id)
    return found


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
    unassigned = await unassigned_for(user, partner) if database_ok else Unassigned()
    document = visible_status(
        status_document(sources, database_ok), partner, user.is_platform_admin, unassigned
    )
    summary = None
    if partner is not None and database_ok:
        async with tenant() as conn:
            summary = await partner_summary(conn, partner.id)
    return await render_template(
        "dashboard.html",
        status=document,
        partner=partner,
        summary=summary,
        unassigned=unassigned,
        recent_minutes=RECENT_MINUTES,
        quiet_for=quiet_for,
    )
