"""The race clock of a session for a browser: its gun as epoch milliseconds.

Gun times are stored as the event's local wall clock (as the hardware reports them); a browser's
clock runs in epoch time, so the gun is placed in the session's time zone first. The session's
gun is the one that starts runners without a wave (`gun_for("")`: a manual gun for no wave, or
the single/first unlabelled hardware gun); with only wave-labelled guns, the earliest of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from p88.live.enrich import Gun, gun_for


def session_gun(guns: Sequence[Gun]) -> datetime | None:
    found = gun_for("", guns)
    if found is not None:
        return found
    return min((time for time, _, _ in guns), default=None)


def epoch_ms(local: datetime, timezone: str) -> int | None:
    """`local` (naive, the event's wall clock) in epoch ms; None for an unknown time zone."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return int(local.replace(tzinfo=zone).timestamp() * 1000)


def gun_epoch_ms(guns: Sequence[Gun], timezone: str) -> int | None:
    gun = session_gun(guns)
    return None if gun is None else epoch_ms(gun, timezone)
