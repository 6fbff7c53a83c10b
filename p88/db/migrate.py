"""Append-only SQL migrations from sql/NNNN_name.sql, applied in order under an advisory lock.

The lock makes two processes starting at once (or `p88 migrate` beside `p88 serve`) take turns
instead of applying the same file twice.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import p88
from p88.db.pool import Connection

MIGRATION_LOCK_KEY = 0x7088_0001
FILE_PATTERN = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


class MigrationError(Exception):
    pass


def migrations_dir() -> Path:
    """sql/ inside the installed package (wheel), or beside the package in a source checkout."""
    package_dir = Path(p88.__file__).resolve().parent
    for candidate in (package_dir / "sql", package_dir.parent / "sql"):
        if candidate.is_dir():
            return candidate
    raise MigrationError(f"no sql/ folder found next to {package_dir}; reinstall p88")


def load_migrations(folder: Path | None = None) -> list[Migration]:
    folder = folder or migrations_dir()
    found: list[Migration] = []
    for path in sorted(folder.glob("*.sql")):
        match = FILE_PATTERN.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_name.sql")
        found.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share a version number")
    return found


CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


async def _applied(conn: Connection) -> dict[int, str]:
    await conn.execute(CREATE_TABLE)
    rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
    return {row["version"]: row["checksum"] for row in rows}


def _check_history(applied: dict[int, str], known: list[Migration]) -> None:
    by_version = {m.version: m for m in known}
    for version, checksum in applied.items():
        migration = by_version.get(version)
        if migration is None:
            raise MigrationError(
                f"the database has migration {version:04d}, which this p88 does not know; "
                "it was migrated by a newer p88 — upgrade p88"
            )
        if migration.checksum != checksum:
            raise MigrationError(
                f"migration {version:04d}_{migration.name}.sql changed after it was applied; "
                "migrations are append-only: restore the file and add a new one"
            )


async def pending_migrations(conn: Connection) -> list[Migration]:
    known = load_migrations()
    applied = await _applied(conn)
    _check_history(applied, known)
    return [m for m in known if m.version not in applied]


async def needs_backup_before_migrating(conn: Connection) -> bool:
    """True when migrations are pending on a database that already has p88's schema (a fresh,
    empty database has nothing to lose)."""
    if not await conn.fetchval("SELECT to_regclass('public.schema_migrations') IS NOT NULL"):
        return False
    if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM schema_migrations)"):
        return False
    return bool(await pending_migrations(conn))


async def migrate(conn: Connection) -> list[Migration]:
    """Apply every pending migration, each in its own transaction; return those applied."""
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    try:
        pending = await pending_migrations(conn)
        for migration in pending:
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
        return pending
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
