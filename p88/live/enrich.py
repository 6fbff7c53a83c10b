"""Passings joined with who ran and how long they took, as the JSON events screens receive.

One `SessionContext` per live session is shared by every display feed of that session, so a
participant is looked up once however many screens show them. Lookups run inside the session's
partner's tenant transaction (row-level security applies even to the hub).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import trio

from p88.db.pool import DATABASE_DOWN_ERRORS, Connection, Pool
from p88.db.tenancy import tenant_transaction
from p88.live.passings import Passing
from p88.live.starts import StartReads
from p88.participants.model import Participant
from p88.participants.queries import COLUMNS as PARTICIPANT_COLUMNS
from p88.participants.queries import participant_from_row
from p88.reads import StoredRead

log = logging.getLogger(__name__)

FIELD_CHECK_SECONDS = 2.0  # a runner imported or edited mid-race shows up within this
GUN_REFRESH_SECONDS = 2.0  # a gun time set by hand reaches the screens within this
GUN_RETRY_SECONDS = 0.5  # how often to look again while a runner's wave has no gun

Gun = tuple[datetime, str | None, str]  # (time, wave label or None, source)


def gun_for(wave: str, guns: Sequence[Gun]) -> datetime | None:
    """The gun that started a runner of `wave`.

    A gun labelled with the wave wins (a manual one over the hardware's); a manual gun for the
    wave '' covers runners without a wave; unlabelled hardware guns (one per wave, in time
    order) map by the wave's number ('2' -> the second); a single unlabelled gun starts all.
    """
    for source in ("manual", "hardware"):
        for time, label, src in guns:
            if src == source and label is not None and label != "" and label == wave:
                return time
    if not wave:
        for time, label, src in guns:
            if src == "manual" and (label or "") == "":
                return time
    unlabelled = sorted(time for time, label, src in guns if src == "hardware" and not label)
    if wave.isdigit() and 1 <= int(wave) <= len(unlabelled):
        return unlabelled[int(wave) - 1]
    if len(unlabelled) == 1 or (unlabelled and not wave):
        return unlabelled[0]
    return None


def local_iso(moment: datetime) -> str:
    """Event-local wall clock with hundredths, as the hardware reported it."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 10_000:02d}"


def participant_json(p: Participant) -> dict[str, Any]:
    return {
        "bib": p.bib,
        "name": p.name,
        "first": p.first_name,
        "last": p.last_name,
        "gender": p.gender,
        "age_group": p.age_group,
        "city": p.city,
        "state": p.state,
        "country": p.country,
        "team": p.team,
        "vip": p.vip,
        "message": p.message,
        "pronunciation": p.pronunciation,
    }


def passing_event(
    passing: Passing,
    who: Participant | None,
    gun: datetime | None,
    start: datetime | None = None,
) -> dict[str, Any]:
    """One event as screens receive it. `id` is the read's id: it orders and resumes feeds.

    `gun_ms` counts from the runner's wave gun, `chip_ms` from their own start crossing; a
    runner with no start read gets `chip_ms` null and pages show the gun time in its place
    (as results count from the gun when there is no start)."""
    gun_ms = None
    if gun is not None and passing.time >= gun:
        gun_ms = (passing.time - gun) // _MS
    chip_ms = None
    if start is not None and passing.time > start:
        chip_ms = (passing.time - start) // _MS
    return {
        "id": passing.read_id,
        "loc": passing.location,
        "tag": passing.tag,
        "lap": passing.lap,
        "t": local_iso(passing.time),
        "gun_ms": gun_ms,
        "chip_ms": chip_ms,
        "p": None if who is None else participant_json(who),
    }


_MS = datetime(2000, 1, 1, 0, 0, 0, 1000) - datetime(2000, 1, 1)


@dataclass(slots=True)
class SessionContext:
    """Participants, gun times and start-mat reads of one session, cached for its feeds."""

    partner_id: int
    session_id: int
    event_name: str
    # The event's whole field by tag: a tag not in it is read by nobody registered (yet).
    participants: dict[str, Participant] = field(default_factory=dict)
    guns: list[Gun] = field(default_factory=list)
    _guns_at: float = float("-inf")
    starts: StartReads = field(default_factory=StartReads)  # for chip time, in memory
    _preloaded: bool = False
    _refreshing: bool = False
    _field_signature: tuple[int, datetime | None] = (0, None)

    async def refresh(self, pool: Pool, tags: Iterable[str]) -> None:
        """Before a batch goes out: the field once, and the gun times when a known runner's
        wave has none (a gun set by hand reaches the next passing). Tags nobody registered
        cost nothing here: a runner imported mid-race arrives with the next field check."""
        now = trio.current_time()
        if not self._preloaded:
            async with tenant_transaction(pool, self.partner_id) as conn:
                await self._load_field(conn)
                self.guns = await load_guns(conn, self.partner_id, self.session_id)
                self._guns_at = now
            self._preloaded = True
        elif self._missing_gun(tags, now):
            async with tenant_transaction(pool, self.partner_id) as conn:
                self.guns = await load_guns(conn, self.partner_id, self.session_id)
            self._guns_at = now

    async def _load_field(self, conn: Connection) -> None:
        # The signature first: a change landing between the two reads is seen next time.
        self._field_signature = await field_signature(conn, self.partner_id, self.event_name)
        self.participants = await event_participants(conn, self.partner_id, self.event_name)

    def field_loaded(self) -> bool:
        return self._preloaded

    async def refresh_field(self, pool: Pool) -> None:
        """Reload the field if participants were imported, edited or removed meanwhile."""
        try:
            async with tenant_transaction(pool, self.partner_id) as conn:
                signature = await field_signature(conn, self.partner_id, self.event_name)
                if signature != self._field_signature:
                    await self._load_field(conn)
        except DATABASE_DOWN_ERRORS as exc:
            log.warning("could not check the field of session %d: %s", self.session_id, exc)

    def _missing_gun(self, tags: Iterable[str], now: float) -> bool:
        if now - self._guns_at < GUN_RETRY_SECONDS:
            return False
        for tag in tags:
            who = self.participants.get(tag)
            if who is not None and gun_for(who.wave, self.guns) is None:
                return True
        return False

    def forget_guns(self) -> None:
        """A gun time was just stored: the next passing missing one looks it up at once."""
        self._guns_at = float("-inf")

    def guns_stale(self) -> bool:
        """Time to look for corrected gun times (done beside the hot path, not in it)."""
        return not self._refreshing and trio.current_time() - self._guns_at >= GUN_REFRESH_SECONDS

    async def refresh_guns(self, pool: Pool) -> None:
        self._refreshing = True
        try:
            async with tenant_transaction(pool, self.partner_id) as conn:
                guns = await load_guns(conn, self.partner_id, self.session_id)
            self.guns, self._guns_at = guns, trio.current_time()
        except DATABASE_DOWN_ERRORS as exc:
            log.warning("could not refresh gun times of session %d: %s", self.session_id, exc)
        finally:
            self._refreshing = False

    def note_reads(self, reads: Iterable[StoredRead]) -> None:
        """Every read of the session, before its feeds detect passings: the start point's are
        kept, so a finish in the same batch as its runner's start crossing is timed from it."""
        starts = self.starts
        for read in reads:
            starts.note(read.location, read.tag, read.local_time)

    def event(self, passing: Passing) -> dict[str, Any]:
        who = self.participants.get(passing.tag)
        gun = gun_for(who.wave if who else "", self.guns)
        start = None
        if not self.starts.is_start(passing.location):  # a start passing has no net time yet
            start = self.starts.crossing(passing.tag, gun, passing.time)
        return passing_event(passing, who, gun, start)


async def field_signature(
    conn: Connection, partner_id: int, event_name: str
) -> tuple[int, datetime | None]:
    """What changes whenever the event's participants do: how many, and the latest change."""
    row = await conn.fetchrow(
        "SELECT count(*) AS n, max(updated_at) AS at FROM participants"
        " WHERE partner_id = $1 AND event_name = $2",
        partner_id,
        event_name,
    )
    assert row is not None  # an aggregate always has its row
    return (int(row["n"]), row["at"])


async def event_participants(
    conn: Connection, partner_id: int, event_name: str
) -> dict[str, Participant]:
    """Every participant of the event by tag (the hub preloads a session's field once)."""
    rows = await conn.fetch(
        f"SELECT {PARTICIPANT_COLUMNS} FROM participants WHERE partner_id = $1 AND event_name = $2",
        partner_id,
        event_name,
    )
    return {row["tag"]: participant_from_row(row) for row in rows}


async def load_guns(conn: Connection, partner_id: int, session_id: int) -> list[Gun]:
    rows = await conn.fetch(
        "SELECT local_time, wave, source FROM gun_times WHERE session_id = $1 AND partner_id = $2"
        " ORDER BY local_time",
        session_id,
        partner_id,
    )
    return [(row["local_time"], row["wave"], row["source"]) for row in rows]
