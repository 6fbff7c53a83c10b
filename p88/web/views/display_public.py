"""The public display page `/d/<token>` and its images: no login, the token is the key, and it
opens exactly one display's data. Its websocket is p88.web.push.display."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from quart import Blueprint, Response, abort, current_app, render_template, request
from quart.typing import ResponseReturnValue

from p88.db import templates as templates_db
from p88.db.tenancy import tenant_transaction
from p88.web.auth.headers import allow_framing
from p88.web.display_access import gone_message, lookup
from p88.web.services import services_of
from p88.web.views.layouts import image_response

log = logging.getLogger(__name__)

bp = allow_framing(Blueprint("display_public", __name__))


@bp.get("/d/<token>/images/<int:image_id>")
async def display_image(token: str, image_id: int) -> ResponseReturnValue:
    """Images of the display's template, for its page (the page has no login)."""
    address = str(request.remote_addr or "")
    if services_of(current_app).display_guard.blocked(address):
        return Response("too many wrong display links; wait a minute", status=429)
    display = await lookup(services_of(current_app), token)
    if display is None:
        services_of(current_app).display_guard.fail(address)
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
    if services_of(current_app).display_guard.blocked(address):
        return await _message_page(
            "Too many wrong display links from this address. "
            "Wait a minute, then open the link you were given.",
            429,
        )
    display = await lookup(services_of(current_app), token)
    if display is None:
        services_of(current_app).display_guard.fail(address)
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
