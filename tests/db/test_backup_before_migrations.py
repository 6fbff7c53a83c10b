"""Before `p88 serve` (or any command) applies migrations to a database that holds data, it
backs that database up; a fresh database needs none; a failed backup stops the migration."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from p88.db.backups import list_backups
from p88.db.database import PendingMigrations, open_database
from p88.db.embedded import POSTGRES_BIN_PATH
from p88.db.migrate import load_migrations
from p88.db.pool import connect, open_bridge
from tests.conftest import PostgresForTests, make_config


async def database_one_migration_behind(postgres: PostgresForTests, name: str) -> str:
    """A database with every migration but the newest applied, and a partner in it."""
    postgres._server.psql(f"CREATE DATABASE {name};")
    dsn = str(postgres._server.get_uri(name))
    *older, _newest = load_migrations()
    async with open_bridge(), connect(dsn) as conn:
        await conn.execute(
            "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
            " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for migration in older:
            await conn.execute(migration.sql)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                migration.version,
                migration.name,
                migration.checksum,
            )
        await conn.execute("INSERT INTO partners (slug, name) VALUES ('alpha', 'Alpha')")
    return dsn


def pg_restore_text(backup: Path, *args: str) -> str:
    command = [str(POSTGRES_BIN_PATH / "pg_restore"), *args, "-f", "-", str(backup)]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


async def test_pending_migrations_on_a_database_with_data_are_preceded_by_a_backup(
    postgres: PostgresForTests, tmp_path: Path
) -> None:
    dsn = await database_one_migration_behind(postgres, "behind_backup")
    config = make_config(dsn, tmp_path, backup={"dir": str(tmp_path / "backups")})
    async with open_database(config) as db:
        newest = load_migrations()[-1].version
        assert await db.pool.fetchval("SELECT max(version) FROM schema_migrations") == newest
    [backup] = list_backups(tmp_path / "backups")
    assert backup.kind == "before-migration"
    # It holds the database as it was: the partner, and no row for the newest migration.
    data = pg_restore_text(backup.path, "--data-only").splitlines()
    assert not any(line.startswith(f"{newest}\t") for line in data)
    older = load_migrations()[-2].version
    assert any(line.startswith(f"{older}\t") for line in data)
    assert any("\talpha\tAlpha\t" in line for line in data)


async def test_a_fresh_database_is_migrated_without_a_backup(
    postgres: PostgresForTests, tmp_path: Path
) -> None:
    postgres._server.psql("CREATE DATABASE fresh_no_backup;")
    dsn = str(postgres._server.get_uri("fresh_no_backup"))
    config = make_config(dsn, tmp_path, backup={"dir": str(tmp_path / "backups")})
    async with open_database(config):
        pass
    assert list_backups(tmp_path / "backups") == []


async def test_a_failed_backup_stops_the_migration(
    postgres: PostgresForTests, tmp_path: Path
) -> None:
    dsn = await database_one_migration_behind(postgres, "behind_blocked")
    blocked = tmp_path / "backups"
    blocked.write_text("a file where the backup folder should be")
    config = make_config(dsn, tmp_path, backup={"dir": str(blocked)})
    with pytest.raises(BaseException) as caught:
        async with open_database(config):
            pass
    refusal = caught.value
    while isinstance(refusal, BaseExceptionGroup):  # it comes up through the bridge's nursery
        [refusal] = refusal.exceptions
    assert isinstance(refusal, PendingMigrations)
    assert "backup made before them failed" in str(refusal)
    async with open_bridge(), connect(dsn) as conn:
        count = await conn.fetchval("SELECT count(*) FROM schema_migrations")
    assert count == len(load_migrations()) - 1
