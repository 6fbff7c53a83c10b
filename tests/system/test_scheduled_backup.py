"""The daily backup of the housekeeping service, with its clock injected: it runs at the set
time (real pg_dump, verified), keeps the newest `keep`, and reports itself on /status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trio

from p88.db.backups import list_backups
from p88.db.database import open_database
from p88.hub import Hub
from p88.ops.housekeeping import Housekeeping
from p88.stats import Stats
from p88.status.app import StatusSources, status_document
from tests.conftest import make_config
from tests.system.serving import wait_for


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.reads = 0  # how often the housekeeping looked at it

    def __call__(self) -> datetime:
        self.reads += 1
        return self.now


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def test_the_daily_backup_runs_at_its_time_and_old_ones_are_pruned(
    dsn: str, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    config = make_config(dsn, tmp_path, backup={"dir": str(folder), "at": "03:00", "keep": 3})
    folder.mkdir()
    (folder / "notes.txt").write_text("not a backup: never pruned")
    clock = FakeClock(utc(2030, 1, 1, 2, 0))
    async with open_database(config) as db, trio.open_nursery() as nursery:
        stats = Stats()
        housekeeping = Housekeeping(
            config, dsn, db.pool, stats, clock=clock, tick=0.02, catch_up=timedelta(minutes=10)
        )
        shutdown = trio.Event()
        await nursery.start(housekeeping.run, shutdown)

        def names() -> list[str]:
            return [b.path.name for b in list_backups(folder)]

        # No backup yet: the first is a catch-up, ten minutes after the start; not before.
        await wait_for(lambda: stats.ops.next_backup_at is not None)
        assert stats.ops.next_backup_at == utc(2030, 1, 1, 2, 10)
        clock.now = utc(2030, 1, 1, 2, 9)
        # Two looks at the clock: the loop has seen 02:09 and decided, then gone round again.
        seen = clock.reads
        await wait_for(lambda: clock.reads >= seen + 2)
        assert names() == [] and not stats.ops.backup_running
        for moment in (
            utc(2030, 1, 1, 2, 10),
            utc(2030, 1, 1, 3, 0),
            utc(2030, 1, 2, 3, 0),
            utc(2030, 1, 3, 3, 0),
        ):
            clock.now = moment
            await wait_for(
                lambda: (
                    stats.ops.last_backup is not None
                    and stats.ops.last_backup.taken_at == moment
                    and not stats.ops.backup_running
                ),
                timeout=30,
            )
            await wait_for(lambda: (stats.ops.next_backup_at or moment) > moment)
        assert stats.ops.next_backup_at == utc(2030, 1, 4, 3, 0)
        await wait_for(lambda: len(names()) == 3)
        assert names() == [
            "p88-20300101T030000Z-daily.dump",
            "p88-20300102T030000Z-daily.dump",
            "p88-20300103T030000Z-daily.dump",
        ]
        assert (folder / "notes.txt").exists()
        assert not list(folder.glob(".*partial"))
        assert stats.ops.retention is not None  # retention follows each backup
        document = status_document(StatusSources(stats, db.pool, Hub()), True)
        last = document["backup"]["last"]
        assert last["taken_at"] == "2030-01-03T03:00:00Z"
        assert last["size_bytes"] == (folder / "p88-20300103T030000Z-daily.dump").stat().st_size
        assert last["verified"] is True
        assert document["backup"]["next_at"] == "2030-01-04T03:00:00Z"
        shutdown.set()


@pytest.mark.expect_log_errors("daily backup failed")
async def test_a_failed_backup_is_reported_and_tried_again_within_the_hour(
    dsn: str, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the backup folder should be")
    config = make_config(dsn, tmp_path, backup={"dir": str(blocked)})
    clock = FakeClock(utc(2030, 1, 1, 3, 0))
    async with open_database(config) as db, trio.open_nursery() as nursery:
        stats = Stats()
        housekeeping = Housekeeping(config, dsn, db.pool, stats, clock=clock, tick=0.02)
        shutdown = trio.Event()
        await nursery.start(housekeeping.run, shutdown)
        await wait_for(lambda: stats.ops.next_backup_at is not None)
        assert stats.ops.next_backup_at is not None
        clock.now = stats.ops.next_backup_at
        await wait_for(lambda: stats.ops.backup_error is not None, timeout=30)
        assert "not-a-folder" in str(stats.ops.backup_error)
        assert stats.ops.next_backup_at == clock.now + timedelta(hours=1)
        document = status_document(StatusSources(stats, db.pool, Hub()), True)
        assert document["backup"]["error"] == stats.ops.backup_error
        assert document["backup"]["last"] is None
        shutdown.set()
