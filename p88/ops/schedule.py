"""When the daily backup is due: pure functions of times, tested without a clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def next_daily(after: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The first moment strictly after `after` whose wall clock in `zone` reads `at` (UTC).
    On a day when `at` does not exist (spring forward) it is the moment the clocks jumped to;
    when it exists twice (fall back), the first."""
    local = after.astimezone(zone)
    day = local.date()
    for offset in range(3):
        candidate = datetime.combine(day + timedelta(days=offset), at, tzinfo=zone)
        # Round trip through UTC normalises a wall time that the zone skips.
        moment = candidate.astimezone(UTC)
        if moment > after:
            return moment
    raise AssertionError("a daily time always comes within three days")


def first_due(
    newest: datetime | None, started: datetime, at: time, zone: ZoneInfo, catch_up: timedelta
) -> datetime:
    """The first scheduled backup after a start: the daily time after the newest backup; if
    that has passed already (the machine was off or p88 stopped), `catch_up` after the start,
    so a laptop that is never up at 03:00 still gets one a day without a dump at every start."""
    due = next_daily(newest, at, zone) if newest is not None else started
    return due if due > started else started + catch_up
