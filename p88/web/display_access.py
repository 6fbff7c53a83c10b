"""Who may open a display (its page, images and websocket), and what its websocket says first.

Websocket close codes a page acts on (p88/web/static/display/connection.js):
4000 (RESYNC) resync (reconnect at once and resume), 4404 unknown link (stop), 4410 revoked,
expired or replaced (stop), 4429 too many bad links from this address (back off), 1001 server
restarting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from p88.db.tenancy import tenant_transaction
from p88.displays.store import Display, display_for_token, template_document
from p88.displays.tokens import well_formed
from p88.hub import Attached
from p88.live.feeds import RESYNC as RESYNC  # 4000, the close code the hub sends too
from p88.live.feeds import FeedKey
from p88.web.services import WebServices

UNKNOWN, GONE, TOO_MANY = 4404, 4410, 4429


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a display socket is closed at once: its close code and the reason the page shows."""

    code: int
    reason: str


async def lookup(services: WebServices, token: str) -> Display | None:
    if not well_formed(token):
        return None
    async with services.pool.acquire() as conn:
        return await display_for_token(conn, token)


def gone_message(state: str) -> str:
    if state == "revoked":
        return "This display link was revoked. Ask the timing company for a new link."
    return "This display link has expired. Ask the timing company for a new link."


async def admit(services: WebServices, token: str, address: str) -> Display | Refusal:
    """The display behind a websocket's token, or why the socket must close."""
    guard = services.display_guard
    if guard.blocked(address):
        return Refusal(TOO_MANY, "too many wrong display links; wait a minute")
    display = await lookup(services, token)
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


def shows_standings(display: Display) -> bool:
    """Leaderboards and templates (which may hold one, or a race clock) take the session's
    standings messages; call-out and announcer screens get places on the passings."""
    return display.mode == "leaderboard" or (
        display.template_id is not None and display.mode != "announcer"
    )


def after_of(raw: str) -> int | None:
    """The `after` query value (the last event id a page showed), if it is a sane number."""
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def seconds_left(display: Display) -> float | None:
    """Seconds until the link expires (None: never)."""
    if display.expires_at is None:
        return None
    return (display.expires_at - datetime.now(UTC)).total_seconds()


async def hello_message(
    services: WebServices, display: Display, attached: Attached, resumed: bool
) -> str:
    """The first message: the display, its template, and the events to catch up on."""
    async with tenant_transaction(services.pool, display.partner_id) as conn:
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
            "standings": attached.standings,
            "resumed": resumed,
            "server_time": datetime.now(UTC).isoformat(),
        },
        separators=(",", ":"),
    )
