"""The demo race set Ask is measured on (tests/ask/questions.yaml, bench/ask.py).

Two timing companies on one database:
- Big River Race Management ("big-river"): the Shamrock Marathon (Marathon, Half Marathon, 8K)
  and the Big River 10K (10K, and a 5K without a start mat, ranked by gun time), each in 2025
  and 2026, and the Turkey Trot 2026, still live (some runners out on the course).
- Rival Timing ("rival"): its own "Shamrock Marathon 2026" (the same name!) and the Boston
  Marathon 2026, whose runners all come from Secretville: nothing of theirs may ever show up
  in Big River's answers.

Everything is deterministic (no randomness): participants, reads at the start, split and finish
mats (two antennas each), setups with waves and guns, a disqualification and closed courses
(runners still out become DNF, never seen DNS). Results come from the real results engine
(ResultsService), which writes results_rows as it does in `p88 serve`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import trio

from p88.db.partners import create_partner
from p88.db.pool import Pool
from p88.live.results import ResultsService

MALE = (
    "James John Robert Michael William David Richard Joseph Thomas Charles Daniel Matthew "
    "Anthony Mark Paul Steven Andrew Kevin Brian George Edward Ronald Timothy Jason Jeffrey "
    "Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Frank Gregory "
    "Raymond Samuel"
).split()
FEMALE = (
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Nancy Lisa Betty "
    "Margaret Sandra Ashley Kimberly Emily Donna Michelle Dorothy Carol Amanda Melissa Deborah "
    "Stephanie Rebecca Sharon Laura Cynthia Kathleen Amy Shirley Angela Helen Anna Brenda "
    "Pamela Nicole Emma"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White "
    "Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres "
    "Nguyen Hill Flores"
).split()
PLACES = (
    ("Springfield", "IL", "USA"),
    ("Riverton", "IL", "USA"),
    ("Lakeside", "WI", "USA"),
    ("Oak Park", "IL", "USA"),
    ("Madison", "WI", "USA"),
    ("Ann Arbor", "MI", "USA"),
    ("Toronto", "ON", "Canada"),
    ("Springfield", "MO", "USA"),
)
CLUBS = ("River Striders", "Lakeside Runners", "", "Oak Park Pacers", "")
PEOPLE = 160


@dataclass(frozen=True, slots=True)
class Person:
    index: int
    first: str
    last: str
    gender: str
    birth_year: int
    city: str
    state: str
    country: str
    club: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def person(i: int) -> Person:
    gender = "X" if i % 37 == 36 else ("F" if i % 2 else "M")
    first = (FEMALE if gender == "F" else MALE)[(i // 2) % 40]
    last = LAST[(i * 7 + i // 40) % 40]
    city, state, country = PLACES[(i * 5) % len(PLACES)]
    return Person(i, first, last, gender, 2007 - (i * 13) % 55, city, state, country,
                  CLUBS[(i * 3) % len(CLUBS)])  # fmt: skip


@dataclass(frozen=True, slots=True)
class CourseSpec:
    name: str
    wave: str
    gun: str  # time of day
    base_s: int  # the fastest runner's time
    spread_s: int  # slowest minus fastest
    split: str | None  # intermediate point
    distance_m: float
    start_mat: bool = True


@dataclass(frozen=True, slots=True)
class EventSpec:
    partner: str
    name: str
    day: date
    people: range
    courses: tuple[CourseSpec, ...]
    number: int  # varies times and statuses between editions
    live: bool = False
    bib_base: int = 100
    dq: tuple[int, ...] = ()  # people disqualified


SHAMROCK = (
    CourseSpec("Marathon", "A", "07:00:00", 2 * 3600 + 38 * 60, 2 * 3600 + 45 * 60, "HALF",
               42195),
    CourseSpec("Half Marathon", "B", "07:15:00", 72 * 60, 95 * 60, "10K", 21097.5),
    CourseSpec("8K", "C", "08:00:00", 27 * 60, 38 * 60, None, 8000),
)  # fmt: skip
BIG_RIVER = (
    CourseSpec("10K", "1", "08:00:00", 34 * 60, 50 * 60, "5K", 10000),
    CourseSpec("5K", "2", "08:30:00", 16 * 60, 30 * 60, None, 5000, start_mat=False),
)
TURKEY = (CourseSpec("5K", "", "09:00:00", 17 * 60, 30 * 60, None, 5000),)
BOSTON = (CourseSpec("Marathon", "", "10:00:00", 2 * 3600 + 20 * 60, 3 * 3600, None, 42195),)

EVENTS = (
    EventSpec("big-river", "Shamrock Marathon 2025", date(2025, 3, 16), range(0, 74), SHAMROCK,
              1, dq=(27,)),
    EventSpec("big-river", "Shamrock Marathon 2026", date(2026, 3, 15), range(30, 110),
              SHAMROCK, 2, dq=(61,)),
    EventSpec("big-river", "Big River 10K 2025", date(2025, 6, 14), range(60, 114), BIG_RIVER,
              3, bib_base=500),
    EventSpec("big-river", "Big River 10K 2026", date(2026, 6, 13), range(90, 150), BIG_RIVER,
              4, bib_base=500),
    EventSpec("big-river", "Turkey Trot 2026", date(2026, 11, 26), range(140, 160), TURKEY, 5,
              live=True, bib_base=900),
    EventSpec("rival", "Shamrock Marathon 2026", date(2026, 3, 15), range(0, 12), SHAMROCK, 6),
    EventSpec("rival", "Boston Marathon 2026", date(2026, 4, 20), range(12, 32), BOSTON, 7),
)  # fmt: skip

# Two Half Marathon runners of 2025 who cross both mats together: one place, shared.
TIED = (1, 7)


def bib_of(event: EventSpec, i: int) -> str:
    return str(event.bib_base + i)


def course_of(event: EventSpec, i: int) -> CourseSpec:
    return event.courses[i % len(event.courses)]


def age_on(day: date, p: Person) -> int:
    return day.year - p.birth_year


def fate(event: EventSpec, i: int) -> str:
    """'dns', 'dnf', 'out' (still running) or 'finish'."""
    key = i + event.number
    if key % 17 == 0:
        return "dns"
    if key % 19 == 3:
        return "out" if event.live else "dnf"
    if event.live and i % 4 == 0:
        return "out"
    return "finish"


def elapsed_s(event: EventSpec, course: CourseSpec, i: int) -> float:
    """The runner's chip time in seconds (to the hundredth)."""
    if event.name.endswith("2025") and course.name == "Half Marathon" and i in TIED:
        i = TIED[0]
    ability = ((i * 37) % 100) / 100
    jitter = ((i * 13 + event.number * 7) % 60) + ((i * 7) % 100) / 100
    faster = 0.99 if event.day.year == 2026 else 1.0
    return round((course.base_s + ability * course.spread_s) * faster + jitter, 2)


