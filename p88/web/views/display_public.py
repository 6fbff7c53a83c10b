"""The public display page `/d/<token>` and its websocket: no login, the token is the key, and it
opens exactly one display's data.

Websocket close codes a page acts on (p88/web/static/display/connection.js):
4000 resync (reconnect at once and resume), 4404 unknown link (stop), 4410 revoked, expired or
replaced (stop), 4429 too many bad links from this address (back off), 1001 server restarting.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import trio
from quart import Blueprint, Response, abort, current_app, render_template, request, websocket

from p88.db import templates as templates_db
from p88.db.tenancy import tenant_transaction
from p88.displays.guard import FailureGuard
from p88.displays.store import Display, display_for_token, template_document
from p88.displays.tokens import well_formed
from p88.hub import FeedUnavailable, Hub
from p88.live.feeds import RESYNC, FeedKey
from p88.web.app import services_of
from p88.web.auth.headers import allow_framing
from p88.web.views.layouts import image_response

log = logging.getLogger(__name__)

bp = allow_framing(Blueprint("display_public", __name__))

UNKNOWN, GONE, TOO_MANY = 4404, 4410, 4429
HEARTBEAT_SECONDS = 10.0  # lets the page tell a quiet race from a dead link


def guard() -> FailureGuard:
    found: FailureGuard = current_app.extensions.setdefault("p88.displays.guard", FailureGuard())
    return found


async def _lookup(token: str) -> Display | None:
    if not well_formed(token):
        return None
    async with services_of(current_app).pool.acquire() as conn:
        return await display_for_token(conn, token)


def gone_message(state: str) -> str:
    if state == "revoked":
        return "This display link was revoked. Ask the timing company for a new link."
    return "This display link has expired. Ask the timing company for a new link."


@bp.get("/d/<token>/images/<int:image_id>")
async def display_image(token: str, image_id: int) -> Any:
    """Images of the display's template, for its page (the page has no login)."""
    address = str(request.remote_addr or "")
    if guard().blocked(address):
        return Response("too many wrong display links; wait a minute", status=429)
    display = await _lookup(token)
    if display is None:
        guard().fail(address)
        abort(404)
    if display.state(datetime.now(UTC)) != "live":
        abort(410)
    async with tenant_transaction(services_of(current_app).pool, display.partner_id) as conn:
        image = await templates_db.get_image(conn, display.partner_id, image_id)
    if image is None:
        abort(404)
    return image_response(image)


@bp.get("/d/<token>")
async def display_page(token: str) -> Any:
    address = str(request.remote_addr or "")
    if guard().blocked(address):
        return await _message_page(
            "Too many wrong display links from this address. "
            "Wait a minute, then open the link you were given.",
            429,
        )
    display = await _lookup(token)
    if display is None:
        guard().fail(address)
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


async def _message_page(message: str, status: int) -> Any:
    body = await render_template("displays/public_message.html", message=message)
    return Response(body, status=status)


def feed_key(display: Display) -> FeedKey:
    locations = frozenset(display.locations) if display.locations else None
    return FeedKey(display.session_id, locations, display.options.rules())


def _after() -> int | None:
    raw = websocket.args.get("after", "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


async def _hello(display: Display, attached: Any, resumed: bool) -> str:
    async with tenant_transaction(services_of(current_app).pool, display.partner_id) as conn:
        document = await template_document(conn, display)
    return json.dumps(
        {
            "type": "hello",
            "display": {
                "id": display.id,
                "name": display.name,
                "mode": display.mode,
                "locations": list(display.locations),
                "options": display.options.to_json(),
                "session": {"name": display.session_name, "event": display.event_name},
            },
            "template": document,
            "events": attached.events,
            "missed": attached.missed,
            "resumed": resumed,
            "server_time": datetime.now(UTC).isoformat(),
        },
        separators=(",", ":"),
    )


@bp.websocket("/d/<token>/ws")
async def display_socket(token: str) -> None:
    await websocket.accept()
    address = str(websocket.remote_addr or "")
    if guard().blocked(address):
        await websocket.close(TOO_MANY, "too many wrong display links; wait a minute")
        return
    display = await _lookup(token)
    if display is None:
        guard().fail(address)
        await websocket.close(UNKNOWN, "no display at this link (it may have been rotated)")
        return
    state = display.state(datetime.now(UTC))
    if state != "live":
        await websocket.close(GONE, gone_message(state))
        return
    hub: Hub = services_of(current_app).hub
    after = _after()
    try:
        attached = await hub.attach(
            display.id, display.partner_id, display.event_name, feed_key(display), after
        )
    except FeedUnavailable as exc:
        await websocket.close(exc.code, exc.reason)
        return
    try:
        await websocket.send(await _hello(display, attached, after is not None))
        deadline = display.expires_at.timestamp() if display.expires_at else None
        await _pump(attached.outbox, deadline)
    finally:
        hub.detach(attached.feed, attached.outbox)


async def _pump(outbox: Any, expires_at: float | None) -> None:
    """Send what the hub queues; close when told to, on overflow, or when the link expires."""
    heartbeat = json.dumps({"type": "heartbeat"})
    while True:
        timeout = HEARTBEAT_SECONDS
        if expires_at is not None:
            timeout = min(timeout, max(0.0, expires_at - datetime.now(UTC).timestamp()))
        with trio.move_on_after(timeout) as idle:
            await outbox.wait()
        if outbox.close_code is not None:
            await websocket.close(outbox.close_code, outbox.close_reason)
            return
        if outbox.overflowed:
            # Fell behind: the page reconnects at once and resumes from its last event.
            await websocket.close(RESYNC, "resync")
            return
        if expires_at is not None and datetime.now(UTC).timestamp() >= expires_at:
            await websocket.close(GONE, gone_message("expired"))
            return
        if idle.cancelled_caught:
            await websocket.send(heartbeat)
            continue
        frame = outbox.take_all()
        if frame is not None:
            await websocket.send(frame)
