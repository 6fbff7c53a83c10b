"""Retention: raw reads of ended sessions older than their partner's window are deleted, in
small batches, and only those older than the newest verified backup. Sessions, participants,
results and gun times stay."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from p88.db.pool import Pool
from p88.db.retention import delete_reads_batch, ended_sessions
from p88.ops_state import RetentionRun

log = logging.getLogger(__name__)

# Each batch is its own short transaction, so ingest never waits long behind it.
BATCH_SIZE = 10_000


async def apply_retention(
    pool: Pool,
    newest_backup: datetime | None,
    default_days: int,
    now: datetime,
    batch_size: int = BATCH_SIZE,
) -> RetentionRun:
    if newest_backup is None:
        return RetentionRun(now, 0, 0, None, "no backup yet, so no read was deleted")
    total = touched = 0
    for session in await ended_sessions(pool, default_days):
        cutoff = min(now - timedelta(days=session.days), newest_backup)
        deleted = await _delete_session_reads(pool, session.id, cutoff, batch_size)
        if deleted:
            touched += 1
            total += deleted
            log.info("retention: %d raw reads of ended session %d deleted", deleted, session.id)
    note = (
        f"{total} raw reads of {touched} ended sessions deleted"
        if total
        else "no raw read of an ended session was past its window and in a backup"
    )
    return RetentionRun(now, total, touched, newest_backup, note)


async def _delete_session_reads(
    pool: Pool, session_id: int, cutoff: datetime, batch_size: int
) -> int:
    deleted = 0
    while True:
        async with pool.acquire() as conn:
            count = await delete_reads_batch(conn, session_id, cutoff, batch_size)
        deleted += count
        if count < batch_size:
            return deleted
