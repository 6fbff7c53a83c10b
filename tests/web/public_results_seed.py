"""A small race for the public results tests, timed relative to now so that places of finishers
are provisional while a runner is still out (p88.results.provisional).

Course "5K" (START, HALF split at 2.5 km, FINISH; chip time; the start closes 15 minutes
after the gun),
gun 30 minutes ago:
  bib 1 "Zoë <b>Brave</b>"   F 34  start +0:05, HALF 10:00, finish chip 22:00.00 (provisional)
  bib 2 "Bea Fast"           F 41  start +0:06, HALF 9:00, finish chip 18:30.00 (final)
  bib 3 "Carl Steady"        M 35  start +0:07, HALF 12:00, finish chip 25:00.00 (provisional)
  bib 4 "Dan Running"        M 52  start +10:00, HALF 9:00, still out: ~20 min on the clock,
                                   so he could still beat anyone slower than that
  bib 5 "Eve Absent"         F 29  never seen (DNS)
  bib 6 "Finn Nostart"       M 44  no start read, finish 26:00.00 after the gun (chip = gun)
Overall: 2, 1, 3, 6.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from p88.db import results as results_db
from p88.db.tenancy import tenant_transaction
from p88.reads import StoredRead

EVENT = "RIVER 5K"
DOCUMENT: dict[str, Any] = {
    "points": [],
    "courses": [
        {
            "name": "5K",
            "start": "START",
            "finish": "FINISH",
            "splits": [{"point": "HALF", "distance_m": 2500}],
            "distance_m": 5000,
            "min_time": "0:10:00",
            "rank_by": "chip",
            "start_closes": "0:15:00",
        }
    ],
    "waves": [],
    "wave_ranges": [],
    "age_groups": {"scheme": "five_year"},
}
RUNNERS = [
    ("1", "Zoë", "<b>Brave</b>", "F", 34),
    ("2", "Bea", "Fast", "F", 41),
    ("3", "Carl", "Steady", "M", 35),
    ("4", "Dan", "Running", "M", 52),
    ("5", "Eve", "Absent", "F", 29),
    ("6", "Finn", "Nostart", "M", 44),
]
# bib -> (start offset s, HALF split s after start, finish s after start) from the gun
TIMES: dict[str, tuple[float | None, float | None, float | None]] = {
    "1": (5, 10 * 60, 22 * 60),
    "2": (6, 9 * 60, 18 * 60 + 30),
    "3": (7, 12 * 60, 25 * 60),
    "4": (600, 9 * 60, None),
    "6": (None, None, 26 * 60),
}


@dataclass(frozen=True, slots=True)
class Race:
    partner_id: int
    session_id: int
    locations: dict[str, int]
    gun: datetime  # naive, event-local (UTC)


def _reads(gun: datetime) -> list[tuple[str, str, datetime]]:
    reads = []
    for bib, (start, split, finish) in TIMES.items():
        tag = f"T{bib}"
        began = gun + timedelta(seconds=start or 0)
        if start is not None:
            reads.append(("START", tag, began))
        if split is not None:
            reads.append(("HALF", tag, began + timedelta(seconds=split)))
        if finish is not None:
            reads.append(("FINISH", tag, began + timedelta(seconds=finish)))
    return reads


async def seed_race(pool: Any, partner_id: int, *, saved: bool = True, event: str = EVENT) -> Race:
    gun = (datetime.now(UTC) - timedelta(minutes=30)).replace(tzinfo=None, microsecond=0)
    async with pool.acquire() as conn:
        session_id = await conn.fetchval(
            "INSERT INTO timing_sessions (partner_id, event_name, day, timezone, name) "
            "VALUES ($1, $2, $3, 'UTC', $2) RETURNING id",
            partner_id,
            event,
            gun.date(),
        )
        locations = {}
        for name in ("START", "HALF", "FINISH"):
            locations[name] = await conn.fetchval(
                "INSERT INTO timing_locations (partner_id, session_id, name) VALUES ($1, $2, $3)"
                " RETURNING id",
                partner_id,
                session_id,
                name,
            )
        await conn.execute(
            "INSERT INTO gun_times (partner_id, session_id, location_id, local_time, source)"
            " VALUES ($1, $2, $3, $4, 'hardware')",
            partner_id,
            session_id,
            locations["START"],
            gun,
        )
        for seq, (location, tag, when) in enumerate(_reads(gun), start=1):
            await conn.execute(
                "INSERT INTO timing_reads (partner_id, session_id, location_id, tag, local_time,"
                " lap, reader_id, gator, sequence, connection_id, received_at)"
                " VALUES ($1, $2, $3, $4, $5, 1, 'R1', 0, $6, 'c', now())",
                partner_id,
                session_id,
                locations[location],
                tag,
                when,
                seq,
            )
        for bib, first, last, gender, age in RUNNERS:
            await add_runner(conn, partner_id, bib, first, last, gender, age, event)
    if saved:
        async with tenant_transaction(pool, partner_id) as conn:
            await results_db.save_setup(conn, partner_id, session_id, DOCUMENT, None)
    return Race(partner_id, session_id, locations, gun)


async def add_runner(
    conn: Any,
    partner_id: int,
    bib: str,
    first: str,
    last: str,
    gender: str,
    age: int,
    event: str = EVENT,
    course: str = "5K",
) -> None:
    await conn.execute(
        "INSERT INTO participants (partner_id, event_name, bib, tag, first_name, last_name,"
        " gender, age, course) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        partner_id,
        event,
        bib,
        f"T{bib}",
        first,
        last,
        gender,
        age,
        course,
    )


async def store_crossing(
    pool: Any, race: Race, location: str, bib: str, when: datetime
) -> StoredRead:
    """A read stored the way ingest stores it; what ingest would hand the hub."""
    received = datetime.now(UTC)
    async with pool.acquire() as conn:
        read_id = await conn.fetchval(
            "INSERT INTO timing_reads (partner_id, session_id, location_id, tag, local_time,"
            " lap, reader_id, gator, sequence, connection_id, received_at)"
            " VALUES ($1, $2, $3, $4, $5, 1, 'R1', 0, 9999, 'c', $6) RETURNING id",
            race.partner_id,
            race.session_id,
            race.locations[location],
            f"T{bib}",
            when,
            received,
        )
    return StoredRead(
        read_id,
        race.partner_id,
        race.session_id,
        race.locations[location],
        location,
        f"T{bib}",
        when,
        1,
        "R1",
        0,
        9999,
        received,
    )


async def publish(pool: Any, race: Race, token: str, *, final: bool = False) -> None:
    """Publish directly in the database (the publish page's own test drives the page)."""
    async with tenant_transaction(pool, race.partner_id) as conn:
        await results_db.publish(conn, race.partner_id, race.session_id, True, token)
        if final:
            await results_db.set_final(conn, race.partner_id, race.session_id, True)
