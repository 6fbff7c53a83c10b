"""`/templates/preview/sessions/<id>/ws`: the template builder's live preview. The socket is
one more screen on the hub's display feed of (session, every point, default rules), with the
session's standings: the same detector, participant join, results and encoded-once frames as a
venue screen, so the preview cannot drift from what a display would show (the builder picks the
FINISH passings out itself). Viewers and up may preview; another partner's session is refused
with 404 before the upgrade.

Server -> builder, JSON text frames:
- `{"type":"hello","session":{id,name,event},"events":[...],"missed":N,"standings":{...}}`:
  the feed's recent history (oldest first), or what came after `?after=<event id>` on a
  reconnect, and the session's standings (their `gun_epoch_ms` runs the race clock);
- `{"type":"passings","events":[...]}` and `{"type":"standings",...}`: as on a display socket
  (docs/DISPLAYS.md).
Close 4000: fell behind, reconnect with `?after=`; 1001/1011: the hub could not serve it now.
"""

from __future__ import annotations

import json

from p88.db.preview_sessions import preview_session
from p88.live.feeds import FeedKey
from p88.live.passings import Rules
from p88.web.display_access import after_of
from p88.web.push.server import Upgrade
from p88.web.push.signed_in import admit_to_session
from p88.web.push.socket import PushSocket
from p88.web.services import WebServices


async def serve_preview(services: WebServices, upgrade: Upgrade, socket: PushSocket) -> None:
    admitted = await admit_to_session(services, upgrade, socket, preview_session)
    if admitted is None:
        return
    partner, session = admitted
    await socket.accept()
    after = after_of(upgrade.query.get("after", ""))
    hub = services.hub
    key = FeedKey(session.id, None, Rules())
    attached = await socket.attach(
        hub.attach(socket.outbox, partner.id, session.event_name, key, after, standings=True)
    )
    if attached is None:
        return
    try:
        hello = {
            "type": "hello",
            "session": {"id": session.id, "name": session.name, "event": session.event_name},
            "events": attached.events,
            "missed": attached.missed,
            "standings": attached.standings,
        }
        socket.start(json.dumps(hello, separators=(",", ":")))
        await socket.run()
    finally:
        hub.detach(attached.feed, socket.outbox)
