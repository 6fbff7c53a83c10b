"""`/templates/preview/sessions/<id>/ws`: the template builder's live preview. The socket is
one more screen on the hub's display feed of (session, every point, default rules): the same
detector, participant join and encoded-once frames as a venue screen, so the preview cannot
drift from what a display would show (the builder picks the FINISH passings out itself).
Viewers and up may preview; another partner's session is refused with 404 before the upgrade.

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

from p88.db.pool import DATABASE_DOWN_ERRORS
from p88.db.preview_sessions import PreviewSession, preview_session
from p88.db.tenancy import tenant_transaction
from p88.hub import FeedUnavailable
from p88.live.enrich import load_guns
from p88.live.feeds import FeedKey
from p88.live.passings import Rules
from p88.live.race_clock import gun_epoch_ms
from p88.web.display_access import after_of
from p88.web.push.server import Upgrade
from p88.web.push.signed_in import admit_member
from p88.web.push.socket import PushSocket
from p88.web.services import WebServices

GUN_CHECK_SECONDS = 5.0  # a gun set by hand reaches an open preview's race clock within this
GUN_RECHECK_SECONDS = 1.0  # while no gun is known yet: the race may start any moment


async def _gun(services: WebServices, partner_id: int, session: PreviewSession) -> int | None:
    async with tenant_transaction(services.pool, partner_id) as conn:
        guns = await load_guns(conn, partner_id, session.id)
    return gun_epoch_ms(guns, session.timezone)


async def serve_preview(services: WebServices, upgrade: Upgrade, socket: PushSocket) -> None:
    partner = await admit_member(services, upgrade, socket, "viewer")
    if partner is None:
        return
    session_id = int(upgrade.params["session_id"])
    async with tenant_transaction(services.pool, partner.id) as conn:
        session = await preview_session(conn, partner.id, session_id)
    if session is None:
        await socket.reject(404, "no such timing session")
        return
    await socket.accept()
    after = after_of(upgrade.query.get("after", ""))
    hub = services.hub
    key = FeedKey(session.id, None, Rules())
    try:
        attached = await hub.attach(socket.outbox, partner.id, session.event_name, key, after)
    except FeedUnavailable as exc:
        socket.outbox.disconnect()
        await socket.refuse(exc.code, exc.reason)
        return
    try:
        gun = await _gun(services, partner.id, session)
        hello = {
            "type": "hello",
            "session": {"id": session.id, "name": session.name, "event": session.event_name},
            "events": attached.events,
            "missed": attached.missed,
            "gun_epoch_ms": gun,
        }
        socket.start(json.dumps(hello, separators=(",", ":")))

        async def watch_gun() -> None:
            await _watch_gun(services, socket, partner.id, session, gun)

        await socket.run(produce=watch_gun)
    finally:
        hub.detach(attached.feed, socket.outbox)


async def _watch_gun(
    services: WebServices,
    socket: PushSocket,
    partner_id: int,
    session: PreviewSession,
    gun: int | None,
) -> None:
    """Tell the builder when the session's gun changes (set or corrected by hand)."""
    while True:
        await trio.sleep(GUN_RECHECK_SECONDS if gun is None else GUN_CHECK_SECONDS)
        try:
            latest = await _gun(services, partner_id, session)
        except DATABASE_DOWN_ERRORS:
            continue  # the clock keeps its last gun; passings still flow
        if latest != gun:
            gun = latest
            socket.send(json.dumps({"type": "clock", "gun_epoch_ms": gun}))
