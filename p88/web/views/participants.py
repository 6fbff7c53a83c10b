"""Participants pages: the list per event with search, the CSV import (upload -> detected
mapping the operator can adjust -> import with a row-by-row report), and editing one runner.

Viewers look; operators import and edit. Every query runs in `tenant_transaction` and filters by
the current partner; another partner's participant or upload id is a 404.

Reading a file is CPU work (a million rows take seconds), so it runs in a worker thread, never
on the event loop that serves the collector and the screens. The upload is read once and what
was found is kept beside it: the mapping page shows that without reading the file again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import trio
from quart import Blueprint, abort, redirect, render_template, request
from quart.typing import ResponseReturnValue

from p88.db.accounts import role_rank
from p88.db.pool import Connection
from p88.participants import queries as db
from p88.participants.csvfile import CsvFileError
from p88.participants.dates import ORDERS
from p88.participants.importer import import_participants, prepare_import
from p88.participants.mapping import MappingError, mapping_from_form
from p88.participants.model import FIELDS, Participant
from p88.participants.upload import UploadSummary, from_json, summarise, to_json
from p88.participants.validate import FieldError, fields_from_values
from p88.web.auth import current_partner, require_role
from p88.web.forms import form_fields
from p88.web.tenant import tenant

bp = Blueprint("participants", __name__)

EDIT_FIELDS = [name for name in FIELDS if name != "full_name"]
T = TypeVar("T")


def _can_edit() -> bool:
    return role_rank(current_partner().role) >= role_rank("operator")


async def _off_loop(work: Callable[..., T], *args: Any) -> T:
    """CPU-bound work in a worker thread; a cancelled request abandons it (it has no effects)."""
    return await trio.to_thread.run_sync(work, *args, abandon_on_cancel=True)


@bp.get("/participants")
@require_role("viewer")
async def participant_list() -> str:
    partner = current_partner()
    search = request.args.get("q", "")[:100]
    async with tenant() as conn:
        events = await db.event_names(conn, partner.id)
        event = request.args.get("event", "")[:200] or (events[0] if events else "")
        people = await db.list_participants(conn, partner.id, event, search) if event else []
        total = await db.count_participants(conn, partner.id, event) if event else 0
    return await render_template(
        "participants/list.html",
        events=events,
        event=event,
        search=search,
        people=people,
        total=total,
        can_edit=_can_edit(),
    )


@bp.get("/participants/import")
@require_role("operator")
async def import_form() -> ResponseReturnValue:
    return await _upload_page()


async def _upload_page(error: str | None = None, status: int = 200) -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        events = await db.event_names(conn, partner.id)
    body = await render_template(
        "participants/import.html",
        events=events,
        event=request.args.get("event", ""),
        flash=error,
        flash_kind="bad",
    )
    return body, status


@bp.post("/participants/import")
@require_role("operator")
async def import_upload() -> ResponseReturnValue:
    partner = current_partner()
    form = await form_fields()
    files = await request.files
    upload = files.get("file")
    event = form.get("event", "").strip()[:200]
    if not event:
        return await _upload_page("Name the event these participants run in.", 400)
    if upload is None or not upload.filename:
        return await _upload_page("Choose the CSV file to import.", 400)
    data = await _off_loop(upload.read)  # from a temporary file once over 500 KB
    try:
        summary = await _off_loop(summarise, data)
    except CsvFileError as exc:
        return await _upload_page(f"The file cannot be read: {exc}.", 400)
    async with tenant() as conn:
        upload_id = await db.save_upload(
            conn, partner.id, event, upload.filename, data, to_json(summary)
        )
    return redirect(f"/participants/import/{upload_id}", 303)


async def _load_summary(upload_id: int) -> tuple[str, str, UploadSummary]:
    """(event, file name, summary) of one of the partner's uploads; 404 for any other id.
    An upload kept before summaries existed is read once (off the loop) and its summary kept."""
    partner = current_partner()
    async with tenant() as conn:
        found = await db.load_upload_summary(conn, partner.id, upload_id)
        if found is None:
            abort(404)
        event, filename, summary = found
        if summary is not None:
            return event, filename, from_json(summary)
        data = await db.load_upload_data(conn, partner.id, upload_id)
    assert data is not None  # the row was there a statement ago, in this transaction
    fresh = await _off_loop(summarise, data)
    async with tenant() as conn:
        await db.save_upload_summary(conn, partner.id, upload_id, to_json(fresh))
    return event, filename, fresh


async def _upload_data(upload_id: int) -> bytes:
    partner = current_partner()
    async with tenant() as conn:
        data = await db.load_upload_data(conn, partner.id, upload_id)
    if data is None:
        abort(404)
    return data


async def _mapping_page(
    upload_id: int, event: str, filename: str, summary: UploadSummary, error: str | None = None
) -> ResponseReturnValue:
    mapping = summary.mapping
    first = summary.preview[0].values if summary.preview else []
    body = await render_template(
        "participants/mapping.html",
        upload_id=upload_id,
        event=event,
        filename=filename,
        summary=summary,
        check=summary.check,
        fields=FIELDS,
        mapping=mapping.columns,
        date_order=mapping.date_order,
        date_orders=ORDERS,
        samples=[first[i] if i < len(first) else "" for i in range(len(summary.header))],
        ignored=mapping.ignored(summary.header),
        flash=error,
        flash_kind="bad",
    )
    return body, 400 if error else 200


@bp.get("/participants/import/<int:upload_id>")
@require_role("operator")
async def import_mapping(upload_id: int) -> ResponseReturnValue:
    try:
        return await _mapping_page(upload_id, *await _load_summary(upload_id))
    except CsvFileError as exc:
        return await _upload_page(f"The file cannot be read: {exc}.", 400)


@bp.post("/participants/import/<int:upload_id>")
@require_role("operator")
async def import_apply(upload_id: int) -> ResponseReturnValue:
    partner = current_partner()
    form = await form_fields()
    try:
        event, filename, summary = await _load_summary(upload_id)
    except CsvFileError as exc:
        return await _upload_page(f"The file cannot be read: {exc}.", 400)
    try:
        mapping = mapping_from_form(form, summary.header)
    except MappingError as exc:
        return await _mapping_page(upload_id, event, filename, summary, f"Not imported: {exc}.")
    data = await _upload_data(upload_id)
    if form.get("action") == "check":
        checked = await _off_loop(summarise, data, mapping)
        async with tenant() as conn:
            await db.save_upload_summary(conn, partner.id, upload_id, to_json(checked))
        return redirect(f"/participants/import/{upload_id}", 303)
    prepared = await _off_loop(prepare_import, data, mapping)
    async with tenant() as conn:
        if not await db.claim_upload(conn, partner.id, upload_id):
            return await _upload_page("This file has just been imported (a second click?).", 409)
        report = await import_participants(conn, partner.id, event, prepared)
    return await render_template(
        "participants/report.html", report=report, event=event, filename=filename
    )


async def _own(conn: Connection, participant_id: int) -> Participant:
    person = await db.participant_by_id(conn, current_partner().id, participant_id)
    if person is None:
        abort(404)
    return person


@bp.get("/participants/<int:participant_id>")
@require_role("viewer")
async def participant_edit(participant_id: int) -> ResponseReturnValue:
    async with tenant() as conn:
        person = await _own(conn, participant_id)
    return await _edit_page(person, _values_of(person))


def _values_of(person: Participant) -> dict[str, str]:
    values = {name: str(getattr(person, name) or "") for name in EDIT_FIELDS}  # dates: ISO
    values["vip"] = "yes" if person.vip else ""
    return values


async def _edit_page(
    person: Any, values: dict[str, str], error: str | None = None, saved: bool = False
) -> ResponseReturnValue:
    body = await render_template(
        "participants/edit.html",
        person=person,
        values=values,
        fields={name: FIELDS[name] for name in EDIT_FIELDS},
        can_edit=_can_edit(),
        flash=error or ("Saved." if saved else None),
        flash_kind="bad" if error else "ok",
    )
    return body, 400 if error else 200


@bp.post("/participants/<int:participant_id>")
@require_role("operator")
async def participant_save(participant_id: int) -> ResponseReturnValue:
    partner = current_partner()
    form = await form_fields()
    values = {name: form.get(name, "") for name in EDIT_FIELDS}
    values["vip"] = "yes" if form.get("vip") else ""
    async with tenant() as conn:
        person = await _own(conn, participant_id)
        try:
            fields = fields_from_values(values)
            await db.update_participant(conn, partner.id, person, fields)
        except (FieldError, db.ParticipantConflict) as exc:
            return await _edit_page(person, values, f"Not saved: {exc}.")
        person = await _own(conn, participant_id)
    return await _edit_page(person, _values_of(person), saved=True)
