"""Age groups: from the runner's age (or date of birth at the race date) and gender.

A scheme is either bands (the default: 5-year bands with an under-20 and an 80+ band, or the
timer's own bands) or the participant file's own `age_group` column taken as it is.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from typing import Literal

GENDERS = ("F", "M", "X")


@dataclass(frozen=True, slots=True)
class Band:
    """Ages `low` to `high` inclusive; `high` None is "and over". `label` overrides the
    generated one (`30-34`, `80+`); the gender is put in front of either (`F30-34`)."""

    low: int
    high: int | None
    label: str = ""

    def __post_init__(self) -> None:
        if self.low < 0 or (self.high is not None and self.high < self.low):
            raise ValueError(f"age band {self.low}-{self.high}: the ages must rise from 0")

    def name(self) -> str:
        if self.label:
            return self.label
        return f"{self.low}+" if self.high is None else f"{self.low}-{self.high}"


def five_year_bands(first: int = 20, last: int = 80) -> tuple[Band, ...]:
    """Under-`first`, then 5-year bands, then `last` and over: 0-19, 20-24, …, 75-79, 80+."""
    inner = tuple(Band(low, low + 4) for low in range(first, last, 5))
    return (Band(0, first - 1), *inner, Band(last, None))


FIVE_YEAR_BANDS = five_year_bands()


@dataclass(frozen=True, slots=True)
class AgeGroups:
    """An event's age-group scheme."""

    source: Literal["bands", "file"] = "bands"
    bands: tuple[Band, ...] = FIVE_YEAR_BANDS

    def __post_init__(self) -> None:
        if self.source not in ("bands", "file"):
            raise ValueError(f"age groups come from 'bands' or 'file', not {self.source!r}")
        ordered = sorted(self.bands, key=lambda band: band.low)
        for before, after in itertools.pairwise(ordered):
            if before.high is None or before.high >= after.low:
                raise ValueError(
                    f"age bands {before.name()} and {after.name()} overlap: "
                    "give each age one band at most"
                )


def age_on(birth_date: date, day: date) -> int:
    """Whole years completed on `day` (a birthday counts from the day itself)."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def runner_age(age: int | None, birth_date: date | None, race_date: date | None) -> int | None:
    """The age that counts: the date of birth at the race date when both are known (exact),
    else the age column."""
    if birth_date is not None and race_date is not None:
        return age_on(birth_date, race_date)
    return age


def normal_gender(gender: str | None) -> str | None:
    """'F', 'M' or 'X' from the participant file's value (any case); None otherwise."""
    if gender is None:
        return None
    value = gender.strip().upper()
    return value if value in GENDERS else None


def age_group(scheme: AgeGroups, gender: str | None, age: int | None, from_file: str) -> str | None:
    """The runner's age group, or None when they have none (unknown gender or age, an age no
    band covers, an empty file column): they are then ranked overall and by gender only."""
    if scheme.source == "file":
        return from_file.strip() or None
    if gender is None or age is None:
        return None
    for band in scheme.bands:
        if band.low <= age and (band.high is None or age <= band.high):
            return f"{gender}{band.name()}"
    return None
