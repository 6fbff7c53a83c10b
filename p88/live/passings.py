"""Which reads are passings: pure, no I/O, so the rules are easy to test and to replay.

A runner crossing a mat produces several reads (antennas, readers, repeated sightings). A display
wants one event per crossing:
- the first read of a tag at a point is a passing (lap 1);
- a read of the same tag at the same point within `ignore_window` of that passing is a repeat
  and is not resent (dead time is measured from the passing, so a runner standing on the mat
  cannot stretch it forever);
- a read at least `min_lap` after the last passing is a new passing (the next lap);
- anything in between (the runner walked back over the mat) is neither: it is ignored.
Reads may arrive a little out of time order (two readers on one mat); distances are absolute.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

DEFAULT_IGNORE_WINDOW = timedelta(seconds=5)
DEFAULT_MIN_LAP = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Rules:
    ignore_window: timedelta = DEFAULT_IGNORE_WINDOW
    min_lap: timedelta = DEFAULT_MIN_LAP

    def __post_init__(self) -> None:
        if self.ignore_window < timedelta(0) or self.min_lap < timedelta(0):
            raise ValueError("the ignore window and the minimum lap time cannot be negative")
        if self.min_lap < self.ignore_window:
            raise ValueError("the minimum lap time cannot be shorter than the ignore window")


@dataclass(frozen=True, slots=True)
class Passing:
    """A crossing worth showing: which read made it, and which lap it is at that point."""

    read_id: int
    location: str
    tag: str
    time: datetime
    lap: int


@dataclass(slots=True)
class _Seen:
    passing_time: datetime
    laps: int


@dataclass(slots=True)
class PassingDetector:
    """Turns reads of one session (in commit order) into passings. State: one entry per
    (point, tag), so a 50,000-runner race with 10 points holds 500,000 small entries at most."""

    rules: Rules = field(default_factory=Rules)
    _seen: dict[tuple[str, str], _Seen] = field(default_factory=dict)

    def feed(self, read_id: int, location: str, tag: str, time: datetime) -> Passing | None:
        key = (location, tag)
        seen = self._seen.get(key)
        if seen is None:
            self._seen[key] = _Seen(time, 1)
            return Passing(read_id, location, tag, time, 1)
        since = time - seen.passing_time
        if abs(since) <= self.rules.ignore_window:
            return None
        if since >= self.rules.min_lap:
            seen.passing_time = time
            seen.laps += 1
            return Passing(read_id, location, tag, time, seen.laps)
        return None

    def feed_many(self, reads: Iterable[tuple[int, str, str, datetime]]) -> list[Passing]:
        """Reads as (id, location, tag, time); returns the passings among them, in order."""
        found = []
        for read_id, location, tag, time in reads:
            passing = self.feed(read_id, location, tag, time)
            if passing is not None:
                found.append(passing)
        return found
