"""Backup files of the p88 database in one folder: made, verified, listed, pruned.

The folder is the record of what exists. A file is named after the UTC time its dump began
(`p88-20260508T030000Z-daily.dump`: PostgreSQL's snapshot is taken at that moment, so every
read committed before it is inside), and only a dump that verified gets such a name: pg_dump
writes a hidden `.partial` file, which is renamed once `pg_restore` has read it back whole.
No table records backups: the backup before a migration runs before the table could exist, a
restore would roll such a table back, and a row can outlive a file an operator moved away,
while retention must trust only a backup that is really there.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import trio

from p88.db import pgtools

log = logging.getLogger(__name__)

NAME = re.compile(r"^p88-(\d{8}T\d{6}Z)-([a-z-]+)(?:-(\d+))?\.dump$")
STAMP = "%Y%m%dT%H%M%SZ"
STALE_PARTIAL = timedelta(days=1)  # a .partial this old belongs to no running backup
PROGRESS_LOG_EVERY = 10.0  # seconds between progress lines of a running backup


class LoggedProgress:
    """A running backup's size in the log (serve's terminal), every PROGRESS_LOG_EVERY s."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.last = time.monotonic()

    def __call__(self, size: int) -> None:
        if time.monotonic() - self.last >= PROGRESS_LOG_EVERY:
            self.last = time.monotonic()
            log.info("%s backup: %.1f MB written", self.kind, size / 1e6)


@dataclass(frozen=True, slots=True)
class BackupFile:
    path: Path
    taken_at: datetime  # UTC; when the dump's snapshot began
    size: int
    kind: str  # daily, manual, before-migration, before-restore

    def as_json(self) -> dict[str, object]:
        return {
            "taken_at": self.taken_at.isoformat().replace("+00:00", "Z"),
            "size_bytes": self.size,
            "path": str(self.path),
            "kind": self.kind,
            "verified": True,  # only verified dumps get a backup's name
        }


def _parse(path: Path) -> BackupFile | None:
    match = NAME.match(path.name)
    if match is None:
        return None
    taken_at = datetime.strptime(match[1], STAMP).replace(tzinfo=UTC)
    try:
        size = path.stat().st_size
    except FileNotFoundError:  # pruned by another process meanwhile
        return None
    return BackupFile(path, taken_at, size, match[2])


def list_backups(folder: Path) -> list[BackupFile]:
    """The verified backups in `folder`, oldest first (blocking: run it in a thread)."""
    if not folder.is_dir():
        return []
    found = [b for p in folder.iterdir() if (b := _parse(p)) is not None]
    return sorted(found, key=lambda b: (b.taken_at, b.path.name))


async def newest_backup(folder: Path) -> BackupFile | None:
    found = await trio.to_thread.run_sync(list_backups, folder)
    return found[-1] if found else None


def _final_name(folder: Path, taken_at: datetime, kind: str) -> Path:
    base = f"p88-{taken_at.strftime(STAMP)}-{kind}"
    path, number = folder / f"{base}.dump", 1
    while path.exists():
        number += 1
        path = folder / f"{base}-{number}.dump"
    return path


async def make_backup(
    dsn: str,
    folder: Path,
    kind: str,
    *,
    now: datetime | None = None,
    output: Path | None = None,
    on_progress: pgtools.ProgressCallback | None = None,
) -> BackupFile:
    """Dump, verify, then give the file its name: in `folder` (named by time and `kind`), or
    `output` when given. A dump that does not verify is deleted and the error raised."""
    taken_at = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    target_dir = output.parent if output is not None else folder
    await trio.Path(target_dir).mkdir(parents=True, exist_ok=True)
    partial = target_dir / f".p88-{taken_at.strftime(STAMP)}-{kind}.dump.partial"
    try:
        size = await pgtools.dump(dsn, partial, on_progress)
        await pgtools.verify(partial)
        final = output if output is not None else _final_name(folder, taken_at, kind)
        await trio.Path(partial).rename(final)
    finally:
        with trio.CancelScope(shield=True):  # a cancelled backup leaves no partial file
            await trio.Path(partial).unlink(missing_ok=True)
    return BackupFile(final, taken_at, size, kind)


def prune(folder: Path, keep: int, now: datetime | None = None) -> list[Path]:
    """Delete all but the newest `keep` backups, and leftovers of interrupted dumps; return
    what was deleted (blocking: run it in a thread)."""
    backups = list_backups(folder)
    doomed = [b.path for b in backups[: max(0, len(backups) - keep)]]
    cutoff = (now or datetime.now(UTC)) - STALE_PARTIAL
    if folder.is_dir():
        for path in folder.glob(".p88-*.dump.partial"):
            if datetime.fromtimestamp(path.stat().st_mtime, UTC) < cutoff:
                doomed.append(path)
    for path in doomed:
        path.unlink(missing_ok=True)
        log.info("backup %s deleted (keeping the newest %d)", path.name, keep)
    return doomed
