"""The in-memory registry of live sessions and their subscribers, and the fan-out to them.

Publishing never waits: each subscriber has its own bounded buffer, and one that overflows is
marked for a resync instead of slowing the collector or any other screen.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import trio

from p88.ingest.records import StoredRead

log = logging.getLogger(__name__)


@dataclass(eq=False, slots=True)
class Subscription:
    """One subscriber (a display websocket, a preview) of one session, some or all locations."""

    session_id: int
    location_ids: frozenset[int] | None  # None: every location of the session
    send: trio.MemorySendChannel[StoredRead]
    receive: trio.MemoryReceiveChannel[StoredRead]
    overflowed: bool = False

    def wants(self, read: StoredRead) -> bool:
        return self.location_ids is None or read.location_id in self.location_ids


@dataclass(slots=True)
class Hub:
    buffer_size: int = 256
    _by_session: dict[int, set[Subscription]] = field(default_factory=dict)
    published: int = 0
    overflows: int = 0

    def subscribe(self, session_id: int, location_ids: Iterable[int] | None = None) -> Subscription:
        send, receive = trio.open_memory_channel[StoredRead](self.buffer_size)
        locations = None if location_ids is None else frozenset(location_ids)
        sub = Subscription(session_id, locations, send, receive)
        self._by_session.setdefault(session_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._by_session.get(sub.session_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._by_session[sub.session_id]
        sub.send.close()

    def subscriber_count(self) -> int:
        return sum(len(subs) for subs in self._by_session.values())

    def publish(self, reads: Sequence[StoredRead]) -> None:
        """Hand newly committed reads to their subscribers without ever blocking."""
        self.published += len(reads)
        for read in reads:
            for sub in self._by_session.get(read.session_id, ()):
                if sub.overflowed or not sub.wants(read):
                    continue
                try:
                    sub.send.send_nowait(read)
                except trio.WouldBlock:
                    sub.overflowed = True
                    self.overflows += 1
                except trio.BrokenResourceError:
                    pass  # the subscriber left; unsubscribe() will drop it
