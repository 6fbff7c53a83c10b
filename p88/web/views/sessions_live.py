"""The live preview of a session's newest reads (`/sessions/<id>/live`), before any display is
bound to it: raw reads, joined with their participant when the tag has one.

Order of work avoids a gap: subscribe to the hub first, then send the newest stored reads, then
forward live reads whose id is above the last one sent. A preview that falls behind (its hub
buffer overflowed) is told to resync and gets the newest reads again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import trio
from quart import Blueprint, abort, current_app, websocket

from p88.db.pool import DATABASE_DOWN_ERRORS
from p88.db.sessions import RecentRead, recent_reads, session_by_id
from p88.db.tenancy import tenant_transaction
from p88.hub import Subscription
from p88.ingest.records import StoredRead
from p88.participants.queries import participants_for_tags
from p88.web.auth import current_partner, require_role
from p88.web.services import services_of
from p88.web.views.timefmt import clock

bp = Blueprint("sessions_live", __name__)

BACKLOG = 30
MAX_BATCH = 200


def _read_json(read_id: int, location: str, tag: str, local_time: Any, bib: Any, name: Any) -> Any:
    return {
        "id": read_id,
        "location": location,
        "tag": tag,
        "time": clock(local_time),
        "bib": bib,
        "name": name,
    }


def _recent_json(reads: Sequence[RecentRead]) -> list[Any]:
    # Oldest first, as live reads arrive.
    return [
        _read_json(r.id, r.location, r.tag, r.local_time, r.bib, r.name) for r in reversed(reads)
    ]


async def _backlog(partner_id: int, session_id: int) -> list[Any]:
    async with tenant_transaction(services_of(current_app).pool, partner_id) as conn:
        return _recent_json(await recent_reads(conn, partner_id, session_id, BACKLOG))


async def _joined(partner_id: int, event_name: str, reads: Sequence[StoredRead]) -> list[Any]:
    async with tenant_transaction(services_of(current_app).pool, partner_id) as conn:
        people = await participants_for_tags(conn, partner_id, event_name, (r.tag for r in reads))
    out = []
    for r in reads:
        person = people.get(r.tag)
        out.append(
            _read_json(
                r.id,
                r.location,
                r.tag,
                r.local_time,
                person.bib if person else None,
                (person.name or None) if person else None,
            )
        )
    return out


async def _next_batch(sub: Subscription) -> list[StoredRead]:
    """Wait for one read, then take what else is already queued."""
    batch = [await sub.receive.receive()]
    while len(batch) < MAX_BATCH:
        try:
            batch.append(sub.receive.receive_nowait())
        except (trio.WouldBlock, trio.EndOfChannel):
            break
    return batch


async def _send(kind: str, **payload: Any) -> None:
    await websocket.send(json.dumps({"type": kind, **payload}))


@bp.websocket("/sessions/<int:session_id>/live")
@require_role("viewer")
async def session_live(session_id: int) -> None:
    partner = current_partner()
    hub = services_of(current_app).hub
    async with tenant_transaction(services_of(current_app).pool, partner.id) as conn:
        session = await session_by_id(conn, partner.id, session_id)
    if session is None:
        abort(404)
    await websocket.accept()
    sub = hub.subscribe(session_id)
    try:
        last_id = 0
        while True:
            backlog = await _backlog(partner.id, session_id)
            last_id = max([last_id, *(r["id"] for r in backlog)])
            await _send("backlog", reads=backlog)
            while not sub.overflowed:
                batch = [r for r in await _next_batch(sub) if r.id > last_id]
                if not batch:
                    continue
                try:
                    reads = await _joined(partner.id, session.event_name, batch)
                except DATABASE_DOWN_ERRORS:
                    reads = [
                        _read_json(r.id, r.location, r.tag, r.local_time, None, None) for r in batch
                    ]
                last_id = max(last_id, *(r.id for r in batch))
                await _send("reads", reads=reads)
            # Fell behind: start over from the newest stored reads with a fresh subscription.
            hub.unsubscribe(sub)
            sub = hub.subscribe(session_id)
            await _send("resync")
    finally:
        hub.unsubscribe(sub)
