"""Restoring a backup file into the configured database (embedded or DSN).

The checks come first, all before anything changes: the file must verify whole, nobody else
may be connected (a running `p88 serve` would write into a database being replaced), and a
database that already holds p88 tables is replaced only when the caller says so, after it has
been told, table by table, what would go. The replacement itself is one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from p88.db import pgtools
from p88.db.backups import BackupFile, make_backup
from p88.db.pool import Connection, connect, redact, wait_until_reachable

# Rows per table of the public schema. The count needs the table's name in the statement: a
# function of the session's temporary schema builds it from the catalog (regclass quotes it).
ROW_COUNT_FUNCTION = """
CREATE OR REPLACE FUNCTION pg_temp.p88_row_count(t regclass) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s', t) INTO n;
    RETURN n;
END
$$
"""

TABLE_COUNTS = """
SELECT c.relname AS name, pg_temp.p88_row_count(c.oid::regclass) AS rows
FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
WHERE s.nspname = 'public' AND c.relkind IN ('r', 'p')
ORDER BY c.relname
"""

OTHER_SESSIONS = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
"""


class RestoreRefused(Exception):
    """The restore did not start; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class RestorePlan:
    """What the target holds now (table -> rows); empty when it has no tables."""

    dsn: str
    replaced: dict[str, int]


async def table_counts(conn: Connection) -> dict[str, int]:
    await conn.execute(ROW_COUNT_FUNCTION)
    return {row["name"]: row["rows"] for row in await conn.fetch(TABLE_COUNTS)}


def describe_counts(counts: dict[str, int]) -> str:
    """`partners 2, timing_reads 64,990 (and 21 empty tables)`: rows per table that has any."""
    filled = ", ".join(f"{name} {rows:,}" for name, rows in counts.items() if rows)
    empty = sum(1 for rows in counts.values() if not rows)
    if not empty:
        return filled or "no tables"
    return f"{filled} (and {empty} empty tables)" if filled else f"{empty} empty tables"


async def plan_restore(dsn: str, *, force: bool) -> RestorePlan:
    """Refuse when others are connected, or when the database holds tables and not `force`."""
    await wait_until_reachable(dsn)
    async with connect(dsn) as conn:
        others = await conn.fetchval(OTHER_SESSIONS)
        counts = await table_counts(conn)
    if others:
        raise RestoreRefused(
            f"{others} other connection(s) use the database at {redact(dsn)}: is `p88 serve` "
            "running? Stop it, then restore"
        )
    if counts and not force:
        raise RestoreRefused(
            f"the database at {redact(dsn)} is not empty; restoring would replace all of it: "
            f"{describe_counts(counts)}. Run again with --force to replace it (a backup of it "
            "is made first)"
        )
    return RestorePlan(dsn, counts)


async def restore_backup(
    plan: RestorePlan,
    path: Path,
    listing: str,
    safety_folder: Path,
    on_progress: pgtools.ProgressCallback | None = None,
    announce: Callable[[str], None] = lambda message: None,
) -> BackupFile | None:
    """Replace the database with the backup at `path` (verified already: `listing`). A
    database with data is first backed up into `safety_folder`; that backup is returned."""
    safety = None
    if plan.replaced:
        announce("backing up the database that is about to be replaced")
        safety = await make_backup(plan.dsn, safety_folder, "before-restore")
        announce(f"  {safety.path} ({safety.size:,} bytes, verified)")
    announce(f"restoring {path}")
    roles = await pgtools.granted_roles(path, listing)
    prelude = pgtools.role_statements(roles) + pgtools.REPLACE_SCHEMA
    await pgtools.restore(plan.dsn, path, prelude, on_progress)
    return safety


async def restored_counts(dsn: str) -> dict[str, int]:
    async with connect(dsn) as conn:
        return await table_counts(conn)
