"""Handing a session held for unauthenticated middleware to a company, on a real PostgreSQL:
what moves, what stays, what each company sees under row-level security, and the collector's
writer following the hand-over (warm cache, cold cache, and one waiting on the hand-over)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import trio

from p88.db.database import open_database
from p88.db.handover import HandOverOutcome, hand_over_session
from p88.db.partners import Partner, create_partner, partner_by_slug
from p88.db.session_ops import SessionOpError, set_manual_gun
from p88.db.sessions import list_sessions
from p88.db.tenancy import tenant_transaction
from p88.db.unassigned import choose_partner, unauthenticated_partner
from p88.displays.store import create_display
from p88.ingest.batch import write_batch
from p88.ingest.points import IdCache
from p88.reads import SessionKey, StampedRead
from tests.conftest import make_config

DAY = date(2021, 5, 8)
EVENT = "21ROTM"
READ_ROWS = """
SELECT l.name, r.tag, r.local_time, r.reader_id, r.gator, r.sequence, r.connection_id
FROM timing_reads r JOIN timing_locations l ON l.id = r.location_id
WHERE r.session_id = $1 ORDER BY r.sequence
"""


@pytest.fixture
async def db(dsn, tmp_path):
    async with open_database(make_config(dsn, tmp_path)) as database:
        yield database


def passings(
    key: SessionKey, location: str, first: int, count: int, *, gun: bool = False
) -> list[StampedRead]:
    start = datetime(2021, 5, 8, 8, 0)
    now = datetime.now(UTC)
    return [
        StampedRead(
            key,
            f"mw-{location}",
            location,
            n,
            "" if gun else f"T{n}",
            start + timedelta(seconds=n),
            1,
            "R1",
            0 if gun else 2,
            now,
            gun,
        )
        for n in range(first, first + count)
    ]


async def companies(db) -> tuple[Partner, Partner]:
    """The holding company (`default`) and a timing company."""
    async with db.pool.acquire() as conn:
        holding = await partner_by_slug(conn, "default")
        fast = await create_partner(conn, "fast", "Fast Timing")
    assert holding is not None
    return holding, fast


async def session_id_of(db, partner_id: int, event: str) -> int | None:
    async with db.pool.acquire() as conn:
        return await conn.fetchval(
            "SELECT id FROM timing_sessions WHERE partner_id = $1 AND event_name = $2",
            partner_id,
            event,
        )


async def hand_over(db, holding: Partner, session_id: int, to: Partner) -> HandOverOutcome:
    async with db.pool.acquire() as conn, conn.transaction():
        return await hand_over_session(conn, holding.id, session_id, to.id, None)


async def test_the_session_moves_whole_and_nothing_else_does(db) -> None:
    holding, fast = await companies(db)
    held = SessionKey(holding.id, EVENT, DAY, "UTC")
    cache = IdCache()
    await write_batch(
        db.pool,
        passings(held, "START", 1, 1, gun=True)
        + passings(held, "START", 2, 12)
        + passings(held, "FINISH", 1, 8)
        + passings(SessionKey(holding.id, "OTHER", DAY, "UTC"), "FINISH", 1, 5)
        + passings(SessionKey(fast.id, "OWN", DAY, "UTC"), "FINISH", 1, 3),
        cache,
    )
    session = await session_id_of(db, holding.id, EVENT)
    async with db.pool.acquire() as conn:
        await set_manual_gun(conn, holding.id, session, "", datetime(2021, 5, 8, 8, 0, 1))
        display, _ = await create_display(conn, holding.id, name="Finish", session_id=session)
        before = [tuple(r) for r in await conn.fetch(READ_ROWS, session)]
    outcome = await hand_over(db, holding, session, fast)

    assert not outcome.merged
    moved = outcome.moved
    assert (moved.reads_moved, moved.reads_collapsed, moved.locations_moved) == (20, 0, 2)
    assert (moved.gun_times_moved, moved.displays_rebound) == (2, (display.id,))
    async with tenant_transaction(db.pool, fast.id) as conn:  # as the receiver sees it
        mine = {s.event_name: s for s in await list_sessions(conn, fast.id)}
        assert sorted(mine) == ["21ROTM", "OWN"] and mine["OWN"].reads == 3
        received = mine[EVENT]
        assert received.id == outcome.session_id
        assert sorted((p.name, p.reads) for p in received.points) == [("FINISH", 8), ("START", 12)]
        assert sorted(g.source for g in received.gun_times) == ["hardware", "manual"]
        assert [tuple(r) for r in await conn.fetch(READ_ROWS, received.id)] == before
        shown = await conn.fetchrow("SELECT session_id, template_id FROM displays")
        assert tuple(shown) == (received.id, None)
    async with tenant_transaction(db.pool, holding.id) as conn:  # the holder no longer does
        left = await list_sessions(conn, holding.id)
        assert [(s.event_name, s.reads) for s in left] == [("OTHER", 5)]
        assert await conn.fetchval("SELECT count(*) FROM timing_reads") == 5
        assert await conn.fetchval("SELECT count(*) FROM gun_times") == 0
        assert await conn.fetchval("SELECT count(*) FROM displays") == 0
    async with db.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT from_partner_id, event_name, to_partner_id FROM session_handovers"
        )
        assert [tuple(r) for r in rows] == [(holding.id, EVENT, fast.id)]


async def test_a_company_session_of_the_same_event_and_day_takes_it_in(db) -> None:
    holding, fast = await companies(db)
    held, own = SessionKey(holding.id, EVENT, DAY, "UTC"), SessionKey(fast.id, EVENT, DAY, "UTC")
    cache = IdCache()
    # Fast's own FINISH box saw reads 1-5; the unauthenticated one saw 4-9 there, and a 10K.
    await write_batch(db.pool, passings(own, "FINISH", 1, 5), cache)
    await write_batch(db.pool, passings(held, "FINISH", 4, 6) + passings(held, "10K", 1, 3), cache)
    target = await session_id_of(db, fast.id, EVENT)
    outcome = await hand_over(db, holding, await session_id_of(db, holding.id, EVENT), fast)

    assert outcome.merged and outcome.session_id == target
    assert (outcome.moved.reads_moved, outcome.moved.reads_collapsed) == (7, 2)
    async with tenant_transaction(db.pool, fast.id) as conn:
        (merged,) = await list_sessions(conn, fast.id)
        assert sorted((p.name, p.reads) for p in merged.points) == [("10K", 3), ("FINISH", 9)]
        tags = await conn.fetch(
            "SELECT r.tag FROM timing_reads r JOIN timing_locations l ON l.id = r.location_id "
            "WHERE l.name = 'FINISH' ORDER BY r.local_time"
        )
        assert [r[0] for r in tags] == [f"T{n}" for n in range(1, 10)]
    assert await session_id_of(db, holding.id, EVENT) is None


async def test_the_writer_follows_a_hand_over_warm_cold_and_resumes_where_it_was(db) -> None:
    holding, fast = await companies(db)
    held = SessionKey(holding.id, EVENT, DAY, "UTC")
    warm = IdCache()
    await write_batch(db.pool, passings(held, "FINISH", 1, 10), warm)
    await hand_over(db, holding, await session_id_of(db, holding.id, EVENT), fast)

    # The connection that stays open: its writer cached the held session's ids.
    result = await write_batch(db.pool, passings(held, "FINISH", 11, 10), warm)
    received = await session_id_of(db, fast.id, EVENT)
    assert len(result.stored) == 10
    assert {(r.partner_id, r.session_id) for r in result.stored} == {(fast.id, received)}
    # Resume points stay with the company the connection authenticated as: a reconnecting
    # unauthenticated connection looks them up there.
    assert result.resume_points == {(holding.id, "mw-FINISH", "FINISH"): 20}
    # A restarted process (nothing cached), a replay overlapping what is stored, a new point.
    cold = IdCache()
    result = await write_batch(
        db.pool, passings(held, "FINISH", 15, 16) + passings(held, "START", 1, 4), cold
    )
    assert (len(result.stored), result.duplicates) == (14, 6)
    assert {r.partner_id for r in result.stored} == {fast.id}
    assert await session_id_of(db, holding.id, EVENT) is None
    async with tenant_transaction(db.pool, fast.id) as conn:
        rows = await conn.fetch(READ_ROWS, received)
        finish = [r["sequence"] for r in rows if r["name"] == "FINISH"]
        assert finish == list(range(1, 31)) and len(rows) == 34
    async with db.pool.acquire() as conn:
        resume = await conn.fetch(
            "SELECT partner_id, location, last_sequence FROM collector_resume"
        )
        assert sorted(tuple(r) for r in resume) == [
            (holding.id, "FINISH", 30),
            (holding.id, "START", 4),
        ]


async def _waiting_for_a_lock(db, count: int) -> None:
    with trio.fail_after(10):
        while True:
            async with db.pool.acquire() as conn:
                waiting = await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            if waiting >= count:
                return
            await trio.sleep(0.02)


async def test_writers_waiting_on_the_hand_over_store_under_the_new_company(db) -> None:
    """One writer has the held session's ids cached, the other none (it looks the session up
    while the hand-over holds it, and would create it again under the holding company but for
    sql/0070's check). Both wait for the hand-over, then store under Fast Timing."""
    holding, fast = await companies(db)
    held = SessionKey(holding.id, EVENT, DAY, "UTC")
    warm = IdCache()
    await write_batch(db.pool, passings(held, "FINISH", 1, 10), warm)
    session = await session_id_of(db, holding.id, EVENT)
    results = {}

    async def write(name: str, cache: IdCache, batch: list[StampedRead]) -> None:
        results[name] = await write_batch(db.pool, batch, cache)

    async with db.pool.acquire() as conn:
        async with trio.open_nursery() as nursery:
            async with conn.transaction():
                await hand_over_session(conn, holding.id, session, fast.id, None)
                nursery.start_soon(write, "warm", warm, passings(held, "FINISH", 11, 5))
                nursery.start_soon(write, "cold", IdCache(), passings(held, "START", 1, 5))
                await _waiting_for_a_lock(db, 2)
    assert {r.partner_id for res in results.values() for r in res.stored} == {fast.id}
    assert [len(res.stored) for res in results.values()] == [5, 5]
    assert await session_id_of(db, holding.id, EVENT) is None
    async with tenant_transaction(db.pool, fast.id) as conn:
        (received,) = await list_sessions(conn, fast.id)
        assert sorted((p.name, p.reads) for p in received.points) == [("FINISH", 15), ("START", 5)]


