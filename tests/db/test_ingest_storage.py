"""How a batch lands in timing_reads (sql/0040, p88.ingest.batch): dedup, the reads returned
to the screens, and the integrity the dropped foreign keys used to give. Every test runs
twice: by the one deduplicating statement (p88.ingest.insert, every batch can take it) and by
the direct COPY (p88.ingest.direct_copy, a large batch the writer expects to be new)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import asyncpg
import pytest

from p88.db.database import open_database
from p88.db.partners import create_partner
from p88.db.tenancy import tenant_transaction
from p88.ingest import direct_copy
from p88.ingest.batch import write_batch
from p88.ingest.finish import FINISH_BATCH
from p88.ingest.points import IdCache
from p88.reads import SessionKey, StampedRead, StoredRead
from tests.conftest import make_config

START = datetime(2021, 5, 8, 8, 0)
NOW = datetime(2021, 5, 8, 8, 30, tzinfo=UTC)


@pytest.fixture(params=["statement", "direct"], autouse=True)
def rows_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(direct_copy, "DIRECT_COPY_FROM", 1)  # any batch, however small
    # As IngestWriter calls it while its guess says "new": every write_batch below, unchanged.
    monkeypatch.setitem(write_batch.__kwdefaults__, "expect_new", request.param == "direct")
    return str(request.param)


@pytest.fixture
async def db(dsn, tmp_path):
    async with open_database(make_config(dsn, tmp_path)) as database:
        yield database


def key(event: str = "RACE", partner_id: int = 1) -> SessionKey:
    return SessionKey(partner_id, event, date(2021, 5, 8), "UTC")


def read(
    session: SessionKey,
    sequence: int,
    tag: str,
    *,
    location: str = "FINISH",
    connection: str = "conn",
    at: datetime | None = None,
) -> StampedRead:
    when = at if at is not None else START + timedelta(seconds=sequence)
    return StampedRead(session, connection, location, sequence, tag, when, 1, "R1", 1, NOW)


async def rows_by_id(db, stored: list[StoredRead]) -> dict[int, StoredRead]:
    """The committed rows of `stored`, as StoredReads built from what PostgreSQL holds."""
    async with db.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT r.*, l.name FROM timing_reads r JOIN timing_locations l "
            "ON l.id = r.location_id WHERE r.id = ANY($1::bigint[])",
            [s.id for s in stored],
        )
    return {
        r["id"]: StoredRead(
            r["id"],
            r["partner_id"],
            r["session_id"],
            r["location_id"],
            r["name"],
            r["tag"],
            r["local_time"],
            r["lap"],
            r["reader_id"],
            r["gator"],
            r["sequence"],
            r["received_at"],
        )
        for r in rows
    }


async def count(db, sql: str = "SELECT count(*) FROM timing_reads", *args: object) -> int:
    async with db.pool.acquire() as conn:
        return int(await conn.fetchval(sql, *args))


async def test_new_reads_come_back_exactly_as_committed_and_repeats_are_dropped(db) -> None:
    race = key()
    cache = IdCache()
    first = [read(race, n, f"T{n}", location="FINISH" if n % 2 else "START") for n in range(50)]
    result = await write_batch(db.pool, first, cache)
    assert (len(result.stored), result.duplicates) == (50, 0)
    assert await rows_by_id(db, result.stored) == {s.id: s for s in result.stored}

    # A resume resends the tail, a second client on START sends the same reads.
    again = first[40:] + [read(race, n, f"T{n}", location="START") for n in range(0, 50, 2)]
    again += [read(race, n, f"T{n}") for n in range(50, 60)]
    result = await write_batch(db.pool, again, cache)
    assert (len(result.stored), result.duplicates) == (10, 35)
    assert sorted(s.sequence for s in result.stored) == list(range(50, 60))
    assert await count(db) == 60


async def test_reads_the_sent_key_cannot_tell_apart_come_back_as_committed(db) -> None:
    race = key()
    batch = [
        # One connection sending sequence 7 twice at one point with different reads: both are
        # new, and (connection, point, sequence) cannot tell them apart.
        read(race, 7, "A"),
        read(race, 7, "B"),
        # More than hundredths: PostgreSQL rounds, and the screens must get the stored time.
        read(race, 8, "C", at=START + timedelta(microseconds=123_456)),
    ]
    result = await write_batch(db.pool, batch, IdCache())
    assert sorted(s.tag for s in result.stored) == ["A", "B", "C"]
    assert await rows_by_id(db, result.stored) == {s.id: s for s in result.stored}
    (rounded,) = [s for s in result.stored if s.tag == "C"]
    assert rounded.local_time == START + timedelta(microseconds=120_000)


async def test_reads_go_with_their_point_session_and_partner(db) -> None:
    async with db.pool.acquire() as conn:
        partner = await create_partner(conn, "club", "Club")
    mine, other = key("RACE", partner.id), key("OTHER", partner.id)
    batch = [read(mine, n, f"T{n}", location="START" if n < 5 else "FINISH") for n in range(10)]
    batch += [read(other, n, f"T{n}") for n in range(3)]
    result = await write_batch(db.pool, batch, IdCache())
    start_id = next(s.location_id for s in result.stored if s.location == "START")
    mine_id = next(s.session_id for s in result.stored if s.tag == "T9")

    async with db.pool.acquire() as conn:
        await conn.execute("DELETE FROM timing_locations WHERE id = $1", start_id)
    assert await count(db) == 8
    # A tenant (row-level security, not the owner) deletes a session: its reads go too.
    async with tenant_transaction(db.pool, partner.id) as conn:
        await conn.execute("DELETE FROM timing_sessions WHERE id = $1", mine_id)
    assert await count(db) == 3
    async with db.pool.acquire() as conn:
        await conn.execute("DELETE FROM partners WHERE id = $1", partner.id)
    assert await count(db) == 0


async def test_a_point_deleted_under_the_cache_is_found_again(db) -> None:
    race = key()
    cache = IdCache()
    first = await write_batch(db.pool, [read(race, 1, "T1")], cache)
    async with db.pool.acquire() as conn:
        await conn.execute(
            "DELETE FROM timing_locations WHERE id = $1", first.stored[0].location_id
        )
    second = await write_batch(db.pool, [read(race, 2, "T2")], cache)
    assert len(second.stored) == 1
    assert second.stored[0].location_id != first.stored[0].location_id
    same_point = "SELECT count(*) FROM timing_reads WHERE location_id = $1"
    assert await count(db, same_point, second.stored[0].location_id) == 1


async def test_a_gun_time_for_a_session_deleted_under_the_cache_is_stored_again(db) -> None:
    """gun_times keeps its foreign keys: the writer retries with fresh ids on their error too."""
    race = key()
    cache = IdCache()
    first = await write_batch(db.pool, [read(race, 1, "T1")], cache)
    async with db.pool.acquire() as conn:
        await conn.execute("DELETE FROM timing_sessions WHERE id = $1", first.stored[0].session_id)
    gun = read(race, 2, "guntime")._replace(is_gun=True)
    result = await write_batch(db.pool, [gun], cache)
    assert result.guns == 1
    assert await count(db, "SELECT count(*) FROM gun_times") == 1
    assert result.gun_sessions == {cache.sessions[race]} != {first.stored[0].session_id}


async def test_a_batch_holds_its_point_and_session_until_it_commits(db) -> None:
    """What the foreign keys guaranteed: nothing can delete a point or its session while a
    batch that stores reads there is open (a merge waits, then finds the reads)."""
    result = await write_batch(db.pool, [read(key(), 1, "T1")], IdCache())
    location_id, session_id = result.stored[0].location_id, result.stored[0].session_id
    async with db.pool.acquire() as batch, batch.transaction():
        finish = [[], [], [], [], [location_id], [session_id]]
        assert len(await batch.fetch(FINISH_BATCH, *finish)) == 1
        async with db.pool.acquire() as other:
            await other.execute("SET lock_timeout = '50ms'")
            for statement, target in (
                ("DELETE FROM timing_locations WHERE id = $1", location_id),
                ("DELETE FROM timing_sessions WHERE id = $1", session_id),
                ("SELECT 1 FROM timing_sessions WHERE id = $1 FOR UPDATE", session_id),
            ):
                with pytest.raises(asyncpg.exceptions.LockNotAvailableError):
                    await other.execute(statement, target)
            await other.execute("RESET lock_timeout")
    assert await count(db) == 1


async def test_repeats_inside_one_batch_are_stored_once_without_a_second_write(db) -> None:
    """Two antennas see one tag in the same hundredth: one dedup key, two lines, one batch."""
    race = key()
    same = START + timedelta(seconds=5)
    batch = [read(race, n, f"T{n}") for n in range(10)]
    batch += [read(race, n, "T5", at=same) for n in range(10, 13)]
    result = await write_batch(db.pool, batch, IdCache())
    assert (len(result.stored), result.duplicates) == (10, 3)
    assert not result.fell_back
    (kept,) = [s for s in result.stored if s.tag == "T5"]
    assert kept.sequence == 5  # the first of them, as ON CONFLICT DO NOTHING keeps
    assert await rows_by_id(db, result.stored) == {s.id: s for s in result.stored}
    assert await count(db) == 10


async def test_a_batch_wrongly_expected_new_is_written_again_with_dedup(db, rows_path) -> None:
    race = key()
    cache = IdCache()
    await write_batch(db.pool, [read(race, n, f"T{n}") for n in range(20)], cache)
    # A resume that overlaps: the first ten were stored by the batch above.
    result = await write_batch(db.pool, [read(race, n, f"T{n}") for n in range(10, 30)], cache)
    assert (len(result.stored), result.duplicates) == (10, 10)
    assert sorted(s.sequence for s in result.stored) == list(range(20, 30))
    assert result.fell_back == (rows_path == "direct")
    assert await rows_by_id(db, result.stored) == {s.id: s for s in result.stored}
    assert await count(db) == 30
    resume = "SELECT last_sequence FROM collector_resume WHERE connection_id = 'conn'"
    assert await count(db, resume) == 29


async def test_a_wrong_guess_and_a_deleted_point_in_one_batch_are_both_recovered(
    db, rows_path
) -> None:
    race = key()
    cache = IdCache()
    first = [read(race, n, f"T{n}", location="START") for n in range(10)]
    first += [read(race, n, f"T{n}", location="FINISH", connection="c2") for n in range(10)]
    stored = (await write_batch(db.pool, first, cache)).stored
    finish_id = next(s.location_id for s in stored if s.location == "FINISH")
    async with db.pool.acquire() as conn:
        await conn.execute("DELETE FROM timing_locations WHERE id = $1", finish_id)
    # START resends what it has stored; FINISH's point is gone, though the cache has its id.
    again = first[:10] + [
        read(race, n, f"T{n}", location="FINISH", connection="c2") for n in range(10, 15)
    ]
    result = await write_batch(db.pool, again, cache)
    assert (len(result.stored), result.duplicates) == (5, 10)
    assert result.fell_back == (rows_path == "direct")
    assert {s.location_id for s in result.stored} != {finish_id}
    assert await rows_by_id(db, result.stored) == {s.id: s for s in result.stored}
    assert await count(db) == 15


async def test_the_direct_lane_draws_ids_from_the_identity_of_timing_reads(db) -> None:
    async with db.pool.acquire() as conn:
        sequence = await conn.fetchval("SELECT pg_get_serial_sequence('timing_reads', 'id')")
    assert sequence == f"public.{direct_copy.READS_ID_SEQUENCE}"


async def test_texts_copy_would_read_as_escapes_are_stored_as_sent(db) -> None:
    """The direct lane COPYs text: a backslash, tab, LF or CR in a field must arrive as sent."""
    race = key()
    odd = ["back\\slash", "tab\there", "line\nfeed", "carriage\rreturn", "\\N", "\\."]
    batch = [
        read(race, n, tag, connection=f"Zürich\t{n % 2}\\\n")._replace(reader_id=f"R\\{tag}")
        for n, tag in enumerate(odd)
    ]
    batch += [read(race, n, f"T{n}", connection="plain") for n in range(10, 20)]
    result = await write_batch(db.pool, batch, IdCache())
    assert len(result.stored) == len(batch)
    assert await rows_by_id(db, result.stored) == {s.id: s for s in result.stored}
    assert {(s.tag, s.reader_id) for s in result.stored} >= {(t, f"R\\{t}") for t in odd}
    resume = "SELECT count(*) FROM collector_resume WHERE connection_id = $1"
    assert await count(db, resume, "Zürich\t1\\\n") > 0


async def test_times_and_receive_times_are_stored_as_sent(db) -> None:
    """Times with and without hundredths, a day later, and a receive time in another zone
    than the database's: each comes back as it was sent (the direct COPY sends them binary)."""
    race = key()
    times = [START + timedelta(seconds=1.23), START + timedelta(seconds=2.5), START]
    batch = [
        read(race, n, f"T{n}", at=when + timedelta(days=n // 3)) for n, when in enumerate(times * 3)
    ]
    elsewhere = datetime(2021, 5, 8, 10, 30, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    batch[0] = batch[0]._replace(received_at=elsewhere)
    result = await write_batch(db.pool, batch, IdCache())
    committed = await rows_by_id(db, result.stored)
    assert committed == {s.id: s for s in result.stored}
    assert sorted((s.sequence, s.local_time) for s in committed.values()) == [
        (p.sequence, p.local_time) for p in batch
    ]
    (first,) = [s for s in committed.values() if s.sequence == 0]
    assert first.received_at == elsewhere
