"""The results service: one incremental engine (p88.results.engine) per timing session that
someone looks at, fed with every read as it commits, the only source of results for screens,
pages, exports and the API.

An engine is built from what is stored (reads, participants, gun times, setup, corrections) the
first time it is needed, in a worker thread (30,000 runners take a second or two), and kept
current after that: reads from the hub's publish, gun times as the collector stores them, the
field when participants change, corrections and setups as the timer saves them. Its rows are
written back to `results_rows` (for SQL readers) a moment after they change. Live sessions with
a saved setup are built at start, so a restart is invisible to their pages.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import trio

from p88.db import results as db
from p88.db.feeds import field_signature
from p88.db.pool import DATABASE_DOWN_ERRORS, Pool
from p88.db.tenancy import tenant_transaction
from p88.reads import StoredRead, reads_of_sessions
from p88.results.clock import Hundredths, hundredths
from p88.results.corrections import Correction
from p88.results.document import correction_of, setup_from_document
from p88.results.engine import Changes, Engine
from p88.results.model import Read
from p88.results.stored import (
    columns_of,
    entrant_of,
    gun_lines,
    manual_guns,
    read_of,
    with_labelled_lines,
)
from p88.results.suggest import suggested_document

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0  # changed rows reach results_rows within this
WRITE_CHUNK = 2_000


def _reads_of(rows: list[Any]) -> list[Read]:
    return [read_of(row) for row in rows]


class NoResults(Exception):
    """The session has no setup the engine can use; `message` says what to do."""


@dataclass(eq=False, slots=True)
class Listener:
    """One page following a session's results: what changed since it last looked."""

    bibs: set[str] = field(default_factory=set)
    shifted: bool = False
    rebuilt: bool = False
    _wakeup: trio.Event = field(default_factory=trio.Event)

    def note(self, changes: Changes, rebuilt: bool = False) -> None:
        self.bibs |= changes.rows
        self.shifted = self.shifted or bool(changes.shifts)
        self.rebuilt = self.rebuilt or rebuilt
        self._wakeup.set()

    async def wait(self) -> tuple[set[str], bool, bool]:
        """Until something changed: (changed bibs, places shifted, everything rebuilt)."""
        await self._wakeup.wait()
        found = (self.bibs, self.shifted, self.rebuilt)
        self.bibs, self.shifted, self.rebuilt = set(), False, False
        self._wakeup = trio.Event()
        return found


@dataclass(eq=False, slots=True)
class SessionResults:
    """A session's engine and what goes with it."""

    facts: db.SessionFacts
    engine: Engine
    saved: bool  # False: a setup suggested from the point names, not the timer's
    document: dict[str, Any]
    high_water: int  # reads up to this id were read from the database at build time
    signature: tuple[int, datetime | None]
    gun_ids: set[int]
    version: int = 1
    changed_at: datetime = field(default_factory=lambda: datetime.now().astimezone())
    dirty: set[str] = field(default_factory=set)
    prune: bool = False
    listeners: set[Listener] = field(default_factory=set)

    def now(self) -> Hundredths:
        """The event-local clock now, for "provisional" (p88.results.provisional)."""
        local = datetime.now(ZoneInfo(self.facts.timezone)).replace(tzinfo=None)
        return hundredths(local)

    def changed(self, changes: Changes, rebuilt: bool = False) -> None:
        if not changes and not rebuilt:
            return
        self.version += 1
        self.changed_at = datetime.now().astimezone()
        self.dirty |= changes.rows
        for listener in self.listeners:
            listener.note(changes, rebuilt)


@dataclass(eq=False, slots=True)
class _Loading:
    done: trio.Event = field(default_factory=trio.Event)
    pending: list[Read] = field(default_factory=list)
    error: str = ""


