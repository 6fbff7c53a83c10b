"""The truth race's field: the participant file's rows (bib, tag, name, gender, date of birth,
wave, course), and the course layout and wave guns they run with.

Times here and in the rest of the package are whole hundredths of a second since midnight of
the race day, event-local: the generator never rounds, so its truth is exact.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

SECOND = 100
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE


@dataclass(frozen=True, slots=True)
class CourseSpec:
    name: str
    distance_m: int
    split: str  # its intermediate point: a location of the same name
    split_m: int
    min_time: int  # the setup's minimum time: no finish earlier than this after the gun


START = "START"
FINISH = "FINISH"
BACKUP = "FINISH-BACKUP"  # a second line at the finish, one point with FINISH
SHARED_MAT = "2.5K"  # every runner crosses it at 2.5 km; only the 5K counts it
COURSES = (
    CourseSpec("5K", 5000, SHARED_MAT, 2500, 10 * MINUTE),
    CourseSpec("10K", 10000, "5K", 5000, 20 * MINUTE),
)
LOCATIONS = (START, SHARED_MAT, "5K", FINISH, BACKUP)
MATS_PASSED = {"5K": ((SHARED_MAT, 2500),), "10K": ((SHARED_MAT, 2500), ("5K", 5000))}
WAVES = ("Elite", "Open 1", "Open 2")
RUNS_WITHOUT_WAVE = WAVES[-1]  # the wave a runner with no wave in the file starts with
FIRST_GUN = 8 * HOUR
WAVE_GAP = 5 * MINUTE


def course_spec(name: str) -> CourseSpec:
    return next(course for course in COURSES if course.name == name)


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of the participant file."""

    bib: str
    tag_cell: str  # as the file writes it; "" means the tag is the bib
    first_name: str
    last_name: str
    gender: str  # "F", "M", "X", or "" when not given
    gender_cell: str  # as the file writes it ("female", "M", "nb" ...)
    birth_date: date | None
    wave: str
    course: str

    @property
    def tag(self) -> str:
        return self.tag_cell or self.bib

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


FIRST_NAMES = {
    "F": ("Anna", "Zoë", "María José", "Chloé", "Ingrid", "Aoife", "Mei", "Fatima", "Olga",
          "Priya", "Sarah", "Léa", "Hannah", "Grace", "Yuki", "Nkechi"),
    "M": ("Tom", "José", "Björn", "Luca", "Kwame", "Ahmed", "Jean-Luc", "Pádraig", "Hiro",
          "Mateo", "David", "Noah", "Ivan", "Omar", "Ravi", "Łukasz"),
    "X": ("Alex", "Sam", "Robin", "Kim", "Jules", "Ari"),
}  # fmt: skip
LAST_NAMES = (
    "Smith", "Åberg", "O'Brien", "Müller", "Nguyễn", "García", "Kowalski", "Smith, Jr.",
    "van der Berg", "Ólafsdóttir", "Dubois", "Rossi", "Tanaka", "Okafor", "Lee", "Brown",
    "Novák", "Schmidt", "Costa", "Hughes", "Quote \"Q\" Marks", "Ng",
)  # fmt: skip
GENDER_CELLS = {"F": ("F", "F", "F", "female", "W"), "M": ("M", "M", "M", "Male", "m"),
                "X": ("X", "nb"), "": ("", "U")}  # fmt: skip
# Names a spreadsheet would run as formulas: the export must quote them.
FORMULA_NAMES = {7: ("=1+2", "Spreadsheet"), 14: ("@home", "Runner"), 21: ("-", "Dash")}  # by bib


def _gender(rng: random.Random) -> str:
    draw = rng.random()
    return "F" if draw < 0.47 else "M" if draw < 0.94 else "X" if draw < 0.97 else ""


def _birth_date(rng: random.Random, day: date) -> date | None:
    if rng.random() < 0.03:
        return None
    age = min(84.0, max(12.0, rng.gauss(38.0, 13.0)))
    return day - timedelta(days=int(age * 365.25) + rng.randint(0, 364))


def _birthday_edges(rng: random.Random, entries: list[Entry], day: date) -> None:
    """Some runners turn 20, 40, 50 or 80 on race day, the day before or the day after: the
    age that counts is the one on the race date, a birthday counting from the day itself."""
    for index in rng.sample(range(len(entries)), min(len(entries), 12)):
        age, shift = rng.choice((20, 40, 50, 80)), rng.choice((-1, 0, 0, 1))
        try:
            born = day.replace(year=day.year - age) + timedelta(days=shift)
        except ValueError:  # a race on 29 February: no such birthday that year
            continue
        entries[index] = replace(entries[index], birth_date=born)


def _wave_and_course(rng: random.Random, index: int, count: int) -> tuple[str, str]:
    elite = max(1, count // 20)
    if index < elite:
        wave = WAVES[0]
    else:
        wave = WAVES[1] if index < elite + (count - elite) // 2 else WAVES[2]
    if rng.random() < 0.03:
        wave = rng.choice(WAVES)  # registered out of their bib block: the file's wave counts
    course = "10K" if rng.random() < (0.8 if wave == WAVES[0] else 0.55) else "5K"
    return wave, course


def _entry(rng: random.Random, index: int, count: int, day: date) -> Entry:
    gender = _gender(rng)
    first_pool = FIRST_NAMES.get(gender) or FIRST_NAMES[rng.choice("FMX")]
    first, last = rng.choice(first_pool), rng.choice(LAST_NAMES)
    if index + 1 in FORMULA_NAMES:
        first, last = FORMULA_NAMES[index + 1]
    elif rng.random() < 0.002:
        first = ""  # a file with only a last name for someone
    wave, course = _wave_and_course(rng, index, count)
    bib = str(index + 1)
    return Entry(bib, bib, first, last, gender, rng.choice(GENDER_CELLS[gender]),
                 _birth_date(rng, day), wave, course)  # fmt: skip


def _tags(rng: random.Random, entries: list[Entry]) -> None:
    """Most tags are the bib, written out; some cells are empty (the tag is the bib), some
    tags are chip codes, and three pairs wear each other's numbers as tags: reads belong to
    whoever wears the tag, never to the bib of the same number."""
    order = list(range(len(entries)))
    rng.shuffle(order)
    pairs = order[:6] if len(order) >= 6 else []
    for a, b in zip(pairs[0::2], pairs[1::2], strict=True):
        entries[a], entries[b] = (
            replace(entries[a], tag_cell=entries[b].bib),
            replace(entries[b], tag_cell=entries[a].bib),
        )
    for index in order[len(pairs) :]:
        draw = rng.random()
        if draw < 0.05:
            entries[index] = replace(entries[index], tag_cell="")
        elif draw < 0.15:
            entries[index] = replace(entries[index], tag_cell=f"CH{int(entries[index].bib):05d}")


def make_entries(rng: random.Random, count: int, day: date) -> list[Entry]:
    """The participant file's rows, bibs 1..count. Two late entries have no wave: with three
    waves their gun is unknown (no gun time), their chip time still counts."""
    entries = [_entry(rng, index, count, day) for index in range(count)]
    _birthday_edges(rng, entries, day)
    _tags(rng, entries)
    for index in rng.sample(range(count), min(2, count)):
        entries[index] = replace(entries[index], wave="")
    return entries


def make_guns(rng: random.Random) -> dict[str, int]:
    """Each wave's gun: 08:00 and five minutes apart, at an odd hundredth."""
    return {wave: FIRST_GUN + i * WAVE_GAP + rng.randint(0, 250) for i, wave in enumerate(WAVES)}