async def test_handing_back_and_on_never_makes_a_chain_or_a_circle(db) -> None:
    holding, fast = await companies(db)
    async with db.pool.acquire() as conn:
        other = await create_partner(conn, "other", "Other Timing")
    cache = IdCache()
    await write_batch(
        db.pool, passings(SessionKey(holding.id, EVENT, DAY, "UTC"), "F", 1, 3), cache
    )
    await hand_over(db, holding, await session_id_of(db, holding.id, EVENT), fast)
    # Later Fast's sessions are the ones held (collector.anonymous_partner changed): on to Other,
    # then back to the first holder.
    await hand_over(db, fast, await session_id_of(db, fast.id, EVENT), other)
    async with db.pool.acquire() as conn:
        rows = await conn.fetch("SELECT from_partner_id, to_partner_id FROM session_handovers")
    assert sorted(tuple(r) for r in rows) == sorted([(holding.id, other.id), (fast.id, other.id)])
    await hand_over(db, other, await session_id_of(db, other.id, EVENT), holding)
    async with db.pool.acquire() as conn:
        rows = await conn.fetch("SELECT from_partner_id, to_partner_id FROM session_handovers")
    assert sorted(tuple(r) for r in rows) == sorted([(fast.id, holding.id), (other.id, holding.id)])
    # The first holder's own reads are stored under it again, not sent on.
    result = await write_batch(
        db.pool, passings(SessionKey(holding.id, EVENT, DAY, "UTC"), "F", 4, 2), cache
    )
    assert {r.partner_id for r in result.stored} == {holding.id}
    assert await session_id_of(db, holding.id, EVENT) is not None


