"""Display feeds: one per (session, location filter, passing rules), shared by every screen that
shows the same thing, so each batch of passings is detected, joined and JSON-encoded once and the
same string goes to every subscriber.

Each subscriber is a `Screen` (p88.live.socket_outbox): handing it a frame never waits; one
that falls too far behind is marked for a resync (its page reconnects and resumes from its last
event id), so a slow or dead screen never holds up the collector or another screen.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import trio

from p88.live.passings import PassingDetector, Rules
from p88.live.standings import LEADERS_KEPT, Standings, ranking_point
from p88.live.wsframe import text_frame
from p88.reads import StoredRead

RING_SIZE = 500  # recent events kept per feed for resumes and for a new screen's first paint

# A websocket close code a page understands as "reconnect and resume" (4000-4999 are ours).
RESYNC = 4000


_PREFIX = '{"type":"passings","events":['
_SUFFIX = "]}"


def encode_passings(events: Sequence[dict[str, Any]]) -> str:
    return _PREFIX + json.dumps(events, separators=(",", ":"))[1:-1] + _SUFFIX


@dataclass(frozen=True, slots=True)
class FeedKey:
    session_id: int
    locations: frozenset[str] | None  # None: every point of the session
    rules: Rules

    def wants(self, location: str) -> bool:
        return self.locations is None or location in self.locations


class Screen(Protocol):
    """One subscriber of a feed: takes each broadcast as its websocket frame, never waiting."""

    display_id: int

    def put(self, frame: bytes) -> bool: ...

    def close(self, code: int, reason: str) -> None: ...


@dataclass(eq=False, slots=True)
class Feed:
    key: FeedKey
    partner_id: int
    event_name: str
    detector: PassingDetector
    subscribers: set[Screen] = field(default_factory=set)
    ring: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RING_SIZE))
    passing_ids: list[int] = field(default_factory=list)  # every passing so far, for counts
    warmed: trio.Event = field(default_factory=trio.Event)
    high_water: int = 0  # reads up to this id were loaded from PostgreSQL at warm-up
    pending: list[StoredRead] = field(default_factory=list)  # arrived while warming up
    frames_sent: int = 0
    failed: bool = False  # loading its history failed; screens are sent away to retry
    leaders_kept: int = LEADERS_KEPT
    # Every finisher so far, ranked (the best `leaders_kept` kept): sent in each hello, so a page
    # that opened late ranks runners who fell out of the ring (p88.live.standings).
    standings: Standings = field(init=False)

    def __post_init__(self) -> None:
        self.standings = self.new_standings()

    def new_standings(self) -> Standings:
        return Standings(ranking_point(self.key.locations), self.leaders_kept)

    def record(self, events: Sequence[dict[str, Any]]) -> None:
        self.ring.extend(events)
        self.passing_ids.extend(event["id"] for event in events)
        self.standings.offer_many(events)

    def broadcast(self, events: Sequence[dict[str, Any]]) -> None:
        """Encode once; hand the same string and frame to every subscriber."""
        if not events or not self.subscribers:
            return
        message = encode_passings(events)
        frame = text_frame(message)
        sent = 0
        for screen in self.subscribers:
            sent += screen.put(frame)
        self.frames_sent += sent

    def resume_state(self, after: int | None) -> tuple[list[dict[str, Any]], int]:
        """Events a screen needs to catch up: those after `after` still in the ring, plus how
        many passings after `after` fell out of the ring (shown on the page as not shown).
        A first connection (`after` None) gets the ring as history."""
        if after is None:
            return list(self.ring), 0
        events = [event for event in self.ring if event["id"] > after]
        first_kept = events[0]["id"] if events else None
        newer = len(self.passing_ids) - bisect_right(self.passing_ids, after)
        missed = newer - len(events) if first_kept is not None or newer else 0
        return events, max(0, missed)