def start_offset_s(event: EventSpec, course: CourseSpec, i: int) -> float:
    if event.name.endswith("2025") and course.name == "Half Marathon" and i in TIED:
        i = TIED[0]
    return (i % 7) * 20 + (i % 3) + 0.25 if course.start_mat else 0.0


def reads_of(event: EventSpec, i: int) -> list[tuple[str, datetime]]:
    """The runner's reads (point, local time): two antennas each crossing."""
    course = course_of(event, i)
    outcome = fate(event, i)
    if outcome == "dns":
        return []
    gun = datetime.combine(event.day, datetime.strptime(course.gun, "%H:%M:%S").time())
    start = gun + timedelta(seconds=start_offset_s(event, course, i))
    chip = elapsed_s(event, course, i)
    crossings: list[tuple[str, datetime]] = []
    if course.start_mat:
        crossings.append(("START", start))
    if course.split and outcome != "out":
        crossings.append((course.split, start + timedelta(seconds=round(chip * 0.48, 2))))
    if outcome == "finish":
        crossings.append(("FINISH", start + timedelta(seconds=chip)))
    reads = []
    for point, moment in crossings:
        if point == "START":  # lingering behind the line: the last read is the start
            reads += [(point, moment - timedelta(seconds=4)), (point, moment)]
        else:  # the first read counts; the second antenna sees them a moment later
            reads += [(point, moment), (point, moment + timedelta(seconds=0.3))]
    return reads


def setup_document(event: EventSpec) -> dict[str, Any]:
    points = sorted({"START", "FINISH", *(c.split for c in event.courses if c.split)})
    courses = []
    for course in event.courses:
        doc: dict[str, Any] = {
            "name": course.name,
            "finish": "FINISH",
            "distance_m": course.distance_m,
            "min_time": "0:10:00",
            "splits": [{"point": course.split, "distance_m": course.distance_m / 2}]
            if course.split
            else [],
        }
        if course.start_mat:
            doc["start"] = "START"
        courses.append(doc)
    waves = [{"name": c.wave, "gun": c.gun} for c in event.courses]
    return {
        "points": [{"name": p, "locations": [p]} for p in points],
        "courses": courses,
        "waves": waves,
        "wave_ranges": [],
        "age_groups": {"scheme": "five_year"},
    }


def runner(event: EventSpec, i: int) -> Person:
    if event.partner == "rival":  # nobody of Big River's; all from Secretville
        return Person(i, "Secret", f"Runner{i}", "MF"[i % 2], 1980 + i, "Secretville", "ZZ",
                      "Nowhere", "Hidden Club")  # fmt: skip
    return person(i)