async def test_refusals_leave_everything_in_place(db) -> None:
    holding, fast = await companies(db)
    await write_batch(
        db.pool, passings(SessionKey(fast.id, EVENT, DAY, "UTC"), "F", 1, 3), IdCache()
    )
    own = await session_id_of(db, fast.id, EVENT)
    async with db.pool.acquire() as conn:
        with pytest.raises(SessionOpError, match="other than the one holding"):
            await hand_over_session(conn, holding.id, 1, holding.id, None)
        # Another company's session is not the holding company's to give.
        with pytest.raises(SessionOpError, match="not held"):
            async with conn.transaction():
                await hand_over_session(conn, holding.id, own, fast.id, None)
        assert await conn.fetchval("SELECT count(*) FROM session_handovers") == 0
    assert await session_id_of(db, fast.id, EVENT) == own


async def test_the_chosen_company_takes_precedence_over_the_configured_one(db) -> None:
    holding, fast = await companies(db)
    async with db.pool.acquire() as conn:
        assert await unauthenticated_partner(conn, "default") == holding
        assert await unauthenticated_partner(conn, "") is None
        await choose_partner(conn, fast.id, None)
        assert await unauthenticated_partner(conn, "default") == fast
        assert await unauthenticated_partner(conn, "") == fast
        await choose_partner(conn, None, None)  # keep them unassigned
        assert await unauthenticated_partner(conn, "default") == holding
        await choose_partner(conn, fast.id, None)
        await conn.execute("DELETE FROM partners WHERE id = $1", fast.id)
        assert await unauthenticated_partner(conn, "default") == holding
