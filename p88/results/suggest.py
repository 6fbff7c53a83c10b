"""A first results setup for a session nobody has set up yet, from its points' names.

It is only a suggestion: screens and pages use it (labelled "suggested") until the timer saves
a setup of their own, which is where points are chosen, never guessed. Locations named like a
finish make one finish point (main and backup lines), those named like a start one start point.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_FINISH = re.compile(r"finish|fin\b|ziel|arriv", re.IGNORECASE)
_START = re.compile(r"start|depart", re.IGNORECASE)


DEFAULT_COURSE = "Race"


def suggested_document(
    locations: Sequence[str], courses: Sequence[str] = ()
) -> dict[str, Any] | None:
    """A setup document (one course per course named in the participant file, else one), or
    None when no location looks like a finish."""
    finish = sorted(loc for loc in locations if _FINISH.search(loc))
    if not finish:
        return None
    start = sorted(loc for loc in locations if _START.search(loc) and loc not in finish)
    points = [{"name": "FINISH", "locations": finish}]
    if start:
        points.append({"name": "START", "locations": start})
    names = sorted({name for name in courses if name}) or [DEFAULT_COURSE]
    return {
        "points": points,
        "courses": [_course(name, bool(start)) for name in names],
        "waves": [],
        "wave_ranges": [],
    }


def _course(name: str, has_start: bool) -> dict[str, Any]:
    course: dict[str, Any] = {"name": name, "finish": "FINISH", "splits": []}
    if has_start:
        course["start"] = "START"
    return course
