"""Passings joined with who ran and what the results engine says of them, as the JSON events
screens receive.

One `SessionContext` per live session is shared by every display feed of that session, so a
participant is looked up once however many screens show them. Lookups run inside the session's
partner's tenant transaction (row-level security applies even to the hub). Times and places
come from the session's results engine only (p88.live.timing); without one, events carry none.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from p88.db.feeds import event_field, field_signature
from p88.db.pool import DATABASE_DOWN_ERRORS, Connection, Pool
from p88.db.tenancy import tenant_transaction
from p88.live.passings import Passing
from p88.live.results import SessionResults
from p88.live.results_link import ResultsLink
from p88.live.standings import Board
from p88.live.timing import NO_TIMES, EventTimes, PointMap, event_times
from p88.participants.model import Participant
from p88.participants.queries import participant_from_row, participants_for_tags
from p88.results.clock import Hundredths

log = logging.getLogger(__name__)

FIELD_CHECK_SECONDS = 2.0  # a runner imported or edited mid-race shows up within this


def local_iso(moment: datetime) -> str:
    """Event-local wall clock with hundredths, as the hardware reported it."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 10_000:02d}"


def participant_json(p: Participant, times: EventTimes = NO_TIMES) -> dict[str, Any]:
    """Who ran; gender and age group as the results count them once the engine knows the
    runner (a leaderboard of the runner's category lists that category)."""
    return {
        "bib": p.bib,
        "name": p.name,
        "first": p.first_name,
        "last": p.last_name,
        "gender": times.gender if times.gender is not None else p.gender,
        "age_group": times.age_group if times.age_group is not None else p.age_group,
        "city": p.city,
        "state": p.state,
        "country": p.country,
        "team": p.team,
        "vip": p.vip,
        "message": p.message,
        "pronunciation": p.pronunciation,
    }


def passing_event(
    passing: Passing, who: Participant | None, times: EventTimes = NO_TIMES
) -> dict[str, Any]:
    """One event as screens receive it. `id` is the read's id: it orders and resumes feeds.
    `r` (the result) only on the passing that is the runner's finish."""
    event = {
        "id": passing.read_id,
        "loc": passing.location,
        "tag": passing.tag,
        "lap": passing.lap,
        "t": local_iso(passing.time),
        "gun_ms": times.gun_ms,
        "chip_ms": times.chip_ms,
        "p": None if who is None else participant_json(who, times),
    }
    if times.result is not None:
        event["r"] = times.result
    return event


@dataclass(slots=True)
class SessionContext:
    """Participants and results state of one session, shared by its feeds."""

    partner_id: int
    session_id: int
    event_name: str
    # The event's whole field by tag once loaded; before that, the tags looked up so far.
    participants: dict[str, Participant] = field(default_factory=dict)
    field_loaded: bool = False
    _field_signature: tuple[int, datetime | None] = (0, None)
    points: PointMap = field(default_factory=PointMap)
    board: Board = field(default_factory=Board)  # the standings screens of the session get
    link: ResultsLink = field(default_factory=ResultsLink)  # how its engine is being had
    started: bool = False  # its field and engine were asked for

    async def load_field(self, pool: Pool) -> None:
        """The event's whole field (beside the fan-out: a feed's first frame does not wait)."""
        try:
            async with tenant_transaction(pool, self.partner_id) as conn:
                await self._load_field(conn)
        except DATABASE_DOWN_ERRORS as exc:
            log.warning("could not load the field of session %d: %s", self.session_id, exc)

    async def _load_field(self, conn: Connection) -> None:
        # The signature first: a change landing between the two reads is seen next time.
        self._field_signature = await field_signature(conn, self.partner_id, self.event_name)
        rows = await event_field(conn, self.partner_id, self.event_name)
        self.participants = {row["tag"]: participant_from_row(row) for row in rows}
        self.field_loaded = True

    async def names_for(self, conn: Connection, tags: Iterable[str]) -> None:
        """Until the field is loaded: the participants of these tags."""
        if self.field_loaded:
            return
        wanted = [tag for tag in set(tags) if tag not in self.participants]
        if wanted:
            found = await participants_for_tags(conn, self.partner_id, self.event_name, wanted)
            if not self.field_loaded:
                self.participants.update(found)

    async def look_up(self, pool: Pool, tags: Iterable[str]) -> None:
        """`names_for` in a transaction of its own; a database that is down costs names only."""
        try:
            async with tenant_transaction(pool, self.partner_id) as conn:
                await self.names_for(conn, tags)
        except DATABASE_DOWN_ERRORS as exc:
            # The screens still get the passing (as its tag); names come once it is back.
            log.warning("participant lookup failed (%s); sending passings without names", exc)

    async def refresh_field(self, pool: Pool) -> None:
        """Load the field, or reload it if participants were imported, edited or removed."""
        if not self.field_loaded:
            await self.load_field(pool)
            return
        try:
            async with tenant_transaction(pool, self.partner_id) as conn:
                signature = await field_signature(conn, self.partner_id, self.event_name)
                if signature != self._field_signature:
                    await self._load_field(conn)
        except DATABASE_DOWN_ERRORS as exc:
            log.warning("could not check the field of session %d: %s", self.session_id, exc)

    def event(
        self, passing: Passing, results: SessionResults | None, window: Hundredths
    ) -> dict[str, Any]:
        who = self.participants.get(passing.tag)
        times = NO_TIMES
        if who is not None and results is not None:
            times = event_times(
                results, who.bib, passing.location, passing.time, window, self.points
            )
        return passing_event(passing, who, times)

    def person(self, tag: str) -> Participant | None:
        return self.participants.get(tag)
