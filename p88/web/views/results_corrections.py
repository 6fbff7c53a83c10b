"""Corrections page, per timing session: the timer's changes (manual times, DNF/DNS/DQ with a
reason, an ignored read, a runner's wave or course, a moved gun, a confirmed result, a closed
course), each stored with who, when and what it was before, listed, and undoable. Reads are
never edited: a correction is an input beside them, and the results take it at once.

Viewers look; operators correct and undo. Each change also goes to the company's audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from quart import Blueprint, abort, redirect, render_template, request
from quart.typing import ResponseReturnValue

from p88.db import results as db
from p88.results.clock import format_elapsed, format_time_of_day, hundredths
from p88.results.corrections import Correction, SetStatus
from p88.results.document import correction_of, row_of
from p88.web.auth import current_partner, current_user, require_role
from p88.web.forms import form_fields
from p88.web.tenant import tenant
from p88.web.views.accounts_common import audit
from p88.web.views.results_changes import (
    KIND_NAMES,
    STATUS_NAMES,
    before_of,
    correction_from_form,
    describe,
    result_summary,
)
from p88.web.views.results_common import (
    can_edit,
    own_facts,
    problem_views,
    results_service,
    session_results,
)
from p88.web.views.timefmt import clock

bp = Blueprint("results_corrections", __name__)

DONE = {"added": "Correction saved: the results took it at once.", "undone": "Correction undone."}


@dataclass(frozen=True, slots=True)
class CorrectionView:
    """One line of the corrections list."""

    id: int
    kind: str
    subject: str  # bib, wave or course it is for
    before: str
    after: str
    result_before: str
    reason: str
    created_by: str
    created_at: datetime
    undone_by: str
    undone_at: datetime | None


def _view(c: db.CorrectionRow) -> CorrectionView:
    p = c.payload
    subject = c.bib or str(p.get("wave", p.get("course", p.get("tag", ""))))
    before = c.before or {}
    return CorrectionView(
        c.id,
        KIND_NAMES.get(c.kind, c.kind),
        subject,
        str(before.get("value", "")),
        describe(c.kind, c.bib, p),
        result_summary(before.get("result")),
        c.reason,
        c.created_by or "(account removed)",
        c.created_at,
        c.undone_by,
        c.undone_at,
    )


def _hundredths_clock(value: int | None) -> str:
    return "" if value is None else format_time_of_day(value)


def _elapsed(value: int | None) -> str:
    return "" if value is None else format_elapsed(value)


async def _page(
    session_id: int,
    form: dict[str, str] | None = None,
    flash: str | None = None,
    kind: str = "ok",
    status: int = 200,
) -> tuple[str, int]:
    partner = current_partner()
    values: dict[str, str] = dict(form or {})
    bib = (values.get("bib") or request.args.get("bib", "")).strip()[:32]
    async with tenant() as conn:
        facts = await own_facts(conn, partner.id, session_id)
        stored = await db.corrections(conn, partner.id, session_id)
    results, why = await session_results(partner.id, session_id)
    engine = results.engine if results is not None else None
    runner = engine.runner(bib) if engine is not None and bib else None
    reads: list[Any] = []
    if runner is not None:
        async with tenant() as conn:
            reads = await db.tag_reads(conn, partner.id, session_id, runner.entrant.tag)
    if flash is None and request.args.get("done") in DONE:
        flash = DONE[request.args["done"]]
    body = await render_template(
        "results/corrections.html",
        facts=facts,
        why=why,
        engine=engine,
        problems=problem_views(results) if results is not None else [],
        bib=bib,
        runner=runner,
        row=engine.row(bib) if engine is not None and runner is not None else None,
        reads=reads,
        values=values,
        corrections=[_view(c) for c in reversed(stored)],
        points=_point_names(engine),
        statuses=STATUS_NAMES,
        tod=_hundredths_clock,
        elapsed=_elapsed,
        hundredths=hundredths,
        clock=clock,
        can_edit=can_edit(),
        flash=flash,
        flash_kind=kind,
    )
    return body, status


def _point_names(engine: Any) -> list[str]:
    if engine is None:
        return []
    names = (name for course in engine.setup.courses for name in course.point_names)
    return list(dict.fromkeys(names))


@bp.get("/sessions/<int:session_id>/results/corrections")
@require_role("viewer")
async def corrections_page(session_id: int) -> tuple[str, int]:
    return await _page(session_id)


def _apply(session_id: int, correction: Correction) -> None:
    """Into the engine at once, unless a rebuild since has read it from the database."""
    results = results_service().loaded(session_id)
    if results is not None and correction.id not in {c.id for c in results.engine.corrections}:
        results_service().apply(session_id, correction)


@bp.post("/sessions/<int:session_id>/results/corrections")
@require_role("operator")
async def correction_add(session_id: int) -> ResponseReturnValue:
    partner = current_partner()
    form = await form_fields()
    async with tenant() as conn:
        facts = await own_facts(conn, partner.id, session_id)
    results, why = await session_results(partner.id, session_id)
    if results is None:
        return await _page(session_id, form, f"Not saved: {why}.", "bad", 400)
    try:
        correction = correction_from_form(form, results.engine, facts.day)
    except ValueError as exc:
        return await _page(session_id, form, f"Not saved: {exc}.", "bad", 400)
    before = before_of(correction, results.engine)
    stored = row_of(correction)
    reason = form.get("reason", "").strip()
    if isinstance(correction, SetStatus):
        reason = correction.reason
    async with tenant() as conn:
        await own_facts(conn, partner.id, session_id)  # in the transaction that writes
        cid = await db.add_correction(
            conn, partner.id, session_id, stored, before, reason, current_user().id
        )
        change = f"{before['value']} → {describe(stored[0], stored[1], stored[2])}"
        detail = f"session {session_id} #{cid} {KIND_NAMES[stored[0]]} {stored[1]}: {change}"
        await audit(conn, "results correction", partner.id, detail)
    _apply(session_id, correction_of(cid, *stored))
    query = {"done": "added", **({"bib": stored[1]} if stored[1] else {})}
    return redirect(f"/sessions/{session_id}/results/corrections?{urlencode(query)}", 303)


@bp.post("/sessions/<int:session_id>/results/corrections/<int:correction_id>/undo")
@require_role("operator")
async def correction_undo(session_id: int, correction_id: int) -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        await own_facts(conn, partner.id, session_id)
        found = next(
            (
                c
                for c in await db.corrections(conn, partner.id, session_id)
                if c.id == correction_id
            ),
            None,
        )
        if found is None:
            abort(404)
        undone = found.undone_at is None and await db.undo_correction(
            conn, partner.id, session_id, correction_id, current_user().id
        )
        if undone:
            what = f"{KIND_NAMES.get(found.kind, found.kind)} {found.bib}"
            detail = f"session {session_id} #{correction_id} {what}: undone"
            await audit(conn, "results correction undone", partner.id, detail)
    if not undone:
        return await _page(
            session_id, None, f"Correction {correction_id} was undone already.", "warn"
        )
    loaded = results_service().loaded(session_id)
    if loaded is not None and correction_id in {c.id for c in loaded.engine.corrections}:
        results_service().revoke(session_id, correction_id)
    return redirect(f"/sessions/{session_id}/results/corrections?done=undone", 303)
