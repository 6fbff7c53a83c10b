"""Building small races for the results tests, and running them through both paths."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from p88.results.clock import SECOND, Hundredths, hundredths
from p88.results.compute import compute
from p88.results.corrections import Correction
from p88.results.engine import Engine
from p88.results.model import Entrant, Read, Row
from p88.results.setup import Course, GunLine, Setup, Split

GUN = hundredths(datetime(2021, 5, 8, 8, 0, 0))
MIN = 60 * SECOND


def at(seconds: float) -> Hundredths:
    """The moment `seconds` after 08:00:00 (the usual gun), in hundredths."""
    return GUN + round(seconds * 100)


def secs(seconds: float) -> Hundredths:
    return round(seconds * 100)


TEN_K = Course(
    "10K",
    finish="FINISH",
    start="START",
    splits=(Split("5K", 5000.0),),
    distance_m=10000.0,
    min_time=10 * MIN,
)
ONE_GUN = (GunLine(1, GUN, "START"),)


def setup_of(*courses: Course, **more: object) -> Setup:
    return Setup(courses=courses or (TEN_K,), **more)  # type: ignore[arg-type]


def runner(bib: str, **fields: object) -> Entrant:
    fields.setdefault("tag", f"T{bib}")
    return Entrant(bib, **fields)  # type: ignore[arg-type]


def reads_of(tag: str, *crossings: tuple[str, float]) -> list[Read]:
    return [Read(tag, location, at(seconds)) for location, seconds in crossings]


def race(
    reads: Iterable[Read],
    entrants: Sequence[Entrant] = (),
    setup: Setup | None = None,
    lines: Sequence[GunLine] = ONE_GUN,
    corrections: Sequence[Correction] = (),
) -> dict[str, Row]:
    """Rows by bib, from the incremental engine fed read by read; the same as from scratch
    (asserted), so every example checks both paths."""
    setup = setup or setup_of()
    entrants = entrants or [runner("1")]
    reads = list(reads)
    engine = Engine(setup, entrants, lines, corrections)
    for read in reads:
        engine.add_read(read)
    rows = {row.entrant.bib: row for row in engine.rows()}
    assert rows == compute(setup, entrants, lines, corrections, reads).rows
    return rows
