"""What housekeeping last did, for /status, /metrics and the web pages (shared through Stats)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from p88.db.backups import BackupFile


def utc_text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def human_size(size: int) -> str:
    """`812 bytes`, `100.2 kB`, `1.4 GB` (decimal units, as disks are sold)."""
    if size < 1000:
        return f"{size:,} bytes"
    value = float(size)
    for unit in ("kB", "MB", "GB"):
        value /= 1000
        if value < 1000 or unit == "GB":
            break
    return f"{value:.1f} {unit}"


@dataclass(frozen=True, slots=True)
class SilentPoint:
    """A timing point that sent reads and then went quiet, or lost its middleware."""

    partner: str  # slug
    event: str
    point: str
    reason: str  # "silent" (connected, no reads) or "disconnected" (middleware gone)
    last_read_at: float  # epoch seconds
    since: float  # when it went quiet: its last read, or the moment its middleware left
    session_id: int | None = None

    def as_json(self, now: float) -> dict[str, object]:
        return {
            "partner": self.partner,
            "event": self.event,
            "session_id": self.session_id,
            "point": self.point,
            "reason": self.reason,
            "quiet_seconds": round(now - self.since, 1),
            "last_read_age_seconds": round(now - self.last_read_at, 1),
        }


@dataclass(frozen=True, slots=True)
class RetentionRun:
    finished_at: datetime
    reads_deleted: int
    sessions_touched: int  # ended sessions that lost reads
    backup_before: datetime | None  # only reads older than this backup were eligible
    note: str  # what was done, or why nothing was

    def as_json(self) -> dict[str, object]:
        return {
            "finished_at": utc_text(self.finished_at),
            "reads_deleted": self.reads_deleted,
            "sessions": self.sessions_touched,
            "backup_taken_at": utc_text(self.backup_before),
            "note": self.note,
        }


@dataclass(slots=True)
class OpsState:
    last_backup: BackupFile | None = None
    backup_error: str | None = None  # the last scheduled backup's failure, until one succeeds
    next_backup_at: datetime | None = None
    backup_running: bool = False
    retention: RetentionRun | None = None
    sessions_closed: int = 0  # by auto-close since start
    points_silent: list[SilentPoint] = field(default_factory=list)

    def backup_json(self) -> dict[str, object]:
        last = self.last_backup
        return {
            "last": None if last is None else last.as_json(),
            "next_at": utc_text(self.next_backup_at),
            "running": self.backup_running,
            "error": self.backup_error,
        }
