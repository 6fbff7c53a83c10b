"""One ranking (a course overall, one gender of it, one age group of it), kept sorted.

A place is 1 + the number of placed runners strictly faster (competition ranking: equal
times share a place and the next place is skipped), so it is one bisect. A runner placed or
removed moves the place of everyone slower by one: that is reported as a `Shift` (a range of
times), not as thousands of rows, so a push stays small; `bibs_slower_than` lists them for a
consumer that wants the rows.

The other sorted lists answer "is this place final?" (p88.results.provisional) without a scan:
the latest reference among the waiting, the latest deadline among the blocking, the best held.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from sortedcontainers import SortedList

from p88.results.clock import Hundredths
from p88.results.model import Result
from p88.results.provisional import Kind, Standing

RankingKind = Literal["overall", "gender", "age_group"]


class RankingKey(NamedTuple):
    course: str
    kind: RankingKind
    value: str  # "" overall, else the gender or the age group


class Shift(NamedTuple):
    """Every runner of `ranking` placed with a time strictly slower than `slower_than` moved
    `delta` places (+1: someone faster arrived, -1: someone faster left)."""

    ranking: RankingKey
    slower_than: Hundredths
    delta: int


Entry = tuple[Hundredths, str]  # (time, bib)


def ranking_keys(result: Result) -> tuple[RankingKey, ...]:
    """The rankings a result belongs to: its course overall, its gender, its age group."""
    if result.course is None:
        return ()
    keys = [RankingKey(result.course, "overall", "")]
    if result.gender is not None:
        keys.append(RankingKey(result.course, "gender", result.gender))
    if result.age_group is not None:
        keys.append(RankingKey(result.course, "age_group", result.age_group))
    return tuple(keys)


@dataclass(slots=True)
class Ranking:
    key: RankingKey
    placed: SortedList[Entry] = field(default_factory=SortedList)
    held: SortedList[Entry] = field(default_factory=SortedList)
    waiting: SortedList[Entry] = field(default_factory=SortedList)  # (reference, bib)
    blocking: SortedList[Entry] = field(default_factory=SortedList)  # (deadline, bib)

    def list_of(self, kind: Kind) -> SortedList[Entry]:
        if kind == "placed":
            return self.placed
        if kind == "held":
            return self.held
        return self.waiting if kind == "waiting" else self.blocking

    def add(self, bib: str, standing: Standing) -> Shift | None:
        self.list_of(standing[0]).add((standing[1], bib))
        if standing[0] == "placed":
            return Shift(self.key, standing[1], +1)
        return None

    def remove(self, bib: str, standing: Standing) -> Shift | None:
        self.list_of(standing[0]).remove((standing[1], bib))
        if standing[0] == "placed":
            return Shift(self.key, standing[1], -1)
        return None

    def place(self, time: Hundredths) -> int:
        """The place of a placed runner with this time."""
        return int(self.placed.bisect_left((time, ""))) + 1

    def __len__(self) -> int:
        return len(self.placed)

    def is_empty(self) -> bool:
        return not (self.placed or self.held or self.waiting or self.blocking)

    def is_final(self, time: Hundredths, now: Hundredths) -> bool:
        """No member not yet placed can still rank strictly ahead of `time`."""
        if self.held and self.held[0][0] < time:
            return False
        if self.waiting and now - self.waiting[-1][0] < time:
            return False
        return not (self.blocking and now < self.blocking[-1][0])

    def leaders(self, count: int) -> list[str]:
        """The bibs of the first `count` placed, best first (ties by bib)."""
        return [bib for _, bib in self.placed[:count]]

    def bibs_slower_than(self, time: Hundredths) -> list[str]:
        """The placed runners a `Shift` with `slower_than=time` moved."""
        start = self.placed.bisect_left((time + 1, ""))
        return [bib for _, bib in self.placed[start:]]


def build_rankings(
    standings: Mapping[str, tuple[tuple[RankingKey, ...], Standing]],
) -> dict[RankingKey, Ranking]:
    """Every ranking at once from each runner's keys and standing (one sort per list)."""
    entries: defaultdict[tuple[RankingKey, Kind], list[Entry]] = defaultdict(list)
    for bib, (keys, (kind, value)) in standings.items():
        for key in keys:
            entries[(key, kind)].append((value, bib))
    rankings: dict[RankingKey, Ranking] = {}
    for (key, kind), found in entries.items():
        ranking = rankings.get(key)
        if ranking is None:
            ranking = rankings[key] = Ranking(key)
        ranking.list_of(kind).update(found)
    return rankings
