"""The housekeeping service of `p88 serve`: the daily backup (verified, then old ones pruned),
retention after each backup, hourly session auto-close, and the silent-point watch.

Time comes from `clock` (an aware datetime) so tests can move it; the loop wakes every `tick`
seconds of real time to look at it. pg_dump runs as a subprocess, so the loop never blocks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import trio

from p88.config import Config
from p88.db.backups import LoggedProgress, list_backups, make_backup, newest_backup, prune
from p88.db.pgtools import PgToolError
from p88.db.pool import DATABASE_DOWN_ERRORS, Pool
from p88.db.retention import close_idle_sessions
from p88.ops.alerts import watch_points
from p88.ops.retention import apply_retention
from p88.ops.schedule import first_due, next_daily
from p88.stats import Stats

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(hours=1)  # a failed daily backup is tried again this much later
AUTO_CLOSE_EVERY = timedelta(hours=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Housekeeping:
    config: Config
    dsn: str
    pool: Pool
    stats: Stats
    clock: Callable[[], datetime] = utc_now
    tick: float = 30.0
    catch_up: timedelta = timedelta(minutes=10)
    next_auto_close: datetime | None = field(default=None, init=False)

    @property
    def folder(self) -> Path:
        return self.config.backup.folder(self.config.database.data_dir)

    async def run(
        self, shutdown: trio.Event, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Until `shutdown` is set: then a backup in progress is stopped and its file removed."""
        async with trio.open_nursery() as nursery:
            await nursery.start(watch_points, self.stats, self.pool, self.config.alerts)
            nursery.start_soon(self._daily)
            task_status.started()
            await shutdown.wait()
            nursery.cancel_scope.cancel()

    async def _daily(self) -> None:
        state = self.stats.ops
        newest = await newest_backup(self.folder)
        state.last_backup = newest
        backup = self.config.backup
        zone = self.config.tz
        state.next_backup_at = first_due(
            newest.taken_at if newest else None, self.clock(), backup.at_time, zone, self.catch_up
        )
        log.info("next backup at %s into %s", state.next_backup_at.isoformat(), self.folder)
        while True:
            now = self.clock()
            if now >= state.next_backup_at:
                ok = await self.backup_now(now)
                following = next_daily(now, backup.at_time, zone)
                state.next_backup_at = following if ok else min(following, now + RETRY_AFTER)
            if self.next_auto_close is None or now >= self.next_auto_close:
                await self.close_idle_sessions(now)
                self.next_auto_close = now + AUTO_CLOSE_EVERY
            await trio.sleep(self.tick)

    async def backup_now(self, now: datetime) -> bool:
        """One scheduled backup, then pruning and retention. False if the backup failed."""
        state = self.stats.ops
        state.backup_running = True
        log.info("daily backup into %s", self.folder)
        try:
            made = await make_backup(
                self.dsn, self.folder, "daily", now=now, on_progress=LoggedProgress("daily")
            )
        except (PgToolError, OSError) as exc:
            state.backup_error = f"{now.isoformat()}: {exc}"
            log.error("daily backup failed: %s (trying again within the hour)", exc)
            return False
        finally:
            state.backup_running = False
        log.info("backup %s written (%d bytes, verified)", made.path, made.size)
        state.last_backup, state.backup_error = made, None
        await trio.to_thread.run_sync(prune, self.folder, self.config.backup.keep, now)
        await self.apply_retention(now)
        return True

    async def apply_retention(self, now: datetime) -> None:
        backups = await trio.to_thread.run_sync(list_backups, self.folder)
        newest = backups[-1].taken_at if backups else None
        try:
            run = await apply_retention(
                self.pool, newest, self.config.retention.raw_reads_days, now
            )
        except DATABASE_DOWN_ERRORS as exc:
            log.warning("retention skipped, the database is unreachable: %s", exc)
            return
        self.stats.ops.retention = run
        log.info("retention: %s", run.note)

    async def close_idle_sessions(self, now: datetime) -> None:
        hours = self.config.retention.close_idle_sessions_hours
        connected = [(c.partner, c.event) for c in list(self.stats.connections.values()) if c.event]
        try:
            closed = await close_idle_sessions(self.pool, now - timedelta(hours=hours), connected)
        except DATABASE_DOWN_ERRORS as exc:
            log.warning("session auto-close skipped, the database is unreachable: %s", exc)
            return
        if closed:
            self.stats.ops.sessions_closed += len(closed)
            log.info("sessions %s ended: no read for %d hours", closed, hours)
