"""Opening the database for `p88 serve` and the CLI: embedded server or DSN, migrations, pool."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import trio

from p88.config import Config
from p88.db.backups import LoggedProgress, make_backup
from p88.db.embedded import EmbeddedPostgres
from p88.db.migrate import migrate, needs_backup_before_migrating, pending_migrations
from p88.db.pgtools import PgToolError
from p88.db.pool import Pool, connect, open_bridge, open_pool, redact, wait_until_reachable

log = logging.getLogger(__name__)


class PendingMigrations(Exception):
    pass


@dataclass(slots=True)
class Database:
    dsn: str
    pool: Pool
    embedded: EmbeddedPostgres | None


@asynccontextmanager
async def database_server(config: Config) -> AsyncIterator[tuple[str, EmbeddedPostgres | None]]:
    """Yield the DSN to use: the configured one, or the embedded server's (started here and
    stopped on the way out)."""
    if config.database.dsn:
        yield config.database.dsn, None
        return
    embedded = EmbeddedPostgres(config.database.data_dir)
    log.info("starting the embedded PostgreSQL in %s", embedded.pgdata)
    dsn = await trio.to_thread.run_sync(embedded.start)
    try:
        yield dsn, embedded
    finally:
        with trio.CancelScope(shield=True):
            log.info("stopping the embedded PostgreSQL")
            await trio.to_thread.run_sync(embedded.stop)


async def prepare_schema(dsn: str, *, apply: bool, backup_folder: Path | None = None) -> None:
    """Apply pending migrations, or refuse to go on when `apply` is False and some are pending.
    A database that holds data is first backed up into `backup_folder` (when given)."""
    await wait_until_reachable(dsn)
    async with connect(dsn) as conn:
        if apply:
            if backup_folder is not None and await needs_backup_before_migrating(conn):
                await backup_before_migrating(dsn, backup_folder)
            applied = await migrate(conn)
            for migration in applied:
                log.info("applied migration %04d_%s", migration.version, migration.name)
            return
        pending = await pending_migrations(conn)
        if pending:
            names = ", ".join(f"{m.version:04d}_{m.name}" for m in pending)
            raise PendingMigrations(
                f"the database at {redact(dsn)} needs migrations ({names}); "
                "run `p88 migrate` or start without --no-migrate"
            )


async def backup_before_migrating(dsn: str, folder: Path) -> None:
    log.info("migrations are pending: backing up the database into %s first", folder)
    try:
        made = await make_backup(
            dsn, folder, "before-migration", on_progress=LoggedProgress("before-migration")
        )
    except (PgToolError, OSError) as exc:
        raise PendingMigrations(
            f"migrations are pending, and the backup made before them failed: {exc}. "
            "Nothing was migrated; fix the cause (disk space, [backup] dir) and start again"
        ) from exc
    log.info("backup %s written (%d bytes, verified)", made.path, made.size)


@asynccontextmanager
async def open_database(
    config: Config, *, apply_migrations: bool = True, pool_size: int | None = None
) -> AsyncIterator[Database]:
    """Server (embedded or DSN), then the asyncio bridge, schema check, then the pool."""
    async with database_server(config) as (dsn, embedded), open_bridge():
        folder = config.backup.folder(config.database.data_dir)
        await prepare_schema(dsn, apply=apply_migrations, backup_folder=folder)
        size = pool_size or config.database.pool_size
        async with open_pool(dsn, max_size=size) as pool:
            yield Database(dsn, pool, embedded)
