"""`/api/v1/stream`: the data API's push stream for programs. The API key comes in the
handshake's `Authorization: Bearer` header and needs the `stream` scope; any refusal is an
HTTP status before the upgrade. Then a hello, the catch-up after `since`, and every later
batch of the session's passings and/or reads, in id order (p88.api_streams; the
messages are in p88.web.api.stream_doc and the OpenAPI document).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from p88.db.api_keys import STREAM, authenticate
from p88.db.api_stream import StreamSession, settled_head, stream_session
from p88.db.tenancy import tenant_transaction
from p88.live.ordered import KINDS, PASSINGS
from p88.live.wsframe import text_frame
from p88.web.api.access import bearer_key, refusal_problem
from p88.web.push.server import Upgrade
from p88.web.push.socket import PushSocket
from p88.web.services import WebServices

MAX_ID = 2**63 - 1


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True, slots=True)
class StreamRequest:
    session_id: int | None
    event_name: str | None
    kinds: tuple[str, ...]
    since: int | None


def _number(name: str, raw: str | None) -> int | None:
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_ID:
        raise Refused(400, f"{name} must be a whole number (an id); got {raw[:40]!r}")
    return int(raw)


def stream_request(query: dict[str, str]) -> StreamRequest:
    session_id = _number("session", query.get("session"))
    event = query.get("event")
    if (session_id is None) == (event is None):
        raise Refused(400, "give session=<id> or event=<name> (one of them)")
    if event is not None and not 1 <= len(event) <= 200:
        raise Refused(400, "event is a name of 1 to 200 characters")
    kinds = tuple(k for k in query.get("kinds", PASSINGS).split(",") if k)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise Refused(400, f"kinds is a comma-separated list of {', '.join(KINDS)}")
    return StreamRequest(session_id, event, kinds, _number("since", query.get("since")))


async def _admit(
    services: WebServices, upgrade: Upgrade
) -> tuple[int, StreamSession, StreamRequest]:
    """The key's company, the session to follow and what to send, or Refused."""
    wanted = stream_request(upgrade.query)
    key = bearer_key(upgrade.headers.get("authorization", ""))
    if key is None:
        raise Refused(401, "send an API key with the stream scope as Authorization: Bearer <key>")
    now = services.clock()
    async with services.pool.acquire() as conn:
        outcome = await authenticate(conn, key, now)
    if outcome.refusal:
        problem = refusal_problem(outcome, now)
        raise Refused(problem.status, problem.detail)
    caller = outcome.caller
    assert caller is not None
    if not caller.may(STREAM):
        raise Refused(403, "this needs a key with the 'stream' scope (Admin -> API keys)")
    async with tenant_transaction(services.pool, caller.partner_id) as conn:
        session = await stream_session(
            conn, caller.partner_id, caller.event_name, wanted.session_id, wanted.event_name
        )
    if session is None:
        raise Refused(404, "no such timing session among what this key may read")
    if wanted.since is not None and wanted.since > await settled_head(services.pool):
        raise Refused(400, "since is beyond the newest stored read: resume from a cursor p88 sent")
    return caller.partner_id, session, wanted


async def serve_api_stream(services: WebServices, upgrade: Upgrade, socket: PushSocket) -> None:
    try:
        partner_id, session, wanted = await _admit(services, upgrade)
    except Refused as refused:
        await socket.reject(refused.status, refused.message)
        return
    await socket.accept()
    streams = services.streams
    attached = await socket.attach(
        streams.attach(
            socket.outbox, partner_id, session.id, session.event_name, wanted.kinds, wanted.since
        )
    )
    if attached is None:
        return
    try:
        hello = {
            "type": "hello",
            "session": {
                "id": session.id,
                "event": session.event_name,
                "name": session.name,
                "day": session.day,
                "status": session.status,
            },
            "kinds": [k for k in KINDS if k in wanted.kinds],
            "cursor": attached.hello_cursor,
        }
        first = [json.dumps(hello, separators=(",", ":")), *attached.messages]
        # The hello and the catch-up go out before anything broadcast meanwhile.
        socket.outbox.open(b"".join(text_frame(message) for message in first))
        await socket.run()
    finally:
        streams.detach(attached)
