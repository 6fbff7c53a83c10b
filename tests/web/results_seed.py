"""A small three-wave race for the results pages' tests: no wave column in the participant
file, one hardware gun line per wave, a start and a finish mat.

Runners start a few seconds after their wave's gun; bib 202 has no start read. By chip time
(the course has a start mat) the places are 101, 201, 1, 2, 202, 102, 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.web.sessions_seed import DAY, clock, seed_participant, seed_session

EVENT = "THREE WAVES 10K"
GUNS = {"1": "08:00:00", "2": "08:05:00", "3": "08:10:00"}
# bib: (wave, start read or None, finish read)
RUNNERS = {
    "1": ("1", "08:00:05.00", "08:40:00.00"),
    "2": ("1", "08:00:20.00", "08:45:00.00"),
    "3": ("1", "08:00:10.00", "08:50:00.50"),
    "101": ("2", "08:05:03.00", "08:42:00.00"),
    "102": ("2", "08:05:30.00", "08:52:00.00"),
    "201": ("3", "08:10:02.00", "08:48:00.00"),
    "202": ("3", None, "08:55:00.00"),
}
# bib: (gun time, chip time, overall place) once each runner is in their wave
EXPECTED = {
    "1": ("0:40:00.00", "0:39:55.00", "3"),
    "2": ("0:45:00.00", "0:44:40.00", "4"),
    "3": ("0:50:00.50", "0:49:50.50", "7"),
    "101": ("0:37:00.00", "0:36:57.00", "1"),
    "102": ("0:47:00.00", "0:46:30.00", "6"),
    "201": ("0:38:00.00", "0:37:58.00", "2"),
    "202": ("0:45:00.00", "0:45:00.00", "5"),  # no start read: chip = gun (flagged)
}
# The setup form a timer fills in: points, one course, three waves taking the guns in order,
# and a bib range per wave.
SETUP_FORM = {
    "point-0-name": "FINISH", "point-0-locations": "FINISH",
    "point-1-name": "START", "point-1-locations": "START",
    "course-0-name": "10K", "course-0-start": "START", "course-0-finish": "FINISH",
    "course-0-distance_m": "10000", "course-0-min_time": "0:10:00",
    "wave-0-name": "1", "wave-1-name": "2", "wave-2-name": "3",
    "range-0-wave": "1", "range-0-first": "1", "range-0-last": "99",
    "range-1-wave": "2", "range-1-first": "100", "range-1-last": "199",
    "range-2-wave": "3", "range-2-first": "200", "range-2-last": "299",
    "age_scheme": "five_year", "race_date": DAY.isoformat(), "action": "save",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Race:
    session_id: int
    locations: dict[str, int]


async def add_gun_line(
    pool: Any, partner_id: int, session_id: int, location_id: int, at: str
) -> int:
    async with pool.acquire() as conn:
        return await conn.fetchval(
            "INSERT INTO gun_times (partner_id, session_id, location_id, local_time, source)"
            " VALUES ($1, $2, $3, $4, 'hardware') RETURNING id",
            partner_id,
            session_id,
            location_id,
            clock(at),
        )


async def seed_three_waves(pool: Any, partner_id: int, event: str = EVENT) -> Race:
    reads = []
    for bib, (_, start, finish) in RUNNERS.items():
        if start is not None:
            reads.append(("START", f"T{bib}", start))
        reads.append(("FINISH", f"T{bib}", finish))
    session_id, locations = await seed_session(pool, partner_id, event, reads)
    for bib in RUNNERS:
        await seed_participant(pool, partner_id, event, bib, f"T{bib}", "Runner", bib)
    for at in GUNS.values():
        await add_gun_line(pool, partner_id, session_id, locations["START"], at)
    return Race(session_id, locations)
