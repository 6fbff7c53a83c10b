"""`/api/v1/participants`: list, read, create, change, and upsert many by bib.

Every write checks its values with the CSV import's rules (p88.participants.validate); the
bulk upsert goes through the import itself (p88.web.api.participant_rows). Writes are
idempotent: upserts and changes by their natural key (event and bib, or the id), creation by an
optional Idempotency-Key (without one, creating a bib twice is a 409).
"""

from __future__ import annotations

import json
from typing import Any

import trio
from quart import Response

from p88.db.api_idempotency import settle
from p88.db.api_keys import READ, WRITE_PARTICIPANTS
from p88.db.api_participants import PARTICIPANTS, participant_id_of
from p88.db.api_query import Filter, Page
from p88.db.api_rows import json_rows
from p88.db.pool import Connection
from p88.participants import queries
from p88.participants.importer import import_participants, prepare_import
from p88.participants.model import FIELD_NAMES, Participant
from p88.participants.validate import FieldError, fields_from_values
from p88.web.api.access import api_tenant, caller, needs
from p88.web.api.blueprint import api
from p88.web.api.bodies import json_body
from p88.web.api.idempotency import claim_key, idempotency_key, replayed
from p88.web.api.models import (
    Participant as ParticipantModel,
)
from p88.web.api.models import (
    ParticipantChange,
    ParticipantCreate,
    ParticipantsPage,
    ParticipantsUpsert,
    UpsertReport,
)
from p88.web.api.openapi import documented, lists, writes
from p88.web.api.output import fixed_args, list_answer, single_answer
from p88.web.api.participant_rows import MAPPING, ROW_FIELDS, cell, rejected_rows, rows_as_csv
from p88.web.api.problems import ApiProblem, not_found
from p88.web.api.requests import list_request


@api.get("/v1/participants")
@needs(READ)
@lists(PARTICIPANTS)
@documented(ParticipantsPage)
async def list_participants() -> Response:
    """Participants of the company's events (filter by event=eq.<name>)."""
    return await list_answer(PARTICIPANTS, list_request(PARTICIPANTS), fixed_args())


async def _participant_json(conn: Connection, participant_id: int) -> str | None:
    page = Page((Filter("id", "eq", participant_id),), None, 1)
    rows = await json_rows(conn, PARTICIPANTS, page, fixed_args())
    return str(rows.body) if rows.count else None


@api.get("/v1/participants/<int:participant_id>")
@needs(READ)
@documented(ParticipantModel)
async def get_participant(participant_id: int) -> Response:
    """One participant."""
    async with api_tenant() as conn:
        body = await _participant_json(conn, participant_id)
    if body is None:
        raise not_found("participant")
    return single_answer(body)


def _writable(event: str) -> str:
    limited = caller().event_name
    if limited is not None and event != limited:
        raise ApiProblem(404, "not-found", f"This key may only write to the event {limited!r}.")
    return event


def _texts(values: dict[str, Any]) -> dict[str, str]:
    """JSON values as the cells of an import row; 422 for a field or value no row takes."""
    texts = {}
    for name, value in values.items():
        text = cell(value)
        if name not in ROW_FIELDS or text is None:
            detail = (
                f"unknown field {name!r}; the fields are {', '.join(ROW_FIELDS)}"
                if name not in ROW_FIELDS
                else f"{name} must be text, a number, true/false or null"
            )
            raise ApiProblem(
                422, "invalid-body", detail, errors=[{"pointer": f"/{name}", "detail": detail}]
            )
        texts[name] = text
    return texts


def _checked(values: dict[str, str]) -> Any:
    try:
        return fields_from_values(values)
    except FieldError as exc:
        raise ApiProblem(422, "invalid-body", f"Not stored: {exc}.") from None


def _created(body: str, participant_id: int) -> Response:
    response = Response(body, status=201, content_type="application/json")
    response.headers["Location"] = f"/api/v1/participants/{participant_id}"
    return response