PARTNERS = {"big-river": "Big River Race Management", "rival": "Rival Timing"}

SESSION = """
INSERT INTO timing_sessions (partner_id, event_name, day, timezone, name, status)
VALUES ($1, $2, $3, 'UTC', $2, $4) RETURNING id
"""
LOCATION = """
INSERT INTO timing_locations (partner_id, session_id, name) VALUES ($1, $2, $3) RETURNING id
"""
PARTICIPANTS = """
INSERT INTO participants (partner_id, event_name, bib, tag, first_name, last_name, gender, age,
                          city, state, country, team, wave, course)
SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                             $8::int[], $9::text[], $10::text[], $11::text[], $12::text[],
                             $13::text[], $14::text[])
"""
READS = """
INSERT INTO timing_reads (partner_id, session_id, location_id, tag, local_time, lap, reader_id,
                          gator, sequence, connection_id, received_at)
SELECT $1, $2, location, tag, at, 1, 'R1', gator, sequence, 'demo', now()
FROM unnest($3::bigint[], $4::text[], $5::timestamp[], $6::int[], $7::bigint[])
    AS r(location, tag, at, gator, sequence)
"""
SETUP = """
INSERT INTO results_setups (session_id, partner_id, document) VALUES ($2, $1, $3::jsonb)
"""
CORRECTION = """
INSERT INTO results_corrections (partner_id, session_id, kind, bib, payload, reason)
VALUES ($1, $2, $3, $4, $5::jsonb, $6)
"""


async def seed(pool: Pool) -> dict[str, int]:
    """Both companies and every event (results not built yet); partner ids by slug."""
    partners: dict[str, int] = {}
    async with pool.acquire() as conn:
        for slug, name in PARTNERS.items():
            partners[slug] = (await create_partner(conn, slug, name)).id
        for event in EVENTS:
            await _seed_event(conn, partners[event.partner], event)
    return partners


async def _seed_event(conn: Any, partner_id: int, event: EventSpec) -> int:
    status = "live" if event.live else "ended"
    session = await conn.fetchval(SESSION, partner_id, event.name, event.day, status)
    people = [runner(event, i) for i in event.people]
    columns: list[list[Any]] = [[] for _ in range(12)]
    for p in people:
        course = course_of(event, p.index)
        values = (bib_of(event, p.index), f"T{bib_of(event, p.index)}", p.first, p.last,
                  p.gender, age_on(event.day, p), p.city, p.state, p.country, p.club,
                  course.wave, course.name)  # fmt: skip
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    await conn.execute(PARTICIPANTS, partner_id, event.name, *columns)
    locations: dict[str, int] = {}
    reads: list[list[Any]] = [[] for _ in range(5)]
    for p in people:
        for point, moment in reads_of(event, p.index):
            if point not in locations:
                locations[point] = await conn.fetchval(LOCATION, partner_id, session, point)
            for column, value in zip(
                reads, (locations[point], f"T{bib_of(event, p.index)}", moment, 1, 0), strict=True
            ):
                column.append(value)
    reads[4] = list(range(1, len(reads[4]) + 1))  # the middleware's sequence numbers
    await conn.execute(READS, partner_id, session, *reads)
    await conn.execute(SETUP, partner_id, session, json.dumps(setup_document(event)))
    for i in event.dq:
        payload = {"status": "dq", "reason": "cut the course"}
        await conn.execute(CORRECTION, partner_id, session, "status", bib_of(event, i),
                           json.dumps(payload), "cut the course")  # fmt: skip
    if not event.live:
        for course in event.courses:
            await conn.execute(CORRECTION, partner_id, session, "close_course", "",
                               json.dumps({"course": course.name}), "race over")  # fmt: skip
    return int(session)


async def build_results(pool: Pool) -> None:
    """Results of every event through the results engine, written to results_rows."""
    async with pool.acquire() as conn:
        sessions = await conn.fetch("SELECT id, partner_id FROM timing_sessions ORDER BY id")
        entered = await conn.fetchval("SELECT count(*) FROM participants")
    service = ResultsService(pool)
    async with trio.open_nursery() as nursery:
        await nursery.start(service.run)
        for row in sessions:
            await service.get(row["partner_id"], row["id"])
        with trio.fail_after(60):
            while True:
                async with pool.acquire() as conn:
                    if await conn.fetchval("SELECT count(*) FROM results_rows") == entered:
                        break
                await trio.sleep(0.1)
        service.close()


async def seed_demo(pool: Pool) -> dict[str, int]:
    partners = await seed(pool)
    await build_results(pool)
    return partners
