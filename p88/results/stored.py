"""From stored rows to the engine's inputs, and from its rows to what is stored for readers.

Pure: the rows are mappings as the database gives them (p88.db.results), so this is tested
without a database and the engine never imports one.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from p88.results.agegroups import runner_age
from p88.results.clock import Hundredths, hundredths, local_datetime
from p88.results.corrections import MoveGun
from p88.results.model import Entrant, Read, Row
from p88.results.setup import GunLine, Setup

# Manual gun times of the sessions page count like a moved gun, older than any correction: a
# correction's id is positive, so it wins where both set the same wave.
MANUAL_GUN_IDS = -(10**12)


def entrant_of(row: Mapping[str, Any]) -> Entrant:
    name = f"{row['first_name']} {row['last_name']}".strip()
    return Entrant(
        bib=row["bib"],
        tag=row["tag"],
        name=name,
        gender=row["gender"],
        age=row["age"],
        birth_date=row["date_of_birth"],
        age_group=row["age_group"],
        division=row["division"],
        wave=row["wave"],
        course=row["course"],
    )


def read_of(row: Mapping[str, Any]) -> Read:
    return Read(row["tag"], row["location"], hundredths(row["local_time"]))


def gun_lines(rows: Iterable[Mapping[str, Any]]) -> list[GunLine]:
    """The hardware `guntime` lines."""
    return [
        GunLine(row["id"], hundredths(row["local_time"]), row["location"])
        for row in rows
        if row["source"] == "hardware"
    ]


def manual_guns(rows: Iterable[Mapping[str, Any]]) -> list[MoveGun]:
    """Gun times set by hand on the sessions page, per wave label ("" for runners without)."""
    return [
        MoveGun(MANUAL_GUN_IDS + row["id"], row["wave"] or "", hundredths(row["local_time"]))
        for row in rows
        if row["source"] == "manual"
    ]


def with_labelled_lines(setup: Setup, rows: Iterable[Mapping[str, Any]]) -> Setup:
    """A hardware line labelled with a wave the setup lists (and leaves without a gun) is that
    wave's gun line; everything else keeps the setup's own rules."""
    labelled = {
        row["wave"]: row["id"] for row in rows if row["source"] == "hardware" and row["wave"]
    }
    if not labelled:
        return setup
    waves = tuple(
        dataclasses.replace(wave, gun_line=labelled[wave.name])
        if wave.name in labelled and wave.gun is None and wave.gun_line is None
        else wave
        for wave in setup.waves
    )
    return dataclasses.replace(setup, waves=waves) if waves != setup.waves else setup


# ------------------------------------------------------------------------------- results rows
def _moment(value: Hundredths | None) -> Any:
    return None if value is None else local_datetime(value)


def _splits(row: Row) -> str:
    return json.dumps(
        [
            {"point": s.point, "time": s.time, "elapsed": s.elapsed, "manual": s.manual}
            for s in row.result.splits
        ]
    )


def columns_of(rows: Sequence[Row], race_date: date | None) -> list[list[Any]]:
    """The 18 columns p88.db.results.write_rows takes, in its order."""
    age = [runner_age(r.entrant.age, r.entrant.birth_date, race_date) for r in rows]
    return [
        [r.entrant.bib for r in rows],
        [r.entrant.name for r in rows],
        [r.result.course for r in rows],
        [r.result.wave for r in rows],
        [r.result.gender for r in rows],
        age,
        [r.result.age_group for r in rows],
        [r.entrant.division for r in rows],
        [r.result.status for r in rows],
        [r.result.placed for r in rows],
        [_moment(r.result.gun) for r in rows],
        [_moment(r.result.start) for r in rows],
        [_moment(r.result.finish) for r in rows],
        [r.result.gun_time for r in rows],
        [r.result.chip_time for r in rows],
        [r.result.ranking_time for r in rows],
        [_splits(r) for r in rows],
        [" ".join(r.result.flags) for r in rows],
    ]

