"""`/api/v1/sessions/<id>/corrections`: the timer's corrections through the data API: a
manual time at a point, or a DNF/DNS/DQ with its reason; listed, and undone by DELETE.

Exactly as the corrections page makes them (p88.web.views.results_corrections): checked by the
same rules (`correction_from_form`), stored with what they change as it was, written to the
company's audit log with the same words, and taken by the results at once; who made one is
the API key ("API key <name>" on the page and in the audit log). A POST with an
Idempotency-Key is done once: a retry gets the first answer.
"""

from __future__ import annotations

import json
from typing import Any

from quart import Response, request

from p88.db import results as db
from p88.db.api_idempotency import settle
from p88.db.api_keys import READ, WRITE_RESULTS
from p88.db.api_results import key_name
from p88.db.audit import record
from p88.db.pool import Connection
from p88.results.document import correction_of, row_of
from p88.web.api.access import api_tenant, caller, needs
from p88.web.api.blueprint import api
from p88.web.api.bodies import json_body
from p88.web.api.idempotency import claim_key, idempotency_key, replayed
from p88.web.api.openapi import documented, writes
from p88.web.api.output import single_answer, small_list_answer, utc_text
from p88.web.api.problems import ApiProblem, not_found
from p88.web.api.result_lists import snapshots
from p88.web.api.results import own_results, results_service
from p88.web.api.results_models import Correction, CorrectionCreate, CorrectionsList
from p88.web.auth.identity import client_address
from p88.web.views.results_changes import KIND_NAMES, before_of, correction_from_form, describe


def correction_document(c: db.CorrectionRow) -> dict[str, Any]:
    return {
        "id": c.id,
        "kind": c.kind,
        "bib": c.bib,
        "after": describe(c.kind, c.bib, c.payload),
        "before": str((c.before or {}).get("value", "")),
        "reason": c.reason,
        "created_by": c.created_by,
        "created_at": c.created_at,
        "undone_by": c.undone_by,
        "undone_at": c.undone_at,
    }


def _text(document: dict[str, Any]) -> str:
    plain = {k: utc_text(v) if hasattr(v, "tzinfo") else v for k, v in document.items()}
    return json.dumps(plain, separators=(",", ":"), ensure_ascii=False)


async def _own_session(conn: Connection, session_id: int) -> db.SessionFacts:
    who = caller()
    facts = await db.session_facts(conn, who.partner_id, session_id)
    if facts is None or who.event_name not in (None, facts.event_name):
        raise not_found("timing session")
    return facts


async def _stored(conn: Connection, session_id: int, correction_id: int) -> db.CorrectionRow:
    rows = await db.corrections(conn, caller().partner_id, session_id)
    found = next((c for c in rows if c.id == correction_id), None)
    if found is None:
        raise not_found("correction")
    return found


async def _audit(conn: Connection, action: str, detail: str) -> None:
    who = caller()
    name = await key_name(conn, who.partner_id, who.key_id)
    await record(
        conn,
        action,
        partner_id=who.partner_id,
        actor_id=None,
        actor_email=f"API key {name}",
        address=client_address(),
        detail=detail,
    )


def _form(body: CorrectionCreate) -> dict[str, str]:
    """The body as the corrections page's form, for its checks."""
    values = {"kind": body.kind, "bib": body.bib, "reason": body.reason}
    values.update(point=body.point or "", time=body.time or "", status=body.status or "")
    return values


@api.post("/v1/sessions/<int:session_id>/corrections")
@needs(WRITE_RESULTS)
@writes(CorrectionCreate)
@documented(Correction, 201)
async def create_correction(session_id: int) -> Response:
    """Correct a runner's result: a manual time at a point of their course (it wins over the
    reads there), or DNF, DNS or DQ with a reason. The results take it at once."""
    body = await json_body(CorrectionCreate)
    key = idempotency_key(required=False)
    results = await own_results(session_id)
    try:
        correction = correction_from_form(_form(body), results.engine, results.facts.day)
    except ValueError as exc:
        detail = f"Not saved: {exc}."
        raise ApiProblem(422, "invalid-body", detail, errors=[{"detail": str(exc)}]) from None
    before = before_of(correction, results.engine)
    stored = row_of(correction)
    reason = body.reason.strip()
    who = caller()
    async with api_tenant() as conn:
        await _own_session(conn, session_id)  # in the transaction that writes
        found = await claim_key(conn, key) if key else None
        if found is not None:
            return replayed(found)
        cid = await db.add_correction(
            conn, who.partner_id, session_id, stored, before, reason, None, key_id=who.key_id
        )
        change = f"{before['value']} → {describe(*stored)}"
        detail = f"session {session_id} #{cid} {KIND_NAMES[stored[0]]} {stored[1]}: {change}"
        await _audit(conn, "results correction", detail)
        answer = _text(correction_document(await _stored(conn, session_id, cid)))
        if key:
            await settle(conn, who.key_id, key, 201, answer)
    loaded = results_service().loaded(session_id)
    if loaded is not None and cid not in {c.id for c in loaded.engine.corrections}:
        results_service().apply(session_id, correction_of(cid, *stored))
    snapshots().forget(session_id)
    return Response(answer, status=201, content_type="application/json")


@api.get("/v1/sessions/<int:session_id>/corrections")
@needs(READ)
@documented(CorrectionsList)
async def list_corrections(session_id: int) -> Response:
    """A session's corrections, oldest first, undone ones included (with who undid them)."""
    async with api_tenant() as conn:
        await _own_session(conn, session_id)
        rows = await db.corrections(conn, caller().partner_id, session_id)
    documents = [correction_document(c) for c in rows]
    return small_list_answer(documents, request.args.get("format"), dict)


@api.delete("/v1/sessions/<int:session_id>/corrections/<int:correction_id>")
@needs(WRITE_RESULTS)
@documented(Correction)
async def undo_correction(session_id: int, correction_id: int) -> Response:
    """Undo a correction (it stays listed, marked undone); the results take it at once.
    Undoing an undone correction changes nothing and answers it as it is."""
    who = caller()
    async with api_tenant() as conn:
        await _own_session(conn, session_id)
        found = await _stored(conn, session_id, correction_id)
        undone = found.undone_at is None and await db.undo_correction(
            conn, who.partner_id, session_id, correction_id, None, key_id=who.key_id
        )
        if undone:
            what = f"{KIND_NAMES.get(found.kind, found.kind)} {found.bib}"
            detail = f"session {session_id} #{correction_id} {what}: undone"
            await _audit(conn, "results correction undone", detail)
            found = await _stored(conn, session_id, correction_id)
    loaded = results_service().loaded(session_id)
    if loaded is not None and correction_id in {c.id for c in loaded.engine.corrections}:
        results_service().revoke(session_id, correction_id)
    snapshots().forget(session_id)
    return single_answer(_text(correction_document(found)))
