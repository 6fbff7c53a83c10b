"""The participant record and the fields an import can fill."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date


@dataclass(frozen=True, slots=True)
class Participant:
    """One runner of an event. `tag` is what the hardware reads; it may differ from `bib`."""

    id: int
    event_name: str
    bib: str
    tag: str
    first_name: str = ""
    last_name: str = ""
    gender: str | None = None  # 'M', 'F', 'X' or unknown
    age: int | None = None
    age_group: str = ""
    city: str = ""
    state: str = ""
    country: str = ""
    team: str = ""
    wave: str = ""
    vip: bool = False
    message: str = ""
    pronunciation: str = ""
    course: str = ""  # which race of the event (5K, 10K ...): results rank per course
    date_of_birth: date | None = None
    division: str = ""  # Masters, Clydesdale, wheelchair ...; not the age group

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True, slots=True)
class ParticipantFields:
    """What one valid CSV row (or the edit form) says about a runner, before it is stored."""

    bib: str
    tag: str
    first_name: str = ""
    last_name: str = ""
    gender: str | None = None
    age: int | None = None
    age_group: str = ""
    city: str = ""
    state: str = ""
    country: str = ""
    team: str = ""
    wave: str = ""
    vip: bool = False
    message: str = ""
    pronunciation: str = ""
    course: str = ""
    date_of_birth: date | None = None
    division: str = ""


# Import targets, in the order the mapping form shows them. `full_name` is split into first and
# last name when a file has no separate columns for them.
FIELDS: dict[str, str] = {
    "bib": "Bib",
    "tag": "Tag / chip",
    "first_name": "First name",
    "last_name": "Last name",
    "full_name": "Full name",
    "gender": "Gender",
    "date_of_birth": "Date of birth",
    "age": "Age",
    "age_group": "Age group",
    "division": "Division",
    "course": "Course",
    "city": "City",
    "state": "State / province",
    "country": "Country",
    "team": "Team / club",
    "wave": "Wave",
    "vip": "VIP",
    "message": "Personal message",
    "pronunciation": "Pronunciation note",
}

FIELD_NAMES = [f.name for f in fields(ParticipantFields)]
SQL_TYPES = {"age": "integer", "vip": "boolean", "date_of_birth": "date"}  # the others: text
# What each field holds when a file has no column for it (what an empty cell gives).
DEFAULTS = {f.name: f.default for f in fields(ParticipantFields) if f.name not in ("bib", "tag")}

MAX_LENGTHS: dict[str, int] = {"bib": 32, "tag": 64}
TEXT_LIMIT = 500
