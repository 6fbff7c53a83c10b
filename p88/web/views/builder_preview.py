"""The template builder's live preview: which sessions it can show, and a websocket that streams
a session's passings exactly as displays get them, for the builder to draw its template with.

The socket is one more screen on the hub's display feed of (session, every point, default
rules): the same detector, participant join and encoded-once messages as a venue screen, so the
preview cannot drift from what a display would show (the builder picks the FINISH passings out
itself). Viewers and up may preview; another partner's session is refused with 404 before the
upgrade.

Server -> builder, JSON text frames:
- `{"type":"hello","session":{id,name,event},"events":[...],"missed":N,
  "gun_epoch_ms":ms|null}`: the feed's recent history (oldest first), or what came after
  `?after=<event id>` on a reconnect;
- `{"type":"passings","events":[...]}`: as on a display socket (docs/DISPLAYS.md);
- `{"type":"clock","gun_epoch_ms":ms|null}`: the session's gun changed (set or corrected by hand).
Close 4000: fell behind, reconnect with `?after=`; 1001/1011: the hub could not serve it now.
"""

from __future__ import annotations

import json

import trio
from quart import Blueprint, abort, jsonify, websocket
from quart.typing import ResponseReturnValue

from p88.db.pool import DATABASE_DOWN_ERRORS
from p88.db.preview_sessions import PreviewSession, live_preview_sessions, preview_session
from p88.db.tenancy import tenant_transaction
from p88.hub import FeedUnavailable
from p88.live.enrich import load_guns
from p88.live.feeds import FeedKey, Outbox
from p88.live.passings import Rules
from p88.live.race_clock import gun_epoch_ms
from p88.web.auth import current_partner, require_role
from p88.web.display_access import after_of
from p88.web.outbox_close import close_if_outbox_ended
from p88.web.services import services

bp = Blueprint("builder_preview", __name__)

# Screens of a display carry its id; no display has id 0, so rotating or revoking a display
# (Hub.close_display) never reaches a preview.
PREVIEW_SCREEN_ID = 0
GUN_CHECK_SECONDS = 5.0  # a gun set by hand reaches an open preview's race clock within this
GUN_RECHECK_SECONDS = 1.0  # while passings arrive and no gun is known, look at most this often


async def _gun(partner_id: int, session: PreviewSession) -> int | None:
    async with tenant_transaction(services().pool, partner_id) as conn:
        guns = await load_guns(conn, partner_id, session.id)
    return gun_epoch_ms(guns, session.timezone)


@bp.get("/templates/preview/sessions")
@require_role("viewer")
async def preview_sessions() -> ResponseReturnValue:
    """The builder's preview menu: the partner's live sessions."""
    partner = current_partner()
    async with tenant_transaction(services().pool, partner.id) as conn:
        sessions = await live_preview_sessions(conn, partner.id)
    return jsonify(
        {"sessions": [{"id": s.id, "name": s.name, "event": s.event_name} for s in sessions]}
    )


@bp.websocket("/templates/preview/sessions/<int:session_id>/ws")
@require_role("viewer")
async def preview_socket(session_id: int) -> None:
    partner = current_partner()
    async with tenant_transaction(services().pool, partner.id) as conn:
        session = await preview_session(conn, partner.id, session_id)
    if session is None:
        abort(404)
    await websocket.accept()
    hub = services().hub
    outbox = Outbox(PREVIEW_SCREEN_ID)
    after = after_of(websocket.args.get("after", ""))
    try:
        key = FeedKey(session.id, None, Rules())
        attached = await hub.attach(outbox, partner.id, session.event_name, key, after)
    except FeedUnavailable as exc:
        await websocket.close(exc.code, exc.reason)
        return
    try:
        gun = await _gun(partner.id, session)
        hello = {
            "type": "hello",
            "session": {"id": session.id, "name": session.name, "event": session.event_name},
            "events": attached.events,
            "missed": attached.missed,
            "gun_epoch_ms": gun,
        }
        await websocket.send(json.dumps(hello, separators=(",", ":")))
        await _pump(outbox, partner.id, session, gun)
    finally:
        hub.detach(attached.feed, outbox)


async def _pump(outbox: Outbox, partner_id: int, session: PreviewSession, gun: int | None) -> None:
    """Send what the hub queues; look for a changed gun every GUN_CHECK_SECONDS, and sooner
    while there is none but passings arrive (the race has started: its gun is stored by now)."""
    checked = trio.current_time()
    while True:
        with trio.move_on_at(checked + GUN_CHECK_SECONDS):
            await outbox.wait()
        if await close_if_outbox_ended(outbox):
            return
        frame = outbox.take_all()
        if frame is not None:
            await websocket.send(frame)
        now = trio.current_time()
        missing = gun is None and frame is not None and now - checked >= GUN_RECHECK_SECONDS
        if not missing and now - checked < GUN_CHECK_SECONDS:
            continue
        checked = now
        try:
            latest = await _gun(partner_id, session)
        except DATABASE_DOWN_ERRORS:
            continue  # the clock keeps its last gun; passings still flow
        if latest != gun:
            gun = latest
            await websocket.send(json.dumps({"type": "clock", "gun_epoch_ms": gun}))
