"""What goes into the results engine and what comes out (plain data, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, NamedTuple

from p88.results.clock import Hundredths, hundredths

Status = Literal["finished", "running", "dnf", "dns", "dq"]
STATUSES: tuple[Status, ...] = ("finished", "running", "dnf", "dns", "dq")
COURSE_CLOSED = "course closed"  # the reason of a DNF or DNS that closing the course gave

# Flags on a result: each is also a problem the timer sees (p88.results.problems).
NO_START_READ = "no-start-read"  # chip time is the gun time
HELD_FASTER_THAN_RECORD = "held-faster-than-record"  # not placed until confirmed or fixed
SPLIT_AFTER_FINISH = "split-after-finish"
SPLIT_BEFORE_START = "split-before-start"
SPLIT_OUT_OF_ORDER = "split-out-of-order"
NO_COURSE = "no-course"  # the runner's course is unknown: not timed
NO_GUN = "no-gun"  # the runner's wave has no gun, or the runner has no wave among several


class Read(NamedTuple):
    """One tag seen at one of the session's locations, at an event-local time in hundredths
    (p88.results.clock.hundredths). Which reader or antenna saw it does not matter."""

    tag: str
    location: str
    time: Hundredths


def read_at(tag: str, location: str, local_time: datetime) -> Read:
    """A read from a stored one (`timing_reads.local_time`, naive event-local), truncated to
    the hundredth."""
    return Read(tag, location, hundredths(local_time))


@dataclass(frozen=True, slots=True)
class Entrant:
    """A participant as the results see them. `course` and `wave` are names from the
    participant file ("" when it has none); `division` is carried as it is."""

    bib: str
    tag: str
    name: str = ""
    gender: str | None = None
    age: int | None = None
    birth_date: date | None = None
    age_group: str = ""  # the file's own, used when the scheme says so
    division: str = ""
    wave: str = ""
    course: str = ""


@dataclass(frozen=True, slots=True)
class SplitTime:
    """A runner at an intermediate point: the time of day and the time since their start
    (chip start, else gun); None where not seen."""

    point: str
    time: Hundredths | None
    elapsed: Hundredths | None
    manual: bool = False
    read_before_start: bool = False  # read here between the gun and the runner's own start


@dataclass(frozen=True, slots=True)
class Result:
    """One runner's times and status. Places live in the rankings (they move when others
    finish), read them with `Engine.places` or in a `Row`."""

    bib: str
    course: str | None  # None: no such course in the setup
    wave: str  # the wave that counts ("" when none)
    gender: str | None
    age_group: str | None
    status: Status
    gun: Hundredths | None  # the wave's gun, time of day
    start: Hundredths | None  # chip start, time of day (a read or a manual time)
    finish: Hundredths | None
    gun_time: Hundredths | None
    chip_time: Hundredths | None  # the gun time when there is no start read (flagged)
    ranking_time: Hundredths | None  # chip or gun time, as the course ranks
    splits: tuple[SplitTime, ...] = ()
    flags: tuple[str, ...] = ()  # sorted
    reason: str = ""  # why a timer set dnf, dns or dq
    manual_start: bool = False
    manual_finish: bool = False

    @property
    def placed(self) -> bool:
        """Takes a place: finished, with a ranking time, not held for review."""
        return (
            self.status == "finished"
            and self.ranking_time is not None
            and HELD_FASTER_THAN_RECORD not in self.flags
        )


@dataclass(frozen=True, slots=True)
class Places:
    """Places within the runner's course; None where not placed or not in such a ranking.
    How many are placed in a ranking ("3rd of 412") is the ranking's own number
    (`len(engine.ranking(key))`): it changes with every finisher, the places do not."""

    overall: int | None = None
    gender: int | None = None
    age_group: int | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """Everything one line of results shows: who, their result and their places."""

    entrant: Entrant
    result: Result
    places: Places
