"""Migrations on a real PostgreSQL: a file changed after it was applied and a database migrated
by a newer p88 stop start-up with a message saying what to do; the advisory lock makes two
processes migrating at once take turns; `apply=False` (`p88 serve --no-migrate`) refuses to
start while migrations are pending and applies nothing."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import trio

from p88.db.database import PendingMigrations, open_database, prepare_schema
from p88.db.migrate import MIGRATION_LOCK_KEY, MigrationError, load_migrations, migrate
from p88.db.pool import Connection, connect, open_bridge
from tests.conftest import make_config

KNOWN = load_migrations()


@asynccontextmanager
async def bridge_and(dsn: str) -> AsyncIterator[Connection]:
    async with open_bridge(), connect(dsn) as conn:
        yield conn


async def applied_versions(conn: Connection) -> list[int]:
    return [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")]


def dsn_of(dsn: str, database: str) -> str:
    return urlunsplit(urlsplit(dsn)._replace(path="/" + database))


async def new_empty_database(dsn: str) -> str:
    async with bridge_and(dsn) as conn:
        name = f"empty_{secrets.token_hex(4)}"
        await conn.execute(f"CREATE DATABASE {name}")
    return dsn_of(dsn, name)


def raises_inside(kind: type[BaseException], match: str) -> pytest.RaisesGroup[BaseException]:
    """`kind` raised as is, or inside the exception groups of the nurseries it went through."""
    return pytest.RaisesGroup(
        pytest.RaisesExc(kind, match=match), allow_unwrapped=True, flatten_subgroups=True
    )


async def lock_is_free(conn: Connection) -> bool:
    """Whether another session could take the migration lock now (taken and given back)."""
    if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", MIGRATION_LOCK_KEY):
        return False
    await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
    return True


async def test_a_migration_changed_after_it_was_applied_stops_start_up(
    dsn: str, tmp_path: Path
) -> None:
    first = KNOWN[0]
    async with bridge_and(dsn) as conn:
        await conn.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
    changed = f"{first.version:04d}_{first.name}.sql changed after it was applied"
    with raises_inside(MigrationError, rf"{changed}.*restore the file and add a new one"):
        async with open_database(make_config(dsn, tmp_path)):
            raise AssertionError("the server started on a changed migration")
    async with bridge_and(dsn) as conn:
        assert await lock_is_free(conn)
        assert sorted(await applied_versions(conn)) == [m.version for m in KNOWN]


async def test_a_database_migrated_by_a_newer_p88_stops_start_up(
    dsn: str, tmp_path: Path
) -> None:
    async with bridge_and(dsn) as conn:
        await conn.execute(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'future', 'x')"
        )
    for apply in (True, False):  # `p88 serve`, and `p88 serve --no-migrate`
        with raises_inside(MigrationError, r"migration 9999, which this p88 does not know"):
            async with open_bridge():
                await prepare_schema(dsn, apply=apply, backup_folder=tmp_path / "backups")
    assert not (tmp_path / "backups").exists()  # nothing to back up for: it stopped first
    async with bridge_and(dsn) as conn:
        assert await lock_is_free(conn)


async def test_no_migrate_refuses_pending_migrations_and_applies_none(
    dsn: str, tmp_path: Path
) -> None:
    empty = await new_empty_database(dsn)
    first = f"{KNOWN[0].version:04d}_{KNOWN[0].name}"
    with raises_inside(PendingMigrations, rf"{first}.*run `p88 migrate` or start without"):
        async with open_database(make_config(empty, tmp_path), apply_migrations=False):
            raise AssertionError("the server started with migrations pending")
    async with bridge_and(empty) as conn:
        assert await applied_versions(conn) == []
        assert await conn.fetchval("SELECT to_regclass('public.timing_reads')") is None
    # Once migrated, --no-migrate starts.
    async with open_database(make_config(empty, tmp_path)):
        pass
    async with open_database(make_config(empty, tmp_path), apply_migrations=False) as db:
        assert await db.pool.fetchval("SELECT count(*) FROM schema_migrations") == len(KNOWN)


async def waiting_for_the_lock(conn: Connection) -> int:
    """Sessions waiting for the migration lock (advisory, one bigint key: objid holds it)."""
    count: int = await conn.fetchval(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND classid = 0 AND objid = $1 AND objsubid = 1",
        MIGRATION_LOCK_KEY,
    )
    return count


async def test_two_migrations_at_once_take_turns_under_the_advisory_lock(dsn: str) -> None:
    """Two processes starting at once on an empty database: both wait while a third holds the
    lock, nothing is applied meanwhile, and once it is free one applies every file, the other
    none (without the lock both would run 0001 and one would fail)."""
    empty = await new_empty_database(dsn)
    applied: list[list[int]] = []

    async def one_process() -> None:
        async with connect(empty) as conn:
            applied.append([m.version for m in await migrate(conn)])

    async with open_bridge(), connect(empty) as holder:
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(one_process)
            nursery.start_soon(one_process)
            with trio.fail_after(20):
                while await waiting_for_the_lock(holder) < 2:
                    await trio.sleep(0.02)
            assert await holder.fetchval("SELECT to_regclass('public.timing_reads')") is None
            assert applied == []
            await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
        assert sorted(applied, key=len) == [[], [m.version for m in KNOWN]]
        assert sorted(await applied_versions(holder)) == [m.version for m in KNOWN]
        assert await lock_is_free(holder)
