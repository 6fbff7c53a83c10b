"""Inputs and outputs of the results engine (plain data, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Read:
    tag: str
    location: str
    time: datetime  # the event's local wall clock, to the hundredth


@dataclass(frozen=True, slots=True)
class Runner:
    bib: str
    tag: str
    gender: str | None = None
    age_group: str = ""
    wave: str = ""


@dataclass(frozen=True, slots=True)
class Course:
    """Where the mats are and what is plausible. `splits` are in course order."""

    finish: str
    start: str | None = None
    splits: tuple[str, ...] = ()
    distance_m: float | None = None
    # A finish read earlier than this after the runner's gun (or start) is not a finish: it is
    # the runner walking over the finish mat on the way to the start, or a stray read.
    min_finish: timedelta = timedelta(minutes=1)
    # Repeated reads of one tag at one point within this window are one passing.
    ignore_window: timedelta = timedelta(seconds=5)
    rank_by: str = "gun"  # "gun" or "chip"


FLAG_FASTER_THAN_WORLD_RECORD = "faster-than-world-record"
FLAG_SPLIT_AFTER_FINISH = "split-after-finish"


@dataclass(frozen=True, slots=True)
class Result:
    bib: str
    tag: str
    start: datetime | None
    finish: datetime | None
    gun_time: timedelta | None
    chip_time: timedelta | None
    splits: dict[str, timedelta] = field(default_factory=dict)  # elapsed since start (or gun)
    place: int | None = None
    gender_place: int | None = None
    age_group_place: int | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Results:
    rows: list[Result]
    unknown_tags: list[str]  # tags read with no participant: listed, never shown as a person
