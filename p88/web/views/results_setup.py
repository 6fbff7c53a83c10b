"""Results setup page, per timing session: points (the session's locations), courses, waves
with their guns and bib ranges, the age-group scheme. One HTML form over the setup document
(p88.results.document); until a setup is saved, the one suggested from the point names is
shown, labelled as such.

Viewers look; operators save. A saved setup rebuilds the session's results at once.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from quart import Blueprint, redirect, render_template, request
from quart.typing import ResponseReturnValue

from p88.db import results as db
from p88.live.results import NoResults
from p88.results.document import document_of, setup_from_document
from p88.results.suggest import suggested_document
from p88.results.waves import natural_key
from p88.web.auth import current_partner, current_user, require_role
from p88.web.forms import form_lists
from p88.web.tenant import tenant
from p88.web.views.accounts_common import audit
from p88.web.views.results_common import can_edit, own_facts, results_service
from p88.web.views.results_form import (
    document_from_form,
    form_of,
    setup_warnings,
    typed_document,
)
from p88.web.views.timefmt import clock

bp = Blueprint("results_setup", __name__)

ORIGINS = {
    "saved": "",
    "suggested": (
        "Not saved: p88 made it from the names of this session's timing points. Check every "
        "point and course, then save it."
    ),
    "empty": (
        "No setup yet, and no timing point is named like a finish: choose the finish (and "
        "start) locations of each course, then save."
    ),
    "posted": "",
}


async def _page(
    session_id: int,
    posted: dict[str, Any] | None = None,
    flash: str | None = None,
    kind: str = "ok",
    status: int = 200,
    more: str = "",
) -> tuple[str, int]:
    partner = current_partner()
    async with tenant() as conn:
        facts = await own_facts(conn, partner.id, session_id)
        stored = await db.setup_row(conn, partner.id, session_id)
        guns = await db.gun_times(conn, partner.id, session_id)
        counts = await db.field_counts(conn, partner.id, facts.event_name)
    lines = [g for g in guns if g["source"] == "hardware"]
    warnings: list[str] = []
    if posted is not None:
        doc, origin = posted, "posted"
    elif stored is not None:
        doc, origin = stored.document, "saved"
        try:
            warnings = setup_warnings(setup_from_document(doc, facts.day), facts.locations)
        except ValueError as exc:  # saved by an older version, say: say so, show it anyway
            warnings = [f"The saved setup cannot be used: {exc}"]
    else:
        suggested = suggested_document(facts.locations, [c.course for c in counts])
        doc, origin = (suggested, "suggested") if suggested else ({}, "empty")
    if flash is None and request.args.get("done") == "saved":
        flash = "Setup saved: the results were computed again from it."
    body = await render_template(
        "results/setup.html",
        facts=facts,
        form=form_of(doc, facts.locations, facts.day, more, len(lines)),
        origin=origin,
        origin_note=ORIGINS[origin],
        stored=stored,
        warnings=warnings,
        lines=lines,
        manual_guns=[g for g in guns if g["source"] == "manual"],
        file_courses=_tally(counts, "course"),
        file_waves=_tally(counts, "wave"),
        point_names=_point_names(doc, facts.locations),
        clock=clock,
        can_edit=can_edit(),
        flash=flash,
        flash_kind=kind,
    )
    return body, status


def _tally(counts: list[db.FieldCount], what: str) -> list[tuple[str, int]]:
    """Participants per course (or wave) named in the file, "" for those with none."""
    found: Counter[str] = Counter()
    for count in counts:
        found[getattr(count, what)] += count.count
    return sorted(found.items(), key=lambda item: natural_key(item[0]))


def _point_names(doc: dict[str, Any], locations: tuple[str, ...]) -> list[str]:
    """What a course may name as a point: the setup's points, then the session's locations."""
    named = [str(p.get("name", "")) for p in doc.get("points", ()) if p.get("name")]
    return list(dict.fromkeys([*named, *locations]))


@bp.get("/sessions/<int:session_id>/results/setup")
@require_role("viewer")
async def setup_page(session_id: int) -> tuple[str, int]:
    return await _page(session_id)


@bp.post("/sessions/<int:session_id>/results/setup")
@require_role("operator")
async def setup_save(session_id: int) -> ResponseReturnValue:
    partner = current_partner()
    fields = await form_lists()
    try:
        posted = document_from_form(fields)
    except ValueError as exc:
        return await _page(session_id, flash=f"Not saved: {exc}.", kind="bad", status=400)
    action = fields.get("action", [""])[0]
    if action in ("add-course", "add-rows"):
        return await _page(session_id, posted, more=action.removeprefix("add-"))
    async with tenant() as conn:
        facts = await own_facts(conn, partner.id, session_id)
        try:
            setup = setup_from_document(typed_document(posted), facts.day)
        except ValueError as exc:
            error = f"Not saved: {exc}."
        else:
            error = ""
            document = document_of(setup)
            await db.save_setup(conn, partner.id, session_id, document, current_user().id)
            courses = ", ".join(c.name for c in setup.courses)
            detail = f"session {session_id} ({facts.name}): courses {courses}"
            await audit(conn, "results setup saved", partner.id, detail)
    if error:
        return await _page(session_id, posted, error, "bad", 400)
    try:
        await results_service().rebuild(partner.id, session_id)
    except NoResults as exc:
        message = f"Setup saved, but the results cannot be computed: {exc}."
        return await _page(session_id, flash=message, kind="bad", status=200)
    return redirect(f"/sessions/{session_id}/results/setup?done=saved", 303)
