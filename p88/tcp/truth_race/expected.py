"""The truth: for every participant, the exact row the results export must hold.

Worked out from what really happened (the plan: true starts and finishes, who the start mat
missed) and the rules of docs/RESULTS.md, written out again here on purpose: this module never
asks p88.results, or it would only prove that the engine agrees with itself.

- times: gun time = finish - wave gun; chip time = finish - start, the gun time when the start
  mat missed the runner (their start_time is then empty) [no-start-read];
- a 10K in 21 to 25 minutes (a runner who ran the 5K loop: under the 10 km record, over the
  20-minute minimum time) is held: times shown, no place, after the placed runners [record];
- a runner with no wave among three has no gun: no gun time; placed by chip time [no-gun];
- status: finished; else "running" when the runner was read at a point of their course at or
  after their gun [statuses] ("dnf" once the course is closed); else "dns";
- places per course, by chip time, overall / gender / age group: 1 + the number strictly
  faster (equal times share a place) [places];
- age on the race date from the date of birth; 5-year bands F0-19, F20-24 ... F80+ [age-groups];
- order: courses in setup order; placed runners by place, then finishers without a place
  by time, then running, dnf, dns, each by bib [csv];
- text cells starting with = + - @ get a leading ' .
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from p88.tcp.truth_race.field import BACKUP, COURSES, FINISH, HOUR, MINUTE, SECOND, START
from p88.tcp.truth_race.plan import Fate, Runner
from p88.tcp.truth_race.reads import Sighting

HEADER = (
    "course", "bib", "name", "gender", "age", "age_group", "wave", "status", "chip_time",
    "gun_time", "place_overall", "place_gender", "place_age_group", "start_time", "finish_time",
)  # fmt: skip
STATUS_ORDER = ("finished", "running", "dnf", "dns")
FORMULA_STARTS = ("=", "+", "-", "@")
Places = tuple[int, int | None, int | None]  # overall, gender, age group
NO_PLACES: tuple[None, None, None] = (None, None, None)


def elapsed(hundredths: int) -> str:
    hours, rest = divmod(hundredths, HOUR)
    minutes, rest = divmod(rest, MINUTE)
    seconds, fraction = divmod(rest, SECOND)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{fraction:02d}"


def time_of_day(hundredths: int) -> str:
    return "0" + elapsed(hundredths) if hundredths < 10 * HOUR else elapsed(hundredths)


def cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_group(gender: str, age: int | None) -> str:
    if not gender or age is None:
        return ""
    if age < 20:
        return f"{gender}0-19"
    if age >= 80:
        return f"{gender}80+"
    low = age - age % 5
    return f"{gender}{low}-{low + 4}"


def _course_locations(course: str) -> set[str]:
    spec = next(c for c in COURSES if c.name == course)
    return {START, spec.split, FINISH, BACKUP}


def status(runner: Runner, reads: Sequence[Sighting], closed: bool) -> str:
    if runner.fate is Fate.FINISHED:
        return "finished"
    points = _course_locations(runner.course)
    since = runner.gun if runner.gun_known else 0
    seen = any(s.location in points and s.time >= since for s in reads)
    if seen:
        return "dnf" if closed else "running"
    return "dns"


def _places(times: Mapping[str, int]) -> dict[str, int]:
    """bib -> 1 + how many are strictly faster."""
    faster: dict[int, int] = {}
    for index, time in enumerate(sorted(times.values())):
        faster.setdefault(time, index)
    return {bib: faster[time] + 1 for bib, time in times.items()}


def places(runners: Iterable[Runner], day: date) -> dict[str, Places]:
    """bib -> (overall, gender, age group) place of every finisher, per course."""
    groups: dict[tuple[str, str, str], dict[str, int]] = {}
    for r in runners:
        if r.fate is not Fate.FINISHED or not r.placed:
            continue
        e, time = r.entry, r.ranking_time()
        groups.setdefault((e.course, "overall", ""), {})[e.bib] = time
        if e.gender:
            groups.setdefault((e.course, "gender", e.gender), {})[e.bib] = time
        group = age_group(e.gender, age_on(e.birth_date, day))
        if group:
            groups.setdefault((e.course, "age_group", group), {})[e.bib] = time
    found: dict[tuple[str, str], int] = {}
    for (_, kind, _), times in groups.items():
        for bib, place in _places(times).items():
            found[(bib, kind)] = place
    return {
        bib: (place, found.get((bib, "gender")), found.get((bib, "age_group")))
        for (bib, kind), place in found.items()
        if kind == "overall"
    }


def _row(r: Runner, state: str, place: Places | None, day: date) -> list[str]:
    e = r.entry
    age = age_on(e.birth_date, day)
    times = ["", "", ""]  # chip time, gun time, finish time of day
    if state == "finished":
        assert r.finish is not None
        gun_time = elapsed(r.finish - r.gun) if r.gun_known else ""
        times = [elapsed(r.ranking_time()), gun_time, time_of_day(r.finish)]
    start = time_of_day(r.start) if r.start is not None and r.start_read else ""
    return [
        cell(e.course),
        cell(e.bib),
        cell(e.name),
        e.gender,
        "" if age is None else str(age),
        cell(age_group(e.gender, age)),
        cell(e.wave),
        state,
        times[0],
        times[1],
        *("" if p is None else str(p) for p in (place or NO_PLACES)),
        start,
        times[2],
    ]


def expected_rows(
    runners: Sequence[Runner],
    reads: Mapping[str, Sequence[Sighting]],
    day: date,
    closed: bool = False,
) -> list[list[str]]:
    """The export's rows (header aside) in its order; `closed`: after closing every course."""
    placed = places(runners, day)
    keyed = []
    for r in runners:
        state = status(r, reads.get(r.entry.tag, ()), closed)
        place = placed.get(r.entry.bib)
        course = [c.name for c in COURSES].index(r.course)
        if place:
            rank = (0, place[0], r.ranking_time())
        elif state == "finished":  # held for review: after the placed, by time
            rank = (1, 0, r.ranking_time())
        else:
            rank = (1 + STATUS_ORDER.index(state), 0, 0)
        keyed.append(((course, *rank, int(r.entry.bib)), _row(r, state, place, day)))
    return [row for _, row in sorted(keyed)]
