"""Which of a runner's start-mat reads is their start crossing. Pure; shared by the results
engine and the live displays, so a screen and the results count chip time from the same read."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from datetime import datetime


def start_crossing(
    times: Sequence[datetime], gun: datetime | None, before: datetime | None
) -> datetime | None:
    """The last of `times` (one runner's start-mat reads, in time order) earlier than `before`,
    and never earlier than the runner's gun: runners linger behind the line, so the last read
    is the crossing, and a read before the gun (warming up over the mat) means the runner was
    there when it went. None when no read qualifies: chip time then falls back to gun time.

    `before` is where reads stop counting as a start (a runner walking back over the start mat
    later has not started again); each caller decides where that is."""
    count = len(times) if before is None else bisect_left(times, before)
    if count == 0:
        return None
    last = times[count - 1]
    return max(last, gun) if gun is not None else last
