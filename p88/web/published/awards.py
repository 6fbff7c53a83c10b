"""Award lists: the first `top` of each course's overall ranking (per gender when the field has
genders), then of each age group, optionally leaving out runners already awarded overall (the
next eligible runner moves up). Equal times share a position, so a list can be longer than
`top`; positions and places come from the engine, never recomputed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from p88.results.clock import Hundredths
from p88.results.engine import Engine
from p88.results.standings import RankingKey
from p88.web.published.board import natural
from p88.web.published.rows import GENDER_LABELS, RowView, row_view

MAX_TOP = 20


@dataclass(frozen=True, slots=True)
class Award:
    position: int  # among the runners eligible for this list
    row: RowView


@dataclass(frozen=True, slots=True)
class AwardList:
    title: str
    awards: tuple[Award, ...]


@dataclass(frozen=True, slots=True)
class CourseAwards:
    course: str
    overall: tuple[AwardList, ...]
    age_groups: tuple[AwardList, ...]


def _leaders(
    entries: Iterable[tuple[Hundredths, str]], top: int, skip: set[str]
) -> list[tuple[int, str]]:
    """(position, bib) of the first `top` positions among entries not in `skip`, ties kept."""
    found: list[tuple[int, str]] = []
    counted, last_time, position = 0, None, 0
    for time, bib in entries:
        if bib in skip:
            continue
        counted += 1
        if time != last_time:
            position, last_time = counted, time
        if position > top:
            break
        found.append((position, bib))
    return found


def course_awards(
    engine: Engine,
    course: str,
    now: Hundredths,
    top: int,
    exclude_overall: bool,
) -> CourseAwards:
    keys = [key for key in engine.rankings() if key.course == course]
    genders = sorted(key.value for key in keys if key.kind == "gender")
    groups = sorted((key.value for key in keys if key.kind == "age_group"), key=natural)
    overall_keys = [RankingKey(course, "gender", g) for g in genders] or [
        RankingKey(course, "overall", "")
    ]

    def award_list(key: RankingKey, title: str, skip: set[str]) -> AwardList:
        ranking = engine.ranking(key)
        entries = ranking.placed if ranking is not None else []
        awards = []
        for position, bib in _leaders(entries, top, skip):
            row = row_view(engine, bib, now)
            if row is not None:
                awards.append(Award(position, row))
        return AwardList(title, tuple(awards))

    overall = [
        award_list(key, GENDER_LABELS.get(key.value, key.value) if key.value else "Overall", set())
        for key in overall_keys
    ]
    winners = {award.row.bib for listed in overall for award in listed.awards}
    skip = winners if exclude_overall else set()
    age_groups = [award_list(RankingKey(course, "age_group", g), g, skip) for g in groups]
    return CourseAwards(course, tuple(overall), tuple(age_groups))