class ResultsService:
    def __init__(self, pool: Pool) -> None:
        self._pool = pool
        self._sessions: dict[int, SessionResults] = {}
        self._loading: dict[int, _Loading] = {}
        self._nursery: trio.Nursery | None = None
        self._closed = trio.Event()

    # ------------------------------------------------------------------ the service's task
    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            task_status.started()
            nursery.start_soon(self._build_live_sessions)
            while not self._closed.is_set():
                with trio.move_on_after(FLUSH_SECONDS):
                    await self._closed.wait()
                await self._flush_all()
                if not self._closed.is_set():
                    await self._check_fields()
            nursery.cancel_scope.cancel()

    def close(self) -> None:
        """Server shutdown: what changed is written once more, then the task ends."""
        self._closed.set()

    async def _build_live_sessions(self) -> None:
        try:
            async with self._pool.acquire() as conn:
                live = await db.live_sessions_with_setup(conn)
        except DATABASE_DOWN_ERRORS as exc:
            log.warning("results of live sessions are built when first needed: %s", exc)
            return
        for session_id, partner_id in live:
            try:
                await self.get(partner_id, session_id)
            except NoResults as exc:
                log.warning("results of session %d: %s", session_id, exc)

    # ------------------------------------------------------------------ reading
    def sessions(self) -> set[int]:
        """Sessions whose reads the service takes (built or being built)."""
        return self._sessions.keys() | self._loading.keys()

    def loaded(self, session_id: int) -> SessionResults | None:
        """The session's results if they are built already (never waits)."""
        return self._sessions.get(session_id)

    async def get(self, partner_id: int, session_id: int) -> SessionResults:
        """The session's results, built on first use; NoResults when it has no usable setup
        (or is not this partner's)."""
        found = self._sessions.get(session_id)
        if found is not None:
            if found.facts.partner_id != partner_id:
                raise NoResults("no such timing session")
            return found
        loading = self._loading.get(session_id)
        if loading is None:
            loading = self._loading[session_id] = _Loading()
            try:
                await self._build(partner_id, session_id, loading)
            except NoResults as exc:
                loading.error = str(exc)
            finally:
                del self._loading[session_id]
                loading.done.set()
        else:
            await loading.done.wait()
        built = self._sessions.get(session_id)
        if built is None or built.facts.partner_id != partner_id:
            raise NoResults(loading.error or "no such timing session")
        return built

    def listen(self, results: SessionResults) -> Listener:
        listener = Listener()
        results.listeners.add(listener)
        return listener

    def unlisten(self, results: SessionResults, listener: Listener) -> None:
        results.listeners.discard(listener)

    # ------------------------------------------------------------------ what changes them
    def publish(self, reads: Sequence[StoredRead]) -> None:
        """Committed reads (called by the hub, never waits): into their sessions' engines."""
        wanted = reads_of_sessions(reads, self.sessions())
        by_session: dict[int, list[Read]] = {}
        for read in wanted:
            by_session.setdefault(read.session_id, []).append(
                Read(read.tag, read.location, hundredths(read.local_time))
            )
        for session_id, batch in by_session.items():
            loading = self._loading.get(session_id)
            if loading is not None:
                loading.pending.extend(batch)
                continue
            results = self._sessions[session_id]
            results.changed(results.engine.add_reads(batch))

    def take_read_back(self, session_id: int, reads: Sequence[Read]) -> None:
        """Reads of a session its caller read back from PostgreSQL before timing passings with
        the engine: the hub may not have published them yet (repeats change nothing)."""
        results = self._sessions.get(session_id)
        if results is not None and session_id not in self._loading:
            results.changed(results.engine.add_reads(list(reads)))

    def guns_stored(self, session_ids: Iterable[int]) -> None:
        """The collector stored gun times: the engines take the new hardware lines."""
        for session_id in session_ids:
            results = self._sessions.get(session_id)
            if results is not None and self._nursery is not None:
                self._nursery.start_soon(self._refresh_guns, results)

    async def rebuild(self, partner_id: int, session_id: int) -> None:
        """The setup was saved or guns were set by hand: build the engine again."""
        old = self._sessions.pop(session_id, None)
        try:
            fresh = await self.get(partner_id, session_id)
        except NoResults:
            if old is not None:
                for listener in old.listeners:
                    listener.note(Changes(), rebuilt=True)
            raise
        if old is not None:
            fresh.listeners |= old.listeners
            fresh.version = old.version
            fresh.changed(Changes(frozenset(_bibs(old.engine))), rebuilt=True)

    def apply(self, session_id: int, correction: Correction) -> None:
        """A correction the timer just stored (the engine, if built, applies it at once)."""
        results = self._sessions.get(session_id)
        if results is not None:
            results.changed(results.engine.apply(correction))

    def revoke(self, session_id: int, correction_id: int) -> None:
        results = self._sessions.get(session_id)
        if results is not None:
            results.changed(results.engine.revoke(correction_id))

    # ------------------------------------------------------------------ internals
    async def _build(self, partner_id: int, session_id: int, loading: _Loading) -> None:
        async with tenant_transaction(self._pool, partner_id) as conn:
            facts = await db.session_facts(conn, partner_id, session_id)
            if facts is None:
                raise NoResults("no such timing session")
            stored = await db.setup_row(conn, partner_id, session_id)
            entrant_rows = await db.entrants(conn, partner_id, facts.event_name)
            guns = await db.gun_times(conn, partner_id, session_id)
            corrections = await db.corrections(conn, partner_id, session_id)
            signature = await field_signature(conn, partner_id, facts.event_name)
            # Each chunk becomes compact Reads at once (off the loop): a session's records
            # all held until the build took ~0.5 KB a read (bench/growth.py at 1M reads).
            reads: list[Read] = []
            high_water = 0
            async for chunk in db.reads_after(conn, partner_id, session_id, 0):
                high_water = chunk[-1]["id"]
                reads += await trio.to_thread.run_sync(_reads_of, chunk)
        document = stored.document if stored is not None else None
        if document is None:
            courses = [row["course"] for row in entrant_rows]
            document = suggested_document(facts.locations, courses)
        if document is None:
            raise NoResults(
                "no results setup yet, and no point named like a finish: open Results setup "
                "and choose the session's finish point"
            )
        try:
            setup = with_labelled_lines(setup_from_document(document, facts.day), guns)
        except ValueError as exc:
            raise NoResults(f"the results setup cannot be used: {exc}") from None
        in_force = [
            correction_of(c.id, c.kind, c.bib, c.payload)
            for c in corrections
            if c.undone_at is None
        ]

        def build() -> Engine:
            return Engine(
                setup,
                [entrant_of(row) for row in entrant_rows],
                gun_lines(guns),
                [*manual_guns(guns), *in_force],
                reads,
            )

        engine = await trio.to_thread.run_sync(build)
        engine.add_reads(loading.pending)  # what committed meanwhile (repeats change nothing)
        results = SessionResults(
            facts,
            engine,
            stored is not None,
            document,
            high_water,
            signature,
            {row["id"] for row in guns},
        )
        results.dirty = _bibs(engine)
        results.prune = True  # rows of runners no longer in the field go at the first flush
        self._sessions[session_id] = results

    async def _refresh_guns(self, results: SessionResults) -> None:
        facts = results.facts
        try:
            async with tenant_transaction(self._pool, facts.partner_id) as conn:
                guns = await db.gun_times(conn, facts.partner_id, facts.id)
        except DATABASE_DOWN_ERRORS as exc:
            log.warning("gun times of session %d not refreshed: %s", facts.id, exc)
            return
        for line in gun_lines(row for row in guns if row["id"] not in results.gun_ids):
            results.gun_ids.add(line.id)
            results.changed(results.engine.add_gun_line(line))

    async def _check_fields(self) -> None:
        """Participants imported, edited or removed: the engines take the new field."""
        for results in list(self._sessions.values()):
            facts = results.facts
            try:
                async with tenant_transaction(self._pool, facts.partner_id) as conn:
                    signature = await field_signature(conn, facts.partner_id, facts.event_name)
                    if signature == results.signature:
                        continue
                    rows = await db.entrants(conn, facts.partner_id, facts.event_name)
            except DATABASE_DOWN_ERRORS as exc:
                log.warning("the field of session %d was not checked: %s", facts.id, exc)
                continue
            results.signature = signature
            results.changed(results.engine.set_entrants([entrant_of(row) for row in rows]))

    async def _flush_all(self) -> None:
        for results in list(self._sessions.values()):
            if results.dirty:
                try:
                    await self._flush(results)
                except DATABASE_DOWN_ERRORS as exc:
                    session_id = results.facts.id
                    log.warning("results of session %d wait for the database: %s", session_id, exc)

    async def _flush(self, results: SessionResults) -> None:
        facts, engine = results.facts, results.engine
        bibs, results.dirty = sorted(results.dirty), set()
        prune, results.prune = results.prune, False
        try:
            gone = [bib for bib in bibs if engine.result(bib) is None]
            kept = [engine.row(bib) for bib in bibs if engine.result(bib) is not None]
            race_date = engine.setup.race_date
            async with tenant_transaction(self._pool, facts.partner_id) as conn:
                for first in range(0, len(kept), WRITE_CHUNK):
                    columns = columns_of(kept[first : first + WRITE_CHUNK], race_date)
                    await db.write_rows(conn, facts.partner_id, facts.id, columns)
                if gone:
                    await db.delete_rows(conn, facts.partner_id, facts.id, gone)
                if prune:
                    await db.keep_only_rows(conn, facts.partner_id, facts.id, sorted(_bibs(engine)))
        except BaseException:
            results.dirty |= set(bibs)  # written next time
            results.prune = results.prune or prune
            raise


def _bibs(engine: Engine) -> set[str]:
    return {result.bib for result in engine.results()}