async def _insert(conn: Connection, event: str, fields: Any) -> tuple[str, int]:
    """Store a new participant; its JSON and id. 409 if the bib or its tag is taken."""
    partner_id = caller().partner_id
    if await participant_id_of(conn, partner_id, event, fields.bib) is not None:
        raise ApiProblem(
            409,
            "conflict",
            f"Bib {fields.bib} is already in {event}. Change it with PATCH, or send it with "
            "POST /api/v1/participants/upsert to replace it.",
        )
    inserted, _ = await queries.upsert_participants(conn, partner_id, event, [fields])
    participant_id = await participant_id_of(conn, partner_id, event, fields.bib)
    if not inserted or participant_id is None:
        raise ApiProblem(
            409,
            "conflict",
            f"Tag {fields.tag} is already worn by another runner of {event}: give one of them "
            "another tag.",
        )
    stored = await _participant_json(conn, participant_id)
    assert stored is not None
    return stored, participant_id


@api.post("/v1/participants")
@needs(WRITE_PARTICIPANTS)
@writes(ParticipantCreate)
@documented(ParticipantModel, 201)
async def create_participant() -> Response:
    """Add a participant to an event (409 if the bib is there already: use upsert or PATCH)."""
    body = await json_body(ParticipantCreate)
    event = _writable(body.event)
    fields = _checked(_texts({"bib": body.bib, **(body.model_extra or {})}))
    key = idempotency_key(required=False)
    async with api_tenant() as conn:
        found = await claim_key(conn, key) if key else None
        if found is not None:
            return replayed(found)
        stored, participant_id = await _insert(conn, event, fields)
        if key:
            await settle(conn, caller().key_id, key, 201, stored)
    return _created(stored, participant_id)


def _current_values(person: Participant) -> dict[str, str]:
    values = {name: str(getattr(person, name) or "") for name in FIELD_NAMES}
    values["vip"] = "yes" if person.vip else "no"
    return values


@api.patch("/v1/participants/<int:participant_id>")
@needs(WRITE_PARTICIPANTS)
@writes(ParticipantChange)
@documented(ParticipantModel)
async def change_participant(participant_id: int) -> Response:
    """Change some fields of a participant (the same request twice changes nothing more)."""
    body = await json_body(ParticipantChange)
    changes = dict(body.model_extra or {})
    if "event" in changes:
        raise ApiProblem(422, "invalid-body", "The event of a participant cannot change.")
    who = caller()
    async with api_tenant() as conn:
        person = await queries.participant_by_id(conn, who.partner_id, participant_id)
        if person is None or (who.event_name not in (None, person.event_name)):
            raise not_found("participant")
        fields = _checked({**_current_values(person), **_texts(changes)})
        try:
            await queries.update_participant(conn, who.partner_id, person, fields)
        except queries.ParticipantConflict as exc:
            raise ApiProblem(409, "conflict", f"Not changed: {exc}.") from None
        stored = await _participant_json(conn, participant_id)
    assert stored is not None
    return single_answer(stored)


@api.post("/v1/participants/upsert")
@needs(WRITE_PARTICIPANTS)
@writes(ParticipantsUpsert)
@documented(UpsertReport)
async def upsert_participants() -> Response:
    """Store many participants by bib, checked row by row like a CSV import: good rows are
    stored, each bad one is reported with its index and the reason."""
    body = await json_body(ParticipantsUpsert)
    event = _writable(body.event)
    rows = rows_as_csv(body.rows)
    prepared = await trio.to_thread.run_sync(
        prepare_import, rows.data, MAPPING, abandon_on_cancel=True
    )
    async with api_tenant() as conn:
        report = await import_participants(conn, caller().partner_id, event, prepared)
    rejected = rejected_rows(report, rows)
    document = {
        "inserted": report.inserted,
        "updated": report.updated,
        "rejected": rejected[:1000],
        "rejected_count": report.bad_count + len(rows.refused),
        "warnings": report.warnings,
    }
    return Response(json.dumps(document), content_type="application/json")
