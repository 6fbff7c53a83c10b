"""The fields an import can fill, their limits and defaults. The records (Participant, and
ParticipantFields: a row before it is stored) are p88.db.participants'."""

from __future__ import annotations

from dataclasses import fields

from p88.db.participants import FIELD_NAMES as FIELD_NAMES
from p88.db.participants import Participant as Participant
from p88.db.participants import ParticipantFields as ParticipantFields

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

# What each field holds when a file has no column for it (what an empty cell gives).
DEFAULTS = {f.name: f.default for f in fields(ParticipantFields) if f.name not in ("bib", "tag")}

MAX_LENGTHS: dict[str, int] = {"bib": 32, "tag": 64}
TEXT_LIMIT = 500
