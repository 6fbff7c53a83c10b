"""One timing session's passings and reads in id order, for the data API's push stream.

Display feeds (p88.live.feeds) take reads in the order ingest commits them; ingest's writers
commit concurrently, so a read can be committed after one with a higher id, and a program
resuming "after id N" could miss it. Here a session advances only to a *settled* id
(p88.db.api_stream.settled_head: no read at or below it can still be stored), reading its new
reads from PostgreSQL in id order. Passings come from the same detector, participant join and
event shape as the display feeds (p88.live.passings, p88.live.enrich), fed in id order: what a
display feed shows after a restart, and the same for every client.

Each advance is encoded once per combination of kinds and written to every subscriber's socket
(p88.live.socket_outbox), as the display fan-out does.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import trio

from p88.db.api_stream import SessionRead, session_reads
from p88.db.pool import Pool
from p88.db.tenancy import tenant_transaction
from p88.live.enrich import SessionContext, local_iso
from p88.live.feeds import Screen
from p88.live.passings import PassingDetector, Rules
from p88.live.results import NoResults, ResultsService, SessionResults
from p88.live.wsframe import text_frame
from p88.results.clock import elapsed, hundredths
from p88.results.model import Read

PASSINGS, READS = "passings", "reads"
KINDS = (PASSINGS, READS)
RING = 1000  # recent events kept per kind, so a reconnecting client resumes from memory
WARM_CHUNK = 50_000  # reads per query while a session's history is replayed
MESSAGE_EVENTS = 1000  # events per catch-up message


def _utc(read: SessionRead) -> str:
    return read.received_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def batch_message(cursor: int, events: dict[str, list[dict[str, Any]]]) -> str:
    return json.dumps({"type": "batch", "cursor": cursor, **events}, separators=(",", ":"))


@dataclass(eq=False, slots=True)
class Subscriber:
    screen: Screen
    kinds: frozenset[str]
    after: int  # events up to this id were sent (or predate the client's since)


@dataclass(slots=True)
class Ring:
    """The latest events of one kind and the id below which events fell out of it."""

    events: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RING))
    floor: int = 0  # every event with an id above this is in `events`

    def add(self, new: Iterable[dict[str, Any]]) -> None:
        for event in new:
            if len(self.events) == self.events.maxlen:
                self.floor = self.events[0]["id"]
            self.events.append(event)

    def after(self, since: int) -> list[dict[str, Any]] | None:
        """The events after `since`, or None when some of them fell out of the ring."""
        if since < self.floor:
            return None
        return [event for event in self.events if event["id"] > since]


@dataclass(eq=False, slots=True)
class OrderedSession:
    partner_id: int
    session_id: int
    event_name: str
    cursor: int = 0  # every read up to this id was taken in (and sent to the subscribers)
    detector: PassingDetector = field(default_factory=lambda: PassingDetector(Rules()))
    context: SessionContext = field(init=False)
    rings: dict[str, Ring] = field(default_factory=lambda: {kind: Ring() for kind in KINDS})
    subscribers: set[Subscriber] = field(default_factory=set)
    lock: trio.Lock = field(default_factory=trio.Lock)
    warmed: trio.Event = field(default_factory=trio.Event)
    failed: bool = False
    cancel: trio.CancelScope = field(default_factory=trio.CancelScope)  # its wake-up watcher
    results_service: ResultsService | None = None  # times and places of passings come from it
    results: SessionResults | None = None

    def __post_init__(self) -> None:
        self.context = SessionContext(self.partner_id, self.session_id, self.event_name)

    # ------------------------------------------------------------------ taking reads in
    def read_event(self, read: SessionRead) -> dict[str, Any]:
        """A read as GET /api/v1/reads shows it."""
        return {
            "id": read.id,
            "session_id": self.session_id,
            "event": self.event_name,
            "point": read.point,
            "tag": read.tag,
            "time": local_iso(read.local_time),
            "lap": read.lap,
            "reader_id": read.reader_id,
            "gator": read.gator,
            "sequence": read.sequence,
            "received_at": _utc(read),
        }

    async def prepare(self, pool: Pool, context: SessionContext) -> None:
        """The field and the session's results engine ready for passings (as display feeds
        have them). Without a usable results setup, passings carry no times."""
        if not context.field_loaded:
            await context.load_field(pool)
        if self.results is None and self.results_service is not None:
            try:
                self.results = await self.results_service.get(self.partner_id, self.session_id)
            except NoResults:
                self.results = None

    def passing_events(
        self, context: SessionContext, detector: PassingDetector, reads: Sequence[SessionRead]
    ) -> list[dict[str, Any]]:
        """Feed reads (id order) to `detector`; each passing becomes its event at once, timed
        by the results engine as it stands (what a display feed would have sent)."""
        window = elapsed(detector.rules.ignore_window)
        found = []
        for read in reads:
            passing = detector.feed(read.id, read.point, read.tag, read.local_time)
            if passing is not None:
                found.append(context.event(passing, self.results, window))
        return found

    async def load(self, pool: Pool, after: int, upto: int) -> list[SessionRead]:
        async with tenant_transaction(pool, self.partner_id) as conn:
            return await session_reads(conn, self.partner_id, self.session_id, after, upto)

    async def warm(self, pool: Pool, upto: int) -> None:
        """Replay the session's stored reads up to `upto` (settled) through the detector."""
        passings: deque[dict[str, Any]] = deque(maxlen=RING + 1)
        recent: deque[SessionRead] = deque(maxlen=RING + 1)
        await self.prepare(pool, self.context)
        while self.cursor < upto:
            reads = await self.load(pool, self.cursor, min(upto, self.cursor + WARM_CHUNK))
            passings.extend(self.passing_events(self.context, self.detector, reads))
            recent.extend(reads)
            self.cursor = min(upto, self.cursor + WARM_CHUNK)
        self.rings[READS].floor = recent[0].id if len(recent) > RING else 0
        self.rings[READS].add(self.read_event(r) for r in list(recent)[-RING:])
        self.rings[PASSINGS].floor = passings[0]["id"] if len(passings) > RING else 0
        self.rings[PASSINGS].add(list(passings)[-RING:])
        self.warmed.set()

    async def advance(self, pool: Pool, upto: int) -> None:
        """Take in the reads up to `upto` (settled) and send what they make."""
        async with self.lock:
            if upto <= self.cursor:
                return
            reads = await self.load(pool, self.cursor, upto)
            await self.prepare(pool, self.context)
            if self.results_service is not None:
                # The stream reads committed reads before ingest may have handed them to the
                # engine; its passings must be timed as a rebuild from PostgreSQL would be.
                taken = [Read(r.tag, r.point, hundredths(r.local_time)) for r in reads]
                self.results_service.take_read_back(self.session_id, taken)
            events = {
                PASSINGS: self.passing_events(self.context, self.detector, reads),
                READS: [self.read_event(r) for r in reads],
            }
            for kind, new in events.items():
                self.rings[kind].add(new)
            self.cursor = upto
            self.broadcast(upto, events)

    # ------------------------------------------------------------------ sending
    def broadcast(self, cursor: int, events: dict[str, list[dict[str, Any]]]) -> None:
        """Encode once per combination of kinds; write to every subscriber without waiting."""
        frames: dict[frozenset[str], bytes | None] = {}
        for subscriber in list(self.subscribers):
            if subscriber.after >= cursor:
                continue  # it resumed from beyond this point (see attach)
            if subscriber.after and self._overlaps(subscriber, events):
                frame = self._frame(cursor, events, subscriber.kinds, subscriber.after)
            else:
                if subscriber.kinds not in frames:
                    frames[subscriber.kinds] = self._frame(cursor, events, subscriber.kinds, 0)
                frame = frames[subscriber.kinds]
            subscriber.after = 0
            if frame is not None:
                subscriber.screen.put(frame)

    @staticmethod
    def _overlaps(subscriber: Subscriber, events: dict[str, list[dict[str, Any]]]) -> bool:
        return any(e["id"] <= subscriber.after for kind in subscriber.kinds for e in events[kind])

    @staticmethod
    def _frame(
        cursor: int, events: dict[str, list[dict[str, Any]]], kinds: frozenset[str], after: int
    ) -> bytes | None:
        chosen = {k: [e for e in events[k] if e["id"] > after] for k in KINDS if k in kinds}
        if not any(chosen.values()):
            return None
        return text_frame(batch_message(cursor, chosen))

    # ------------------------------------------------------------------ catching up
    async def history(self, pool: Pool, kind: str, since: int, upto: int) -> list[dict[str, Any]]:
        """Events of `kind` with ids in (since, upto], rebuilt from PostgreSQL (a client that
        was away longer than the rings reach)."""
        if kind == READS:
            return [self.read_event(r) for r in await self.load(pool, since, upto)]
        context = SessionContext(self.partner_id, self.session_id, self.event_name)
        await self.prepare(pool, context)
        detector, passings, cursor = PassingDetector(Rules()), [], 0
        while cursor < upto:
            reads = await self.load(pool, cursor, min(upto, cursor + WARM_CHUNK))
            found = self.passing_events(context, detector, reads)
            passings += [event for event in found if event["id"] > since]
            cursor = min(upto, cursor + WARM_CHUNK)
        return passings


def catch_up_messages(
    cursor: int, events: dict[str, list[dict[str, Any]]], since: int
) -> list[str]:
    """The catch-up as batch messages of at most MESSAGE_EVENTS events, in id order, each with
    the cursor a client may resume from once it has it."""
    merged = sorted(
        ((event["id"], kind, event) for kind, found in events.items() for event in found),
        key=lambda item: (item[0], item[1]),
    )
    messages = []
    for start in range(0, len(merged), MESSAGE_EVENTS):
        part = merged[start : start + MESSAGE_EVENTS]
        end = start + MESSAGE_EVENTS
        following = merged[end][0] if end < len(merged) else None
        # A passing and its read share an id: a message ending between them covers one less.
        if following is None:
            upto = cursor
        else:
            upto = part[-1][0] if following > part[-1][0] else part[-1][0] - 1
        grouped: dict[str, list[dict[str, Any]]] = {kind: [] for kind in events}
        for _, kind, event in part:
            grouped[kind].append(event)
        messages.append(batch_message(upto, grouped))
    if not merged and cursor > since:
        messages.append(batch_message(cursor, {kind: [] for kind in events}))
    return messages
