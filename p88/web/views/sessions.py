"""Timing sessions pages: the list (live first), one session's detail with its live preview, and
the operator's changes (rename, end or reopen, manual gun per wave, merge).

Viewers look; operators change. Every query runs in `tenant_transaction` and filters by the
current partner; another partner's session id is a 404.
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, abort, redirect, render_template, request
from quart.typing import ResponseReturnValue

from p88.db.accounts import role_rank
from p88.db.pool import Connection
from p88.db.session_ops import (
    SessionOpError,
    delete_manual_gun,
    merge_sessions,
    rename_session,
    set_manual_gun,
    set_session_status,
)
from p88.db.sessions import SessionSummary, list_sessions, recent_reads, unknown_tags
from p88.stats import ConnectionInfo
from p88.web.auth import current_partner, require_role
from p88.web.forms import form_fields, parse_id
from p88.web.services import services
from p88.web.tenant import tenant
from p88.web.views.point_alerts import quiet_for, silent_points_of
from p88.web.views.results_common import problem_views, session_results
from p88.web.views.timefmt import ClockError, age, clock, parse_clock

bp = Blueprint("sessions", __name__)

DONE_MESSAGES = {
    "renamed": "Session renamed.",
    "ended": "Session marked ended.",
    "live": "Session reopened.",
    "gun": "Gun time saved.",
    "gun-deleted": "Gun time removed.",
    "merged": "Sessions merged.",
}


def _can_edit() -> bool:
    return role_rank(current_partner().role) >= role_rank("operator")


def connections_by_event(slug: str) -> dict[str, list[ConnectionInfo]]:
    """Open collector connections of this partner, by event name."""
    found: dict[str, list[ConnectionInfo]] = {}
    for info in services().stats.connections.values():
        if info.partner == slug:
            found.setdefault(info.event, []).append(info)
    return found


def _page_helpers() -> dict[str, Any]:
    return {"clock": clock, "age": age, "can_edit": _can_edit()}


@bp.get("/sessions")
@require_role("viewer")
async def session_list() -> str:
    partner = current_partner()
    async with tenant() as conn:
        sessions = await list_sessions(conn, partner.id)
    return await render_template(
        "sessions/list.html",
        sessions=sessions,
        connections=connections_by_event(partner.slug),
        **_page_helpers(),
    )


async def _detail(
    session_id: int, flash: str | None = None, kind: str = "ok", status: int = 200
) -> tuple[str, int]:
    partner = current_partner()
    async with tenant() as conn:
        sessions = await list_sessions(conn, partner.id)
        session = next((s for s in sessions if s.id == session_id), None)
        if session is None:
            abort(404)
        unknown = await unknown_tags(conn, partner.id, session_id, limit=20)
        latest = await recent_reads(conn, partner.id, session_id, limit=30)
    others = [s for s in sessions if s.id != session_id]
    results, results_why = await session_results(partner.id, session_id)
    connections = connections_by_event(partner.slug).get(session.event_name, [])
    if flash is None and request.args.get("done") in DONE_MESSAGES:
        flash = DONE_MESSAGES[request.args["done"]]
    body = await render_template(
        "sessions/detail.html",
        session=session,
        others=others,
        unknown=unknown,
        latest=latest,
        connections=connections if session.live else [],
        silent=silent_points_of(services().stats, partner.slug, session_id),
        quiet_for=quiet_for,
        results=results,
        results_why=results_why,
        problems=problem_views(results) if results is not None else [],
        flash=flash,
        flash_kind=kind,
        **_page_helpers(),
    )
    return body, status


@bp.get("/sessions/<int:session_id>")
@require_role("viewer")
async def session_detail(session_id: int) -> tuple[str, int]:
    return await _detail(session_id)


@bp.get("/sessions/<int:session_id>/unknown-tags")
@require_role("viewer")
async def session_unknown_tags(session_id: int) -> str:
    partner = current_partner()
    async with tenant() as conn:
        session = await _own_session(conn, partner.id, session_id)
        tags = await unknown_tags(conn, partner.id, session_id, limit=5000)
    return await render_template(
        "sessions/unknown_tags.html", session=session, tags=tags, **_page_helpers()
    )


async def _own_session(conn: Connection, partner_id: int, session_id: int) -> SessionSummary:
    found = await list_sessions(conn, partner_id, session_id)
    if not found:
        abort(404)
    return found[0]


def _done(session_id: int, what: str) -> ResponseReturnValue:
    return redirect(f"/sessions/{session_id}?done={what}", 303)


@bp.post("/sessions/<int:session_id>/rename")
@require_role("operator")
async def session_rename(session_id: int) -> ResponseReturnValue:
    partner = current_partner()
    form = await form_fields()
    try:
        async with tenant() as conn:
            if not await rename_session(conn, partner.id, session_id, form.get("name", "")):
                abort(404)
    except SessionOpError as exc:
        return await _detail(session_id, f"Not renamed: {exc}.", "bad", 400)
    return _done(session_id, "renamed")


@bp.post("/sessions/<int:session_id>/status")
@require_role("operator")
async def session_status(session_id: int) -> ResponseReturnValue:
    partner = current_partner()
    status = (await form_fields()).get("status", "")
    try:
        async with tenant() as conn:
            if not await set_session_status(conn, partner.id, session_id, status):
                abort(404)
    except SessionOpError as exc:
        return await _detail(session_id, f"Not changed: {exc}.", "bad", 400)
    return _done(session_id, status)


@bp.post("/sessions/<int:session_id>/guns")
@require_role("operator")
async def session_gun(session_id: int) -> ResponseReturnValue:
    partner = current_partner()
    form = await form_fields()
    try:
        async with tenant() as conn:
            session = await _own_session(conn, partner.id, session_id)
            moment = parse_clock(form.get("time", ""), session.day)
            await set_manual_gun(conn, partner.id, session_id, form.get("wave", ""), moment)
    except (SessionOpError, ClockError) as exc:
        return await _detail(session_id, f"Gun time not saved: {exc}.", "bad", 400)
    return _done(session_id, "gun")


@bp.post("/sessions/<int:session_id>/guns/<int:gun_id>/delete")
@require_role("operator")
async def session_gun_delete(session_id: int, gun_id: int) -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        if not await delete_manual_gun(conn, partner.id, session_id, gun_id):
            abort(404)
    return _done(session_id, "gun-deleted")


@bp.post("/sessions/<int:session_id>/merge")
@require_role("operator")
async def session_merge(session_id: int) -> ResponseReturnValue:
    partner = current_partner()
    form = await form_fields()
    other = parse_id(form.get("other", ""))
    if other is None:
        return await _detail(session_id, "Choose the session to merge into this one.", "bad", 400)
    if form.get("confirm") != "yes":
        return await _detail(
            session_id, "Tick the box to confirm: the other session is deleted.", "bad", 400
        )
    try:
        async with tenant() as conn:
            await _own_session(conn, partner.id, session_id)
            await _own_session(conn, partner.id, other)
            outcome = await merge_sessions(conn, partner.id, session_id, other)
    except SessionOpError as exc:
        return await _detail(session_id, f"Not merged: {exc}.", "bad", 400)
    for display_id in outcome.displays_rebound:
        # Open screens reconnect and load the feed of the session they now belong to.
        services().hub.close_display(display_id, 4000, "session merged")
    return _done(session_id, "merged")
