"""`/d/<token>/ws`: a display screen's live connection. No login: the token is the key, and it
opens exactly one display's feed. After the hello the hub writes every frame straight into the
socket (docs/DISPLAYS.md has the messages)."""

from __future__ import annotations

import trio

from p88.web.display_access import (
    GONE,
    Refusal,
    admit,
    after_of,
    feed_key,
    gone_message,
    hello_message,
    seconds_left,
    shows_standings,
)
from p88.web.push.server import Upgrade
from p88.web.push.socket import Expiry, PushSocket
from p88.web.services import WebServices


async def serve_display(services: WebServices, upgrade: Upgrade, socket: PushSocket) -> None:
    after = after_of(upgrade.query.get("after", ""))
    await socket.accept()
    admitted = await admit(services, upgrade.params["token"], upgrade.peer)
    if isinstance(admitted, Refusal):
        await socket.refuse(admitted.code, admitted.reason)
        return
    display = admitted
    socket.outbox.display_id = display.id
    hub = services.hub
    key = feed_key(display)
    attached = await socket.attach(
        hub.attach(
            socket.outbox,
            display.partner_id,
            display.event_name,
            key,
            after,
            standings=shows_standings(display),
        )
    )
    if attached is None:
        return
    try:
        socket.start(await hello_message(services, display, attached, after is not None))
        left = seconds_left(display)
        expiry = None
        if left is not None:
            expiry = Expiry(trio.current_time() + left, GONE, gone_message("expired"))
        await socket.run(expiry=expiry)
    finally:
        hub.detach(attached.feed, socket.outbox)
