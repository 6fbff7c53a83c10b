"""Who may open a display's websocket, and what it is told first; shared by the direct socket
path (p88.web.display_socket) and the Quart route (p88.web.views.display_public).

Websocket close codes a page acts on (p88/web/static/display/connection.js):
4000 resync (reconnect at once and resume), 4404 unknown link (stop), 4410 revoked, expired or
replaced (stop), 4429 too many bad links from this address (back off), 1001 server restarting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from quart import Quart

from p88.db.tenancy import tenant_transaction
from p88.displays.guard import FailureGuard
from p88.displays.store import Display, display_for_token, template_document
from p88.displays.tokens import well_formed
from p88.hub import Attached
from p88.live.feeds import FeedKey
from p88.web.services import services_of

UNKNOWN, GONE, TOO_MANY = 4404, 4410, 4429
HEARTBEAT_SECONDS = 10.0  # lets the page tell a quiet race from a dead link
HEARTBEAT = json.dumps({"type": "heartbeat"})


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a display socket is closed at once: its close code and the reason the page shows."""

    code: int
    reason: str


def guard_of(app: Quart) -> FailureGuard:
    found: FailureGuard = app.extensions.setdefault("p88.displays.guard", FailureGuard())
    return found


async def lookup(app: Quart, token: str) -> Display | None:
    if not well_formed(token):
        return None
    async with services_of(app).pool.acquire() as conn:
        return await display_for_token(conn, token)


def gone_message(state: str) -> str:
    if state == "revoked":
        return "This display link was revoked. Ask the timing company for a new link."
    return "This display link has expired. Ask the timing company for a new link."


async def admit(app: Quart, token: str, address: str) -> Display | Refusal:
    """The display behind a websocket's token, or why the socket must close."""
    guard = guard_of(app)
    if guard.blocked(address):
        return Refusal(TOO_MANY, "too many wrong display links; wait a minute")
    display = await lookup(app, token)
    if display is None:
        guard.fail(address)
        return Refusal(UNKNOWN, "no display at this link (it may have been rotated)")
    state = display.state(datetime.now(UTC))
    if state != "live":
        return Refusal(GONE, gone_message(state))
    return display


def feed_key(display: Display) -> FeedKey:
    locations = frozenset(display.locations) if display.locations else None
    return FeedKey(display.session_id, locations, display.options.rules())


def after_of(raw: str) -> int | None:
    """The `after` query value (the last event id a page showed), if it is a sane number."""
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def expires_at(display: Display) -> float | None:
    return display.expires_at.timestamp() if display.expires_at else None


def expired(deadline: float | None) -> bool:
    return deadline is not None and datetime.now(UTC).timestamp() >= deadline


def next_wake(deadline: float | None) -> float:
    """Seconds until the next heartbeat or the link's expiry, whichever comes first."""
    if deadline is None:
        return HEARTBEAT_SECONDS
    return min(HEARTBEAT_SECONDS, max(0.0, deadline - datetime.now(UTC).timestamp()))


async def hello_message(app: Quart, display: Display, attached: Attached, resumed: bool) -> str:
    """The first message: the display, its template, and the events to catch up on."""
    async with tenant_transaction(services_of(app).pool, display.partner_id) as conn:
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
            "leaders": attached.leaders,
            "resumed": resumed,
            "server_time": datetime.now(UTC).isoformat(),
        },
        separators=(",", ":"),
    )
