"""When the daily backup is due: next occurrence of the set time, catch-up after a start."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from p88.ops.schedule import first_due, next_daily

UTC_ZONE = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
AT = time(3, 0)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_next_daily_is_strictly_after_and_in_the_zone_given() -> None:
    assert next_daily(utc(2026, 5, 8, 2, 59), AT, UTC_ZONE) == utc(2026, 5, 8, 3, 0)
    assert next_daily(utc(2026, 5, 8, 3, 0), AT, UTC_ZONE) == utc(2026, 5, 9, 3, 0)
    # 03:00 in Berlin (summer, UTC+2) is 01:00 UTC.
    assert next_daily(utc(2026, 5, 8, 0, 0), AT, BERLIN) == utc(2026, 5, 8, 1, 0)
    assert next_daily(utc(2026, 5, 8, 1, 0), AT, BERLIN) == utc(2026, 5, 9, 1, 0)


def test_the_day_clocks_change_still_has_one_backup() -> None:
    # 2026-03-29: Berlin jumps from 02:00 to 03:00 (CET -> CEST); 2026-10-25 back again.
    spring = next_daily(utc(2026, 3, 28, 12, 0), time(2, 30), BERLIN)
    assert spring.date() == datetime(2026, 3, 29).date()
    autumn = next_daily(utc(2026, 10, 24, 12, 0), time(2, 30), BERLIN)
    assert autumn == utc(2026, 10, 25, 0, 30)  # the first 02:30 (still CEST)


def test_first_due_follows_the_newest_backup_or_catches_up_after_start() -> None:
    started = utc(2026, 5, 8, 2, 0)
    catch_up = timedelta(minutes=10)
    # Yesterday's backup: today's 03:00 is still ahead.
    assert first_due(utc(2026, 5, 7, 3, 0), started, AT, UTC_ZONE, catch_up) == utc(2026, 5, 8, 3)
    # Two days old: today's 03:00 was missed already -> ten minutes after the start.
    late = utc(2026, 5, 8, 9, 0)
    assert first_due(utc(2026, 5, 6, 3, 0), late, AT, UTC_ZONE, catch_up) == late + catch_up
    # Never backed up: ten minutes after the start as well.
    assert first_due(None, started, AT, UTC_ZONE, catch_up) == started + catch_up
