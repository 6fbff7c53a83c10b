"""The operator's publish section of a session's results, /sessions/<id>/results/publish:
publish (the public link is made once and kept), withdraw, mark final or provisional again.
Operators and up; every change is in the audit log."""

from __future__ import annotations

from quart import Blueprint, abort, redirect, render_template, request
from quart.typing import ResponseReturnValue

from p88.db import results as results_db
from p88.db.pool import Connection
from p88.live.results import NoResults
from p88.web.auth import current_partner, require_role
from p88.web.forms import form_fields
from p88.web.published.publications import new_public_token
from p88.web.services import services
from p88.web.tenant import tenant
from p88.web.views.accounts_common import audit, public_url
from p88.web.views.displays import qr_data_uri

bp = Blueprint("results_publish", __name__)

DONE = {
    "publish": "Results published: anyone with the link sees them.",
    "unpublish": "Results withdrawn: the public link shows nothing until you publish again.",
    "final": "Results marked final: the public pages no longer say provisional.",
    "provisional": "Results marked provisional again.",
}
AUDIT = {
    "publish": "results published",
    "unpublish": "results withdrawn",
    "final": "results marked final",
    "provisional": "results marked provisional",
}


async def _facts(conn: Connection, partner_id: int, session_id: int) -> results_db.SessionFacts:
    facts = await results_db.session_facts(conn, partner_id, session_id)
    if facts is None:
        abort(404)
    return facts


async def _page(
    session_id: int, flash: str = "", kind: str = "ok", status: int = 200
) -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        facts = await _facts(conn, partner.id, session_id)
        setup = await results_db.setup_row(conn, partner.id, session_id)
    token = setup.public_token if setup is not None else None
    url = public_url(f"/r/{token}") if token else ""
    if not flash and request.args.get("done") in DONE:
        flash = DONE[request.args["done"]]
    body = await render_template(
        "results_public/publish.html",
        facts=facts,
        setup=setup,
        url=url,
        qr=qr_data_uri(url) if url and setup and setup.published_at else "",
        viewers=services().public_results.feeds.viewers(session_id),
        flash=flash,
        flash_kind=kind,
    )
    return body, status


@bp.get("/sessions/<int:session_id>/results/publish")
@require_role("operator")
async def publish_page(session_id: int) -> ResponseReturnValue:
    return await _page(session_id)


@bp.post("/sessions/<int:session_id>/results/publish")
@require_role("operator")
async def publish_action(session_id: int) -> ResponseReturnValue:
    partner = current_partner()
    action = (await form_fields()).get("action", "")
    if action not in DONE:
        return await _page(
            session_id, "Choose publish, withdraw, final or provisional.", "bad", 400
        )
    async with tenant() as conn:
        facts = await _facts(conn, partner.id, session_id)
        setup = await results_db.setup_row(conn, partner.id, session_id)
    if setup is None:
        problem = "Save the results setup first (Results setup), then publish."
        return await _page(session_id, problem, "bad", 400)
    if action == "publish":
        service = services().results
        try:
            if service is None:
                raise NoResults("results are not served by this server")
            await service.get(partner.id, session_id)
        except NoResults as exc:
            return await _page(session_id, f"Not published: {exc}.", "bad", 400)
    async with tenant() as conn:
        if action in ("publish", "unpublish"):
            token = await results_db.publish(
                conn, partner.id, session_id, action == "publish", new_public_token()
            )
        else:
            await results_db.set_final(conn, partner.id, session_id, action == "final")
            token = setup.public_token
        await audit(conn, AUDIT[action], partner.id, f'{facts.name} ("{facts.event_name}")')
    await services().public_results.republished(services().pool, session_id, token)
    return redirect(f"/sessions/{session_id}/results/publish?done={action}", 303)
