"""When a place can no longer change: the rule behind the word "provisional".

A place in a ranking is final once nobody else in that ranking can still get a strictly
better ranking time (an equal time shares the place, so it changes nothing). For each other
member of the ranking, their *standing* says what they can still do:

- placed: they have their time; it is already counted.
- held (time T'): a result held for review; it beats T if T' < T once confirmed.
- waiting (from R): out on the course, timed from R (their chip start, or their gun); crossing
  now would give them now - R, and every moment later gives more. They can beat T while
  now - R < T.
- blocking (until D): anything is still possible until D (they have not started and may still;
  their time cannot be known, e.g. their wave has no gun). D is their wave's gun plus the
  course's "start closes", or never.
- out (DNF, DQ, DNS set by the timer or by closing the course): cannot.

Corrections can always change a result; "final" speaks of the other runners' crossings only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from p88.results.clock import Hundredths
from p88.results.model import Result
from p88.results.setup import Course

NEVER: Hundredths = 2**62  # a deadline that does not come
Kind = Literal["placed", "held", "waiting", "blocking"]
Standing = tuple[Kind, Hundredths]


def is_out(result: Result) -> bool:
    """Out of the ranking for good: DNF or DQ, or DNS set by the timer or by closing."""
    if result.status in ("dnf", "dq"):
        return True
    return result.status == "dns" and result.reason != ""


def standing(result: Result, course: Course | None) -> Standing | None:
    """What `result` can still do in its course's rankings; None when out of them."""
    if course is None or is_out(result):
        return None
    if result.status == "finished":
        if result.ranking_time is None:
            return ("blocking", NEVER)  # a finish with no time to rank by (no gun)
        if result.placed:
            return ("placed", result.ranking_time)
        return ("held", result.ranking_time)
    if course.ranking == "chip" and result.start is not None:
        return ("waiting", result.start)
    seen = result.status == "running"
    if result.gun is None:
        return ("blocking", NEVER)
    if course.ranking == "gun" or seen:
        return ("waiting", result.gun)  # a chip runner with no start read is timed from the gun
    if course.start_closes is None:
        return ("blocking", NEVER)
    return ("blocking", result.gun + course.start_closes)


def can_beat(other: Standing, time: Hundredths, now: Hundredths) -> bool:
    """Whether a member with standing `other` could still rank strictly ahead of `time`."""
    kind, value = other
    if kind == "held":
        return value < time
    if kind == "waiting":
        return now - value < time
    if kind == "blocking":
        return now < value
    return False


def is_final(time: Hundredths, others: Iterable[Standing], now: Hundredths) -> bool:
    """The reference rule, over every other member of the ranking (the engine keeps sorted
    structures to answer the same question without a scan)."""
    return not any(can_beat(other, time, now) for other in others)
