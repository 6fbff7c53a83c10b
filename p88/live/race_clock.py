"""The race clock of a session for a browser: its gun as epoch milliseconds.

Gun times are the event's local wall clock (as the hardware reports them); a browser's clock
runs in epoch time, so the gun is placed in the session's time zone first.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def epoch_ms(local: datetime, timezone: str) -> int | None:
    """`local` (naive, the event's wall clock) in epoch ms; None for an unknown time zone."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return int(local.replace(tzinfo=zone).timestamp() * 1000)
