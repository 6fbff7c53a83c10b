"""`/sessions/<id>/live`: the newest reads of a session (the sessions page's live table), before
any display is bound to it: raw reads, joined with their participant when the tag has one.

Order of work avoids a gap: subscribe to the hub first, then send the newest stored reads, then
forward live reads whose id is above the last one sent. A preview that falls behind (its hub
buffer overflowed) is told to resync and gets the newest reads again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import trio

from p88.db.participants import participants_for_tags
from p88.db.pool import DATABASE_DOWN_ERRORS
from p88.db.sessions import RecentRead, recent_reads, session_by_id
from p88.db.tenancy import tenant_transaction
from p88.hub import Subscription
from p88.reads import StoredRead
from p88.web.push.server import Upgrade
from p88.web.push.signed_in import admit_to_session
from p88.web.push.socket import PushSocket
from p88.web.services import WebServices
from p88.web.views.timefmt import clock

BACKLOG = 30
MAX_BATCH = 200


def _read_json(
    read_id: int, location: str, tag: str, local_time: datetime, bib: str | None, name: str | None
) -> dict[str, Any]:
    return {
        "id": read_id,
        "location": location,
        "tag": tag,
        "time": clock(local_time),
        "bib": bib,
        "name": name,
    }


def _recent_json(reads: Sequence[RecentRead]) -> list[dict[str, Any]]:
    # Oldest first, as live reads arrive.
    return [
        _read_json(r.id, r.location, r.tag, r.local_time, r.bib, r.name) for r in reversed(reads)
    ]


async def _next_batch(sub: Subscription[StoredRead]) -> list[StoredRead]:
    """Wait for one read, then take what else is already queued."""
    batch = [await sub.receive.receive()]
    while len(batch) < MAX_BATCH:
        try:
            batch.append(sub.receive.receive_nowait())
        except (trio.WouldBlock, trio.EndOfChannel):
            break
    return batch


class _LiveReads:
    """One open live table: what it was sent so far, and how to send more."""

    def __init__(
        self, services: WebServices, socket: PushSocket, partner_id: int, session_id: int
    ) -> None:
        self.services, self.socket = services, socket
        self.partner_id, self.session_id = partner_id, session_id
        self.last_id = 0

    def send(self, kind: str, **payload: Any) -> None:
        self.socket.send(json.dumps({"type": kind, **payload}))

    async def send_backlog(self) -> None:
        async with tenant_transaction(self.services.pool, self.partner_id) as conn:
            reads = await recent_reads(conn, self.partner_id, self.session_id, BACKLOG)
        backlog = _recent_json(reads)
        self.last_id = max([self.last_id, *(r["id"] for r in backlog)])
        self.send("backlog", reads=backlog)

    async def joined(self, event_name: str, reads: Sequence[StoredRead]) -> list[dict[str, Any]]:
        try:
            async with tenant_transaction(self.services.pool, self.partner_id) as conn:
                tags = (r.tag for r in reads)
                people = await participants_for_tags(conn, self.partner_id, event_name, tags)
        except DATABASE_DOWN_ERRORS:
            people = {}  # the reads still show, as their tags
        out = []
        for r in reads:
            person = people.get(r.tag)
            bib = person.bib if person else None
            name = (person.name or None) if person else None
            out.append(_read_json(r.id, r.location, r.tag, r.local_time, bib, name))
        return out

    async def follow(self, event_name: str) -> None:
        hub = self.services.hub
        sub = hub.subscribe(self.session_id)
        try:
            while True:
                await self.send_backlog()
                while not sub.overflowed:
                    batch = [r for r in await _next_batch(sub) if r.id > self.last_id]
                    if batch:
                        self.send("reads", reads=await self.joined(event_name, batch))
                        self.last_id = max(self.last_id, *(r.id for r in batch))
                # Fell behind: start over from the newest stored reads with a fresh subscription.
                hub.unsubscribe(sub)
                sub = hub.subscribe(self.session_id)
                self.send("resync")
        finally:
            hub.unsubscribe(sub)


async def serve_session_live(services: WebServices, upgrade: Upgrade, socket: PushSocket) -> None:
    admitted = await admit_to_session(services, upgrade, socket, session_by_id)
    if admitted is None:
        return
    partner, session = admitted
    await socket.accept()
    socket.start()
    live = _LiveReads(services, socket, partner.id, session.id)
    await socket.run(produce=lambda: live.follow(session.event_name))
