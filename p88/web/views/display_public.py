"""The public display page `/d/<token>` and its websocket: no login, the token is the key, and it
opens exactly one display's data.

A display's websocket is normally served by p88.web.display_socket, which owns the socket and
takes frames straight from the fan-out. The Quart route here serves the cases that path leaves
to Hypercorn (TLS, or an upgrade on a reused connection), with the same rules and messages
(p88.web.display_access).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import trio
from quart import Blueprint, Response, abort, current_app, render_template, request, websocket
from quart.typing import ResponseReturnValue

from p88.db import templates as templates_db
from p88.db.tenancy import tenant_transaction
from p88.hub import FeedUnavailable, Hub
from p88.live.feeds import Outbox
from p88.web.auth.headers import allow_framing
from p88.web.display_access import (
    GONE,
    HEARTBEAT,
    Refusal,
    admit,
    after_of,
    expired,
    expires_at,
    feed_key,
    gone_message,
    guard_of,
    hello_message,
    lookup,
    next_wake,
)
from p88.web.outbox_close import close_if_outbox_ended
from p88.web.services import services_of
from p88.web.views.layouts import image_response

log = logging.getLogger(__name__)

bp = allow_framing(Blueprint("display_public", __name__))


@bp.get("/d/<token>/images/<int:image_id>")
async def display_image(token: str, image_id: int) -> ResponseReturnValue:
    """Images of the display's template, for its page (the page has no login)."""
    address = str(request.remote_addr or "")
    if guard_of(current_app).blocked(address):
        return Response("too many wrong display links; wait a minute", status=429)
    display = await lookup(current_app, token)
    if display is None:
        guard_of(current_app).fail(address)
        abort(404)
    if display.state(datetime.now(UTC)) != "live":
        abort(410)
    async with tenant_transaction(services_of(current_app).pool, display.partner_id) as conn:
        image = await templates_db.get_image(conn, display.partner_id, image_id)
    if image is None:
        abort(404)
    return image_response(image)


@bp.get("/d/<token>")
async def display_page(token: str) -> ResponseReturnValue:
    address = str(request.remote_addr or "")
    if guard_of(current_app).blocked(address):
        return await _message_page(
            "Too many wrong display links from this address. "
            "Wait a minute, then open the link you were given.",
            429,
        )
    display = await lookup(current_app, token)
    if display is None:
        guard_of(current_app).fail(address)
        return await _message_page(
            "There is no display at this address. Check the link, or ask the timing company "
            "for a new one (links stop working when they are rotated).",
            404,
        )
    state = display.state(datetime.now(UTC))
    if state != "live":
        return await _message_page(gone_message(state), 410)
    body = await render_template(
        "displays/public.html", display=display, kiosk=request.args.get("kiosk") == "1"
    )
    response = Response(body)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _message_page(message: str, status: int) -> ResponseReturnValue:
    body = await render_template("displays/public_message.html", message=message)
    return Response(body, status=status)


@bp.websocket("/d/<token>/ws")
async def display_socket(token: str) -> None:
    await websocket.accept()
    admitted = await admit(current_app, token, str(websocket.remote_addr or ""))
    if isinstance(admitted, Refusal):
        await websocket.close(admitted.code, admitted.reason)
        return
    display = admitted
    hub: Hub = services_of(current_app).hub
    after = after_of(websocket.args.get("after", ""))
    outbox = Outbox(display.id)
    try:
        attached = await hub.attach(
            outbox, display.partner_id, display.event_name, feed_key(display), after
        )
    except FeedUnavailable as exc:
        await websocket.close(exc.code, exc.reason)
        return
    try:
        await websocket.send(await hello_message(current_app, display, attached, after is not None))
        await _pump(outbox, expires_at(display))
    finally:
        hub.detach(attached.feed, outbox)


async def _pump(outbox: Outbox, deadline: float | None) -> None:
    """Send what the hub queues; close when told to, on overflow, or when the link expires."""
    while True:
        with trio.move_on_after(next_wake(deadline)) as idle:
            await outbox.wait()
        if await close_if_outbox_ended(outbox):
            return
        if expired(deadline):
            await websocket.close(GONE, gone_message("expired"))
            return
        if idle.cancelled_caught:
            await websocket.send(HEARTBEAT)
            continue
        frame = outbox.take_all()
        if frame is not None:
            await websocket.send(frame)
