"""Session operations against a real PostgreSQL: rename, end, manual gun per wave, merge."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import pytest

from p88.db.database import open_database
from p88.db.partners import create_partner
from p88.db.session_ops import (
    SessionOpError,
    delete_manual_gun,
    merge_sessions,
    rename_session,
    set_manual_gun,
    set_session_status,
)
from p88.db.sessions import list_sessions, recent_reads, session_by_id, unknown_tags
from p88.db.tenancy import tenant_transaction
from p88.participants.model import ParticipantFields
from p88.participants.queries import upsert_participants
from tests.conftest import make_config

NEW_SESSION = """
INSERT INTO timing_sessions (partner_id, event_name, day, timezone, name)
VALUES ($1, $2, $3, 'UTC', $2) RETURNING id
"""
NEW_LOCATION = """
INSERT INTO timing_locations (partner_id, session_id, name) VALUES ($1, $2, $3) RETURNING id
"""
NEW_READ = """
INSERT INTO timing_reads (partner_id, session_id, location_id, tag, local_time, lap, reader_id,
                          gator, sequence, connection_id, received_at)
VALUES ($1, $2, $3, $4, $5, 1, 'R1', 0, $6, 'conn', now()) RETURNING id
"""
NEW_HW_GUN = """
INSERT INTO gun_times (partner_id, session_id, location_id, local_time)
VALUES ($1, $2, $3, $4)
"""


def t(clock: str) -> datetime:
    return datetime.fromisoformat(f"2021-05-08T{clock}")


class Seeder:
    def __init__(self, conn, partner_id: int) -> None:
        self.conn, self.partner_id, self.seq = conn, partner_id, 0

    async def session(self, event: str, day: str = "2021-05-08") -> int:
        return await self.conn.fetchval(
            NEW_SESSION, self.partner_id, event, datetime.fromisoformat(day).date()
        )

    async def location(self, session_id: int, name: str) -> int:
        return await self.conn.fetchval(NEW_LOCATION, self.partner_id, session_id, name)

    async def read(self, session_id: int, location_id: int, tag: str, clock: str) -> int:
        self.seq += 1
        return await self.conn.fetchval(
            NEW_READ, self.partner_id, session_id, location_id, tag, t(clock), self.seq
        )


@pytest.fixture
async def db(dsn, tmp_path):
    async with open_database(make_config(dsn, tmp_path)) as database:
        yield database


async def _partners(db):
    async with db.pool.acquire() as conn:
        a = await create_partner(conn, "alpha", "Alpha")
        b = await create_partner(conn, "bravo", "Bravo")
    return a, b


async def test_rename_and_end_touch_only_the_partners_own_session(db) -> None:
    a, b = await _partners(db)
    async with db.pool.acquire() as conn:
        mine = await Seeder(conn, a.id).session("RACE")
        theirs = await Seeder(conn, b.id).session("RACE")
    async with tenant_transaction(db.pool, a.id) as conn:
        assert await rename_session(conn, a.id, mine, "  Spring 10K  ")
        assert await set_session_status(conn, a.id, mine, "ended")
        assert not await rename_session(conn, a.id, theirs, "stolen")
        assert not await set_session_status(conn, a.id, theirs, "ended")
        with pytest.raises(SessionOpError, match="empty"):
            await rename_session(conn, a.id, mine, "   ")
        summary = await session_by_id(conn, a.id, mine)
        assert (summary.name, summary.status, summary.event_name) == ("Spring 10K", "ended", "RACE")
    async with tenant_transaction(db.pool, b.id) as conn:
        summary = await session_by_id(conn, b.id, theirs)
        assert (summary.name, summary.status) == ("RACE", "live")


async def test_manual_gun_per_wave_is_set_replaced_and_deleted(db) -> None:
    a, b = await _partners(db)
    async with db.pool.acquire() as conn:
        session = await Seeder(conn, a.id).session("RACE")
        other = await Seeder(conn, b.id).session("RACE")
    async with tenant_transaction(db.pool, a.id) as conn:
        assert await set_manual_gun(conn, a.id, session, "A", t("08:00:00.123"))
        assert await set_manual_gun(conn, a.id, session, "B", t("08:10:00"))
        assert await set_manual_gun(conn, a.id, session, "A", t("08:00:05"))  # replaces A
        assert not await set_manual_gun(conn, a.id, other, "A", t("08:00:00"))
        guns = (await session_by_id(conn, a.id, session)).gun_times
        assert [(g.wave, g.local_time, g.source) for g in guns] == [
            ("A", t("08:00:05"), "manual"),
            ("B", t("08:10:00"), "manual"),
        ]
        assert await delete_manual_gun(conn, a.id, session, guns[0].id)
        remaining = (await session_by_id(conn, a.id, session)).gun_times
        assert [g.wave for g in remaining] == ["B"]
    async with db.pool.acquire() as conn:
        assert (
            await conn.fetchval("SELECT count(*) FROM gun_times WHERE session_id = $1", other) == 0
        )


async def test_merge_moves_everything_and_collapses_identical_reads(db) -> None:
    a, _ = await _partners(db)
    async with db.pool.acquire() as conn:
        s = Seeder(conn, a.id)
        into = await s.session("RACE")
        other = await s.session("RACE-FINISH-BOX")
        start_a = await s.location(into, "START")
        finish_a = await s.location(into, "FINISH")
        finish_b = await s.location(other, "FINISH")
        mid_b = await s.location(other, "10K")
        await s.read(into, start_a, "T1", "08:00:01")
        await s.read(into, finish_a, "T1", "08:40:00")  # also in B: collapses
        await s.read(other, finish_b, "T1", "08:40:00")
        moved_read = await s.read(other, finish_b, "T2", "08:41:00")
        await s.read(other, mid_b, "T1", "08:20:00")
        await conn.execute(NEW_HW_GUN, a.id, into, start_a, t("08:00:00"))
        await conn.execute(NEW_HW_GUN, a.id, other, finish_b, t("08:00:00"))  # same gun, other mat
    async with tenant_transaction(db.pool, a.id) as conn:
        await set_manual_gun(conn, a.id, other, "W2", t("08:05:00"))
        outcome = await merge_sessions(conn, a.id, into, other)
    assert (outcome.reads_moved, outcome.reads_collapsed) == (2, 1)
    assert (outcome.locations_moved, outcome.gun_times_moved) == (1, 2)
    async with tenant_transaction(db.pool, a.id) as conn:
        sessions = await list_sessions(conn, a.id)
        assert [x.id for x in sessions] == [into]
        merged = sessions[0]
        assert {p.name: p.reads for p in merged.points} == {"START": 1, "FINISH": 2, "10K": 1}
        assert sorted((g.wave, g.source, g.location) for g in merged.gun_times) == [
            ("", "hardware", "FINISH"),
            ("", "hardware", "START"),
            ("W2", "manual", None),
        ]
        # The moved read kept its id (screens resume by read id).
        ids = {r.id for r in await recent_reads(conn, a.id, into, 10)}
        assert moved_read in ids and len(ids) == 4
    async with db.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM timing_sessions WHERE id = $1", other) == 0
        assert await conn.fetchval("SELECT count(*) FROM timing_reads") == 4


async def test_merge_refuses_another_partners_session_and_changes_nothing(db) -> None:
    a, b = await _partners(db)
    async with db.pool.acquire() as conn:
        mine = await Seeder(conn, a.id).session("RACE")
        sb = Seeder(conn, b.id)
        theirs = await sb.session("RACE")
        await sb.read(theirs, await sb.location(theirs, "FINISH"), "T1", "08:40:00")
    with pytest.raises(SessionOpError, match="does not exist"):
        async with tenant_transaction(db.pool, a.id) as conn:
            await merge_sessions(conn, a.id, mine, theirs)
    with pytest.raises(SessionOpError, match="different"):
        async with tenant_transaction(db.pool, a.id) as conn:
            await merge_sessions(conn, a.id, mine, mine)
    async with db.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM timing_sessions") == 2
        assert await conn.fetchval("SELECT count(*) FROM timing_reads") == 1


async def test_merge_is_all_or_nothing(db) -> None:
    a, _ = await _partners(db)
    async with db.pool.acquire() as conn:
        s = Seeder(conn, a.id)
        into, other = await s.session("RACE"), await s.session("RACE-2")
        await s.read(other, await s.location(other, "FINISH"), "T1", "08:40:00")
    with pytest.raises(asyncpg.exceptions.RaiseError):
        async with tenant_transaction(db.pool, a.id) as conn:
            await merge_sessions(conn, a.id, into, other)
            await conn.execute("DO $$ BEGIN RAISE EXCEPTION 'fail after the merge'; END $$")
    async with db.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM timing_sessions") == 2
        assert (
            await conn.fetchval("SELECT count(*) FROM timing_reads WHERE session_id = $1", other)
            == 1
        )


async def test_summary_lists_points_unknown_tags_and_live_sessions_first(db) -> None:
    a, _ = await _partners(db)
    async with db.pool.acquire() as conn:
        s = Seeder(conn, a.id)
        ended = await s.session("OLD", "2021-05-01")
        live = await s.session("RACE")
        await conn.execute("UPDATE timing_sessions SET status = 'ended' WHERE id = $1", ended)
        finish = await s.location(live, "FINISH")
        for tag, clock in [("T1", "08:40:00"), ("T1", "08:40:01"), ("GHOST", "08:41:00")]:
            await s.read(live, finish, tag, clock)
    async with tenant_transaction(db.pool, a.id) as conn:
        await upsert_participants(conn, a.id, "RACE", [ParticipantFields("1", "T1", "Ann", "Lee")])
        sessions = await list_sessions(conn, a.id)
        assert [x.id for x in sessions] == [live, ended]
        summary = sessions[0]
        assert (summary.reads, summary.unknown_tags, summary.participants) == (3, 1, 1)
        assert [(p.name, p.reads) for p in summary.points] == [("FINISH", 3)]
        (ghost,) = await unknown_tags(conn, a.id, live)
        assert (ghost.tag, ghost.reads, ghost.locations) == ("GHOST", 1, ["FINISH"])
        newest = await recent_reads(conn, a.id, live, 2)
        assert [(r.tag, r.bib, r.name) for r in newest] == [
            ("GHOST", None, None),
            ("T1", "1", "Ann Lee"),
        ]


async def test_ingest_keeps_storing_after_the_session_it_cached_was_merged_away(db) -> None:
    from datetime import UTC

    from p88.ingest.batch import write_batch
    from p88.ingest.points import IdCache
    from p88.reads import SessionKey, StampedRead

    a, _ = await _partners(db)
    box2 = SessionKey(a.id, "RACE-BOX2", t("08:00:00").date(), "UTC")

    def passing(seq: int, tag: str, clock: str) -> StampedRead:
        return StampedRead(
            box2, "conn", "FINISH", seq, tag, t(clock), 1, "R1", 0, datetime.now(UTC)
        )

    async with db.pool.acquire() as conn:
        into = await Seeder(conn, a.id).session("RACE")
    cache = IdCache()
    first = await write_batch(db.pool, [passing(1, "T1", "08:40:00")], cache)
    merged_away = first.stored[0].session_id
    async with tenant_transaction(db.pool, a.id) as conn:
        await merge_sessions(conn, a.id, into, merged_away)
    # The writer still holds the deleted session's id: the next batch must land, not crash.
    second = await write_batch(db.pool, [passing(2, "T2", "08:41:00")], cache)
    assert len(second.stored) == 1
    assert second.stored[0].session_id not in (merged_away, into)
    async with db.pool.acquire() as conn:
        assert (
            await conn.fetchval("SELECT count(*) FROM timing_reads WHERE session_id = $1", into)
            == 1
        )


async def test_merge_keeps_displays_of_the_merged_away_session(db) -> None:
    a, _ = await _partners(db)
    async with db.pool.acquire() as conn:
        s = Seeder(conn, a.id)
        into = await s.session("RACE")
        other = await s.session("RACE-FINISH-BOX")
        display = await conn.fetchval(
            "INSERT INTO displays (partner_id, name, session_id, token_hash)"
            " VALUES ($1, 'Finish wall', $2, sha256('secret'::bytea)) RETURNING id",
            a.id,
            other,
        )
    async with tenant_transaction(db.pool, a.id) as conn:
        outcome = await merge_sessions(conn, a.id, into, other)
    assert outcome.displays_rebound == (display,)
    async with db.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT session_id FROM displays WHERE id = $1", display)
    assert row is not None and row["session_id"] == into
