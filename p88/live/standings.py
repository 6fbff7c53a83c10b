"""A display feed's standings: the best K finishers of its session, ranked by gun time.

A page learns passings from its websocket, so on its own it only knows the arrivals of its feed's
ring (the last few hundred) and what came live after it opened. The feed keeps the standings
instead and sends its leaders in every hello; the page merges them with what it sees live.
Every runner who would rank among the best K now is either in that list or arrived later, so
the page's top K (and the places in it) are exact.

The rules (the page applies the same ones to live events, p88/web/static/display/standings.js):
- The ranking point: the feed's only point when it shows one (a FINISH display, or an
  announcer's mat); otherwise the point named FINISH (any case). A feed showing several points
  without a FINISH ranks nobody.
- A runner's ranking passing is their first passing at that point (lap 1); when that one came
  less than `MIN_FINISH_MS` after their wave's gun it was the runner walking over the finish
  mat on the way to the start (the results engine's `Course.min_finish`), and their next
  passing there counts instead. Later laps and repeats never move a runner: lap races are not
  ranked by laps on displays.
- Only passings with a participant (unknown tags are listed, never ranked) and a gun time
  (a runner whose wave has no gun has no time to rank by) are ranked. Times are those the
  passing was sent with: a gun corrected later re-ranks when the feed is rebuilt (a server
  restart, or a new screen after the last one closed).
- Order: gun time, then read id (ties to the millisecond go to the earlier read).

Categories: each gender and each age group keeps its own best `CATEGORY_KEPT`; a hello's
leaders are the best K overall followed by the category leaders slower than those, so a page's
category top-10 is exact too.

Memory stays bounded: only the best K events are kept overall, and the best few of each
category, in sorted lists (a new passing slower than the last kept costs one comparison; a
faster one a binary search and a move of at most K references). Tags whose first passing was
too early are remembered until they pass again.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from p88.live.passings import Passing

LEADERS_KEPT = 200  # K: finishers sent to a new page (the page's copy is in standings.js)
CATEGORY_KEPT = 10  # and the best of each gender and age group, when not among those
MIN_FINISH_MS = 60_000  # earlier after the gun is not a finish (as Course.min_finish)
FINISH_POINT = "finish"  # compared lower-cased


def ranking_point(locations: Iterable[str] | None) -> str | None:
    """The lower-cased point a feed ranks by, or None when it ranks nobody."""
    if locations is None:
        return FINISH_POINT
    names = {name.lower() for name in locations}
    if len(names) == 1:
        return next(iter(names))
    return FINISH_POINT if FINISH_POINT in names else None


def _key(event: dict[str, Any]) -> tuple[int, int]:
    return (event["gun_ms"], event["id"])


@dataclass(slots=True)
class _Best:
    """The fastest `size` events offered, in order: a sorted list, bounded."""

    size: int
    keys: list[tuple[int, int]] = field(default_factory=list)  # (gun_ms, id), ascending
    events: list[dict[str, Any]] = field(default_factory=list)  # in the same order

    def offer(self, key: tuple[int, int], event: dict[str, Any]) -> bool:
        if len(self.keys) >= self.size and key >= self.keys[-1]:
            return False  # the usual case late in a race: one comparison
        index = bisect_left(self.keys, key)
        self.keys.insert(index, key)
        self.events.insert(index, event)
        if len(self.keys) > self.size:
            self.keys.pop()
            self.events.pop()
        return True


@dataclass(slots=True)
class Standings:
    """The best `size` ranking passings of one feed, fastest first, and the best
    `category_size` of each gender and each age group (a category's winners may be far down
    the overall list: a template's leaderboard can show one category)."""

    point: str | None  # from `ranking_point`
    size: int = LEADERS_KEPT
    category_size: int = CATEGORY_KEPT
    ranked: int = 0  # runners ranked so far, kept or not
    _overall: _Best = field(init=False)
    # ("gender", "F") or ("age_group", "F40-44") -> its best; as many as the field has values.
    _categories: dict[tuple[str, str], _Best] = field(default_factory=dict)
    _too_early: set[str] = field(default_factory=set)  # tags whose first passing was no finish

    def __post_init__(self) -> None:
        self._overall = _Best(self.size)

    def at_point(self, location: str) -> bool:
        return self.point is not None and location.lower() == self.point

    def considers(self, location: str, lap: int, tag: str) -> bool:
        """Whether a passing may be a ranking passing (cheap: decides before its event is
        built, so a warm-up builds events only for these)."""
        return self.at_point(location) and (lap == 1 or tag in self._too_early)

    def offer(self, event: dict[str, Any]) -> bool:
        """Take one passing event (in feed order); True when it is now among the leaders."""
        tag = event["tag"]
        if not self.considers(event["loc"], event["lap"], tag):
            return False
        gun_ms = event["gun_ms"]
        who = event["p"]
        if who is None or gun_ms is None:
            self._too_early.discard(tag)  # unrankable, and its later laps must not rank either
            return False
        if gun_ms < MIN_FINISH_MS:
            self._too_early.add(tag)  # the next passing at this point may be the finish
            return False
        self._too_early.discard(tag)
        self.ranked += 1
        key = _key(event)
        kept = self._overall.offer(key, event)
        if self.category_size:
            for kind in ("gender", "age_group"):
                value = who.get(kind)
                if value:
                    best = self._categories.get((kind, value))
                    if best is None:
                        best = self._categories[(kind, value)] = _Best(self.category_size)
                    kept = best.offer(key, event) or kept
        return kept

    def offer_many(self, events: Iterable[dict[str, Any]]) -> None:
        for event in events:
            self.offer(event)

    def offer_passings(
        self, passings: Iterable[Passing], event_of: Callable[[Passing], dict[str, Any]]
    ) -> None:
        """History at warm-up, in read order as live: builds the event of a passing only when
        it may rank (a session's history holds tens of thousands of passings)."""
        for passing in passings:
            if self.considers(passing.location, passing.lap, passing.tag):
                self.offer(event_of(passing))

    def overall(self) -> list[dict[str, Any]]:
        """The best `size` overall, fastest first."""
        return list(self._overall.events)

    def leaders(self) -> list[dict[str, Any]]:
        """What a new page gets: the best `size` overall, then each category's best that are
        not among them, all fastest first (so the first `size` are the overall leaders)."""
        events = list(self._overall.events)
        if len(events) < self.size:
            return events  # every ranked runner is here already
        cut = self._overall.keys[-1]
        extra = {
            event["id"]: event
            for best in self._categories.values()
            for key, event in zip(best.keys, best.events, strict=True)
            if key > cut
        }
        return events + sorted(extra.values(), key=_key)

    def __len__(self) -> int:
        return len(self._overall.events)
