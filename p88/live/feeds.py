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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import trio

from p88.live.passings import Passing, PassingDetector, Rules
from p88.live.wsframe import text_frame
from p88.reads import StoredRead
from p88.results.clock import Hundredths, elapsed

RING_SIZE = 500  # recent events kept per feed for resumes and for a new screen's first frame

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

    def window(self) -> Hundredths:
        """The ignore window in hundredths: a finish passing is the result's finish read when
        they are this close (reads of one crossing may arrive out of order)."""
        return elapsed(self.rules.ignore_window)


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
    boards: set[Screen] = field(default_factory=set)  # the subscribers that show standings
    ring: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RING_SIZE))
    ring_passings: deque[Passing] = field(default_factory=lambda: deque(maxlen=RING_SIZE))
    passing_ids: list[int] = field(default_factory=list)  # passings so far, for resume counts
    history_from: int = 0  # `passing_ids` hold every passing of a read id from here on
    # The recent passings are loaded: screens may attach (their first frame needs no more).
    ready: trio.Event = field(default_factory=trio.Event)
    # The whole history is loaded: live reads are detected from here on (they wait in
    # `pending` until then, so the passing rules see every read in order).
    warmed: trio.Event = field(default_factory=trio.Event)
    pending: list[StoredRead] = field(default_factory=list)
    frames_sent: int = 0
    first_frame_reads: int = 0  # stored reads read before screens could attach
    small: bool = False  # its whole history came with that first read
    failed: bool = False  # loading its history failed; screens are sent away to retry
    ring_version: int = -1  # the results version the ring's times were taken at
    ring_timed_at: float = float("-inf")

    def sized(self, ring_size: int) -> None:
        self.ring = deque(maxlen=ring_size)
        self.ring_passings = deque(maxlen=ring_size)

    def record(self, passings: Sequence[Passing], events: Sequence[dict[str, Any]]) -> None:
        self.ring.extend(events)
        self.ring_passings.extend(passings)
        self.passing_ids.extend(passing.read_id for passing in passings)

    def detect(self, reads: Iterable[StoredRead]) -> list[Passing]:
        """The passings among live reads (of this feed's session, in commit order)."""
        found = []
        wants, feed = self.key.wants, self.detector.feed
        for read in reads:
            if wants(read.location):
                passing = feed(read.id, read.location, read.tag, read.local_time)
                if passing is not None:
                    found.append(passing)
        return found

    def broadcast(self, events: Sequence[dict[str, Any]]) -> None:
        """Encode once; hand the same string and frame to every subscriber."""
        if not events or not self.subscribers:
            return
        self.send(text_frame(encode_passings(events)), self.subscribers)

    def send(self, frame: bytes, screens: set[Screen]) -> None:
        sent = 0
        for screen in screens:
            sent += screen.put(frame)
        self.frames_sent += sent

    def knows_missed(self, after: int | None) -> bool:
        """Whether the passings after `after` can be counted without the whole history."""
        return after is None or self.warmed.is_set() or after + 1 >= self.history_from

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


class FeedUnavailable(Exception):
    """A screen cannot be attached now; `code` is the websocket close code to send it."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Attached:
    """What a display gets on attaching: its feed, the events it needs to catch up, and the
    session's standings (p88.live.standings) if it asked for them."""

    screen: Screen
    feed: Feed
    events: list[dict[str, Any]]
    missed: int
    standings: dict[str, Any] | None
