"""Demo data: a field of runners for a synthetic race, its timing session and a display.

Used by `p88 demo` and by the tests that need a realistic race: the participants match the
bibs of `p88.tcp.race_sources.synthetic_race` (tags 1..N, waves in contiguous bib blocks).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from p88.db.ingest import upsert_session
from p88.db.pool import Connection, Pool
from p88.db.tenancy import tenant_transaction
from p88.displays.options import DisplayOptions
from p88.displays.store import Display, create_display
from p88.participants.model import ParticipantFields
from p88.participants.queries import upsert_participants

FIRST_NAMES = {
    "F": ("Amara", "Chloé", "Elena", "Farah", "Hana", "Keiko", "Maya", "Olivia", "Rosa", "Tess",
          "Uma", "Wen", "Ximena", "Zoë", "Aoife", "Camille", "Grace", "Lucía", "Ingrid", "Nia"),
    "M": ("Ben", "Dmitri", "Gabriel", "Ivan", "Jonas", "Liam", "Noah", "Pablo", "Samir", "Viktor",
          "Yusuf", "Bram", "Diego", "Kenji", "Mateus", "Tomasz", "Oliver", "Pieter", "Kofi"),
}  # fmt: skip
LAST_NAMES = (
    "Okafor", "Lindqvist", "Moreau", "Petrov", "García", "Haddad", "Silva", "Tanaka", "Novak",
    "Berg", "Sato", "O'Brien", "Kowalski", "Nguyen", "Rossi", "Fernández", "Walsh", "Costa",
    "Mansour", "Fischer", "Iyer", "Horvat", "Zhang", "Ortega", "Demir", "Laurent", "Ní Bhriain",
    "de Vries", "Dubois", "Castillo",
)  # fmt: skip
SAYINGS = {
    "Aoife": "EE-fa",
    "Ní Bhriain": "nee VREE-an",
    "Siobhan": "shi-VAWN",
    "Dmitri": "DMEE-tree",
    "Ximena": "hee-MEH-na",
}
CITIES = (
    ("Boston", "MA", "USA"), ("Toronto", "ON", "Canada"), ("Lyon", "", "France"),
    ("Leeds", "", "UK"), ("Austin", "TX", "USA"), ("Kyoto", "", "Japan"), ("Cork", "", "Ireland"),
    ("Porto", "", "Portugal"), ("Denver", "CO", "USA"), ("Utrecht", "", "Netherlands"),
)  # fmt: skip
MESSAGES = (
    "Go Mum, we are so proud!",
    "First marathon, first of many",
    "Running for the children's hospital",
    "Sub-4 or bust!",
    "Happy birthday, coach!",
)
TEAMS = ("Harbour Harriers", "Night Owls RC", "", "", "Trail Foxes", "", "City Striders", "")


def _age_group(gender: str, age: int) -> str:
    low = max(20, age // 5 * 5)
    return f"{gender}{low}-{low + 4}" if age >= 20 else f"{gender}U20"


def demo_participants(runners: int, waves: int, seed: int = 1) -> list[ParticipantFields]:
    """Bibs 1..runners (tag = bib), waves 1..waves in contiguous blocks, every 25th a VIP."""
    rng = random.Random(seed)  # noqa: S311 - made-up people, not secrets
    people = []
    for index in range(runners):
        bib = str(index + 1)
        gender = rng.choice("MF")
        first, last = rng.choice(FIRST_NAMES[gender]), rng.choice(LAST_NAMES)
        age = rng.randint(18, 74)
        city, state, country = rng.choice(CITIES)
        vip = (index + 1) % 25 == 0
        saying = " / ".join(SAYINGS[n] for n in (first, last) if n in SAYINGS)
        people.append(
            ParticipantFields(
                bib=bib,
                tag=bib,
                first_name=first,
                last_name=last,
                gender=gender,
                age=age,
                age_group=_age_group(gender, age),
                city=city,
                state=state,
                country=country,
                team=rng.choice(TEAMS),
                wave=str(index * waves // runners + 1),
                vip=vip,
                message=rng.choice(MESSAGES) if vip or rng.random() < 0.1 else "",
                pronunciation=saying,
            )
        )
    return people


async def ensure_session(
    conn: Connection, partner_id: int, event: str, day: date, timezone: str
) -> int:
    """The timing session the collector will use for this event and day (created ahead, so a
    display can be bound before the first read arrives)."""
    return await upsert_session(conn, partner_id, event, day, timezone)


@dataclass(frozen=True, slots=True)
class DemoDisplay:
    display: Display
    token: str
    session_id: int


async def seed_race_display(
    pool: Pool,
    partner_id: int,
    *,
    event: str,
    day: date,
    timezone: str,
    runners: int,
    waves: int,
    locations: tuple[str, ...] = ("FINISH",),
    mode: str = "finish",
    name: str = "Finish line",
    options: DisplayOptions | None = None,
    template_id: int | None = None,
) -> DemoDisplay:
    """Participants of a synthetic race, its session, and one display bound to it."""
    async with tenant_transaction(pool, partner_id) as conn:
        await upsert_participants(conn, partner_id, event, demo_participants(runners, waves))
        session_id = await ensure_session(conn, partner_id, event, day, timezone)
        display, token = await create_display(
            conn,
            partner_id,
            name=name,
            session_id=session_id,
            template_id=template_id,
            locations=locations,
            mode=mode,
            options=options,
        )
    return DemoDisplay(display, token, session_id)
