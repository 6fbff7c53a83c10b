"""Recognising the columns of registration exports.

Headers are compared after normalising (lower case, letters and digits only), so "First Name",
"first_name" and "FIRST-NAME" are one header. The aliases cover the names RunSignUp-style exports
use ("Bib", "Chip", "First Name", "Team Name", "State", "DOB") and Race Roster-style ones
("Bib number", "First name", "Province/State", "Team name", "Date of birth"), plus common
spreadsheet variants. "Event" is not taken for the course: in some exports it is the race within
the event (5K, 10K), in others the whole event's name; the operator chooses it when it is the
course.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from p88.participants.dates import DAY_FIRST, MONTH_FIRST, ORDERS
from p88.participants.model import FIELDS

ALIASES: dict[str, tuple[str, ...]] = {
    "bib": (
        "bib", "bibnumber", "bibno", "bibnum", "racenumber", "number", "startnumber", "dossard",
    ),
    "tag": (
        "tag", "chip", "chipid", "chipnumber", "chipcode", "tagid", "tagnumber", "transponder",
        "transponder1", "rfid", "timingchip", "timingtag",
    ),
    "first_name": ("firstname", "first", "givenname", "fname", "participantfirstname", "prenom"),
    "last_name": (
        "lastname", "last", "surname", "familyname", "lname", "participantlastname", "nom",
    ),
    "full_name": ("name", "fullname", "participantname", "athletename", "runnername"),
    "gender": ("gender", "sex", "gendermf", "genderidentity"),
    "date_of_birth": (
        "dob", "dateofbirth", "birthdate", "birthday", "datebirth", "born", "datenaissance",
        "participantdob", "participantdateofbirth",
    ),
    "age": ("age", "raceage", "ageonraceday", "ageatevent", "ageonrace", "eventage"),
    "age_group": (
        "agegroup", "agecategory", "agedivision", "agegroupname", "ag", "agegrp", "agecat",
    ),
    "division": (
        "division", "divisionname", "category", "categoryname", "racecategory", "racedivision",
    ),
    "course": (
        "course", "coursename", "race", "racename", "distance", "racedistance", "subevent",
        "eventdistance", "raceevent",
    ),
    "city": ("city", "town", "hometown"),
    "state": ("state", "province", "provincestate", "stateprovince", "region", "stateprov"),
    "country": ("country", "nation", "nationality", "countrycode", "countryname"),
    "team": ("team", "teamname", "club", "clubname", "teamclub", "clubteam", "affiliation"),
    "wave": (
        "wave", "startwave", "corral", "wavename", "startcorral", "startgroup", "startingwave",
        "wavenumber", "heat",
    ),
    "vip": ("vip", "elite", "isvip"),
    "message": (
        "message", "personalmessage", "motto", "announcernote", "note", "notes",
        "announcermessage", "displaymessage",
    ),
    "pronunciation": (
        "pronunciation", "pronunciationnote", "phonetic", "phoneticname", "pronounce",
        "howtopronounce", "namepronunciation",
    ),
}  # fmt: skip

_BY_ALIAS = {alias: target for target, names in ALIASES.items() for alias in names}
# "DOB (MM/DD/YYYY)": the format in a header names the order of the file's dates.
DATE_FORMATS = {"mmddyyyy": MONTH_FIRST, "ddmmyyyy": DAY_FIRST, "yyyymmdd": ""}

# Headers that say which registration system wrote the file (information for the operator).
RACE_ROSTER_MARKERS = {"bibnumber", "provincestate", "registrationdate", "participantid"}
RUNSIGNUP_MARKERS = {"registrationid", "chip", "teamname", "zipcode", "dob", "eventname"}


def normalise(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Field name -> column index; columns that map to no field are ignored (and reported).
    `date_order` says how to read dates like 03/04/1985 ("" = decide from the file)."""

    columns: Mapping[str, int]
    date_order: str = ""

    def ignored(self, header: Sequence[str]) -> list[str]:
        used = set(self.columns.values())
        return [h or f"column {i + 1}" for i, h in enumerate(header) if i not in used]


def _target(name: str) -> tuple[str | None, str]:
    """The field a header names, and the date order its format suffix names (or "")."""
    for suffix, order in DATE_FORMATS.items():
        if name.endswith(suffix) and _BY_ALIAS.get(name.removesuffix(suffix)) == "date_of_birth":
            return "date_of_birth", order
    return _BY_ALIAS.get(name), ""


def detect_mapping(header: Sequence[str]) -> ColumnMapping:
    """The first column whose header is a known alias wins each field."""
    columns: dict[str, int] = {}
    date_order = ""
    for index, name in enumerate(header):
        target, order = _target(normalise(name))
        if target is not None and target not in columns:
            columns[target] = index
            date_order = date_order or order
    if "first_name" in columns and "last_name" in columns:
        columns.pop("full_name", None)
    return ColumnMapping(columns, date_order)


def detect_style(header: Sequence[str]) -> str:
    names = {normalise(h) for h in header}
    if names & RACE_ROSTER_MARKERS:
        return "Race Roster-style export"
    if names & RUNSIGNUP_MARKERS:
        return "RunSignUp-style export"
    return "generic CSV"


class MappingError(Exception):
    pass


def mapping_from_form(form: Mapping[str, str], header: Sequence[str]) -> ColumnMapping:
    """Read the operator's choices (`map_<field>` = column index or '', `date_order`) back."""
    columns: dict[str, int] = {}
    for name in FIELDS:
        raw = form.get(f"map_{name}", "").strip()
        if not raw:
            continue
        if not raw.isdigit() or int(raw) >= len(header):
            raise MappingError(f"the column chosen for {FIELDS[name]} does not exist in the file")
        columns[name] = int(raw)
    if "bib" not in columns:
        raise MappingError("choose the column that holds the bib number")
    date_order = form.get("date_order", "")
    if date_order not in ORDERS:
        raise MappingError("choose the order of the dates from the list")
    return ColumnMapping(columns, date_order)
