"""Retention and session auto-close on a real PostgreSQL: raw reads of ended sessions past their
window go, in batches, only when a newer backup exists; everything else stays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from p88.db.backups import make_backup
from p88.db.database import open_database
from p88.db.retention import close_idle_sessions
from p88.ops.housekeeping import Housekeeping
from p88.ops.retention import apply_retention
from p88.stats import Stats
from tests.conftest import make_config

NOW = datetime.now(UTC).replace(microsecond=0)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


async def session_with_reads(
    conn: Any, event: str, status: str, read_ages: list[float], partner_id: int = 1
) -> int:
    """A session of the `default` partner with one read per age (days before NOW)."""
    newest = days_ago(min(read_ages)) if read_ages else None
    session_id = await conn.fetchval(
        "INSERT INTO timing_sessions (partner_id, event_name, day, timezone, name, status,"
        " last_read_at) VALUES ($1, $2, $3, 'UTC', $2, $4, $5) RETURNING id",
        partner_id,
        event,
        date(2026, 1, 1),
        status,
        newest,
    )
    location_id = await conn.fetchval(
        "INSERT INTO timing_locations (partner_id, session_id, name) VALUES ($1, $2, 'FINISH')"
        " RETURNING id",
        partner_id,
        session_id,
    )
    for seq, age in enumerate(read_ages, start=1):
        await conn.execute(
            "INSERT INTO timing_reads (partner_id, session_id, location_id, tag, local_time, lap,"
            " reader_id, gator, sequence, connection_id, received_at)"
            " VALUES ($1, $2, $3, $4, '2026-01-01 09:00:00', 1, 'R1', 0, $5, 'c', $6)",
            partner_id,
            session_id,
            location_id,
            f"T{seq}",
            seq,
            days_ago(age),
        )
    return session_id


async def read_ages(conn: Any, session_id: int) -> list[int]:
    rows = await conn.fetch(
        "SELECT received_at FROM timing_reads WHERE session_id = $1 ORDER BY received_at",
        session_id,
    )
    return sorted(round((NOW - row["received_at"]).total_seconds() / 86400) for row in rows)


async def test_old_reads_of_ended_sessions_go_in_batches_and_the_rest_stays(
    dsn: str, tmp_path: Path
) -> None:
    async with open_database(make_config(dsn, tmp_path)) as db, db.pool.acquire() as conn:
        ended = await session_with_reads(conn, "OLD RACE", "ended", [40, 41, 45, 10, 12])
        live = await session_with_reads(conn, "STILL LIVE", "live", [40, 50])
        await conn.execute(
            "INSERT INTO participants (partner_id, event_name, bib, tag, first_name, last_name)"
            " VALUES (1, 'OLD RACE', '7', 'T1', 'Ada', 'Lovelace')"
        )
        await conn.execute(
            "INSERT INTO gun_times (partner_id, session_id, local_time, wave, source)"
            " VALUES (1, $1, '2026-01-01 08:00:00', '', 'manual')",
            ended,
        )
        run = await apply_retention(db.pool, days_ago(1), 30, NOW, batch_size=2)
        assert (run.reads_deleted, run.sessions_touched) == (3, 1)
        assert await read_ages(conn, ended) == [10, 12]
        assert await read_ages(conn, live) == [40, 50]
        assert await conn.fetchval("SELECT count(*) FROM timing_sessions") == 2
        assert await conn.fetchval("SELECT count(*) FROM timing_locations") == 2
        assert await conn.fetchval("SELECT count(*) FROM participants") == 1
        assert await conn.fetchval("SELECT count(*) FROM gun_times") == 1


async def test_nothing_is_deleted_without_a_backup_newer_than_the_reads(
    dsn: str, tmp_path: Path
) -> None:
    async with open_database(make_config(dsn, tmp_path)) as db, db.pool.acquire() as conn:
        ended = await session_with_reads(conn, "OLD RACE", "ended", [40, 45, 60])
        no_backup = await apply_retention(db.pool, None, 30, NOW)
        assert no_backup.reads_deleted == 0 and "no backup" in no_backup.note
        older_backup = await apply_retention(db.pool, days_ago(50), 30, NOW)
        # Only the read that is older than the backup (60 days) may go.
        assert older_backup.reads_deleted == 1
        assert await read_ages(conn, ended) == [40, 45]


async def test_a_partners_plan_keeps_reads_longer(dsn: str, tmp_path: Path) -> None:
    async with open_database(make_config(dsn, tmp_path)) as db, db.pool.acquire() as conn:
        ended = await session_with_reads(conn, "CLUB RACE", "ended", [40, 100])
        await conn.execute(
            "INSERT INTO subscriptions (partner_id, plan_id, starts_on, status)"
            " SELECT 1, id, current_date - 200, 'active' FROM plans WHERE slug = 'club'"
        )
        run = await apply_retention(db.pool, days_ago(1), 30, NOW)
        assert run.reads_deleted == 1  # the club plan keeps 90 days
        assert await read_ages(conn, ended) == [40]


async def test_idle_live_sessions_end_unless_their_middleware_is_connected(
    dsn: str, tmp_path: Path
) -> None:
    async with open_database(make_config(dsn, tmp_path)) as db, db.pool.acquire() as conn:
        idle = await session_with_reads(conn, "YESTERDAY", "live", [1.5])
        connected = await session_with_reads(conn, "OVERNIGHT", "live", [1.5])
        recent = await session_with_reads(conn, "TODAY", "live", [0.1])
        closed = await close_idle_sessions(
            db.pool, NOW - timedelta(hours=24), [("default", "OVERNIGHT")]
        )
        assert closed == [idle]
        statuses = {i: s for i, s in await conn.fetch("SELECT id, status FROM timing_sessions")}
        assert statuses == {idle: "ended", connected: "live", recent: "live"}


async def test_housekeeping_trusts_only_verified_backup_files_in_its_folder(
    dsn: str, tmp_path: Path
) -> None:
    config = make_config(dsn, tmp_path, backup={"dir": str(tmp_path / "backups")})
    async with open_database(config) as db, db.pool.acquire() as conn:
        ended = await session_with_reads(conn, "OLD RACE", "ended", [40])
        stats = Stats()
        housekeeping = Housekeeping(config, dsn, db.pool, stats, clock=lambda: NOW)
        folder = housekeeping.folder
        folder.mkdir()
        # An interrupted dump is no backup.
        (folder / ".p88-20990101T000000Z-daily.dump.partial").write_bytes(b"PGDMP")
        await housekeeping.apply_retention(NOW)
        assert await read_ages(conn, ended) == [40]
        assert stats.ops.retention is not None and stats.ops.retention.reads_deleted == 0
        made = await make_backup(dsn, folder, "manual", now=NOW)
        await housekeeping.apply_retention(NOW)
        assert await read_ages(conn, ended) == []
        assert stats.ops.retention.reads_deleted == 1
        assert stats.ops.retention.backup_before == made.taken_at
