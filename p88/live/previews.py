"""Preview subscribers (the sessions page's live reads): raw reads of one session, some or all
of its locations, straight from the hub's publish.

Publishing never waits: each subscriber has its own bounded buffer, and one that overflows is
marked for a resync instead of slowing the collector or any other screen.
"""

from __future__ import annotations

from collections.abc import Iterable, KeysView, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

import trio


class Read(Protocol):
    """What a preview needs of a stored read (p88.ingest.records.StoredRead)."""

    @property
    def session_id(self) -> int: ...

    @property
    def location_id(self) -> int: ...


R = TypeVar("R", bound=Read)


@dataclass(eq=False, slots=True)
class Subscription(Generic[R]):
    """One preview subscriber of one session, some or all locations: raw reads."""

    session_id: int
    location_ids: frozenset[int] | None  # None: every location of the session
    send: trio.MemorySendChannel[R]
    receive: trio.MemoryReceiveChannel[R]
    overflowed: bool = False

    def wants(self, read: R) -> bool:
        return self.location_ids is None or read.location_id in self.location_ids


@dataclass(slots=True)
class Previews(Generic[R]):
    overflows: int = 0
    _by_session: dict[int, set[Subscription[R]]] = field(default_factory=dict)

    def subscribe(
        self, session_id: int, location_ids: Iterable[int] | None, buffer_size: int
    ) -> Subscription[R]:
        send, receive = trio.open_memory_channel[R](buffer_size)
        locations = None if location_ids is None else frozenset(location_ids)
        sub = Subscription(session_id, locations, send, receive)
        self._by_session.setdefault(session_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription[R]) -> None:
        subs = self._by_session.get(sub.session_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._by_session[sub.session_id]
        sub.send.close()

    def count(self) -> int:
        return sum(len(subs) for subs in self._by_session.values())

    def sessions(self) -> KeysView[int]:
        return self._by_session.keys()

    def publish(self, reads: Sequence[R]) -> None:
        """Hand each read to its session's subscribers (reads of other sessions are skipped)."""
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
