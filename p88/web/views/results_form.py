"""The results setup form: posted fields <-> the setup document (p88.results.document).

The form is plain HTML: rows of inputs named like `course-0-finish` or
`course-0-split-1-point`, with blank rows to fill in; blank rows are dropped. Values stay as
typed, so a setup that does not validate is shown again exactly as it was sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from p88.results.setup import Setup

Fields = Mapping[str, Sequence[str]]  # each name -> its values (checkboxes send several)

MAX_ROWS = 200  # rows per section, and splits per course
BLANK_ROWS = 3  # empty rows offered for new points, splits, waves, bib ranges and bands
MORE_ROWS = 5  # added to each section by "More empty rows"
COURSE_FIELDS = ("name", "start", "finish", "distance_m", "min_time", "rank_by", "record",
                 "start_closes")  # fmt: skip
SCHEMES = ("five_year", "bands", "file")


def _one(fields: Fields, name: str) -> str:
    values = fields.get(name)
    return values[0].strip() if values else ""


def _rows(fields: Fields, prefix: str) -> list[int]:
    """The row numbers posted under `prefix` (`point` finds `point-3-name`), in order."""
    pattern = re.compile(re.escape(prefix) + r"-(\d{1,4})-[a-z_]+$")
    found = sorted({int(m.group(1)) for name in fields if (m := pattern.match(name))})
    if len(found) > MAX_ROWS:
        raise ValueError(f"the form has more than {MAX_ROWS} rows of {prefix}s: keep fewer")
    return found


def _filled(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value not in ("", None, [])}


def _points(fields: Fields) -> list[dict[str, Any]]:
    points = []
    for i in _rows(fields, "point"):
        chosen = [loc.strip() for loc in fields.get(f"point-{i}-locations", ()) if loc.strip()]
        other = [loc.strip() for loc in _one(fields, f"point-{i}-other").split(",")]
        locations = list(dict.fromkeys([*chosen, *(loc for loc in other if loc)]))
        name = _one(fields, f"point-{i}-name")
        if name or locations:
            points.append({"name": name, "locations": locations})
    return points


def _courses(fields: Fields) -> list[dict[str, Any]]:
    courses = []
    for i in _rows(fields, "course"):
        splits = []
        for j in _rows(fields, f"course-{i}-split"):
            split = _filled(
                {
                    "point": _one(fields, f"course-{i}-split-{j}-point"),
                    "distance_m": _one(fields, f"course-{i}-split-{j}-distance_m"),
                }
            )
            if split:
                splits.append(split)
        course = _filled({name: _one(fields, f"course-{i}-{name}") for name in COURSE_FIELDS})
        if course or splits:
            courses.append({**course, "splits": splits})
    return courses


def _table(fields: Fields, prefix: str, names: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of plain fields (waves, bib ranges, bands), blank ones dropped."""
    rows = [
        {name: _one(fields, f"{prefix}-{i}-{name}") for name in names}
        for i in _rows(fields, prefix)
    ]
    return [row for row in rows if any(row.values())]


def document_from_form(fields: Fields) -> dict[str, Any]:
    """The document the form describes, values as typed (`typed_document` checks numbers)."""
    scheme = _one(fields, "age_scheme") or "five_year"
    groups: dict[str, Any] = {"scheme": scheme}
    if scheme == "bands":
        groups["bands"] = _table(fields, "band", ("low", "high", "label"))
    return {
        "points": _points(fields),
        "courses": _courses(fields),
        "waves": _table(fields, "wave", ("name", "gun", "gun_line")),
        "wave_ranges": _table(fields, "range", ("wave", "first", "last")),
        "gun_location": _one(fields, "gun_location") or None,
        "age_groups": groups,
        "race_date": _one(fields, "race_date") or None,
        "ignore_window": _one(fields, "ignore_window") or None,
    }


def _whole(value: Any, what: str, optional: bool = False) -> int | None:
    text = str(value if value is not None else "").strip()
    if optional and not text:
        return None
    if not re.fullmatch(r"\d{1,9}", text):
        raise ValueError(f"{what}: {text!r} is not a whole number")
    return int(text)


def typed_document(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The document with its whole numbers as numbers; ValueError names a field that is not."""
    waves = [
        {**w, "gun_line": _whole(w.get("gun_line"), f"wave {w.get('name', '')!r} gun line", True)}
        for w in doc.get("waves", ())
    ]
    ranges = [
        {
            "wave": r.get("wave", ""),
            "first": _whole(r.get("first"), f"bib range of wave {r.get('wave', '')!r}"),
            "last": _whole(r.get("last"), f"bib range of wave {r.get('wave', '')!r}"),
        }
        for r in doc.get("wave_ranges", ())
    ]
    groups = dict(doc.get("age_groups") or {})
    if "bands" in groups:
        groups["bands"] = [
            {
                "low": _whole(b.get("low"), "age band: lowest age"),
                "high": _whole(b.get("high"), "age band: highest age", True),
                "label": b.get("label", ""),
            }
            for b in groups["bands"]
        ]
    if doc.get("race_date"):
        try:
            date.fromisoformat(str(doc["race_date"]))
        except ValueError:
            raise ValueError(f"race date: {doc['race_date']!r} is not a date") from None
    return {**doc, "waves": waves, "wave_ranges": ranges, "age_groups": groups}


# ------------------------------------------------------------------------------ the page model
def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(slots=True)
class CourseRow:
    values: dict[str, str]
    splits: list[dict[str, str]]


@dataclass(slots=True)
class SetupForm:
    """What the template shows: every section's rows as strings, blank rows appended."""

    points: list[dict[str, Any]] = field(default_factory=list)
    courses: list[CourseRow] = field(default_factory=list)
    waves: list[dict[str, str]] = field(default_factory=list)
    ranges: list[dict[str, str]] = field(default_factory=list)
    bands: list[dict[str, str]] = field(default_factory=list)
    scheme: str = "five_year"
    gun_location: str = ""
    race_date: str = ""
    ignore_window: str = ""


def _strings(
    rows: Sequence[Mapping[str, Any]], names: Sequence[str], blank: int
) -> list[dict[str, str]]:
    filled = [{name: _text(row.get(name)) for name in names} for row in rows]
    return filled + [dict.fromkeys(names, "") for _ in range(blank)]


def form_of(
    doc: Mapping[str, Any], locations: Sequence[str], day: date, more: str = "", guns: int = 0
) -> SetupForm:
    """The page model of a document (saved, suggested or as posted). `more`: "course" adds
    an empty course, "rows" more empty rows everywhere; `guns`: the session's gun lines (as
    many empty wave rows are offered, one wave per gun being the usual case)."""
    blank = BLANK_ROWS + (MORE_ROWS if more == "rows" else 0)
    waves = doc.get("waves", ())
    points = []
    for point in [*doc.get("points", ()), *({} for _ in range(blank))]:
        chosen = [str(loc) for loc in point.get("locations", ())]
        other = ", ".join(loc for loc in chosen if loc not in locations)
        points.append({"name": _text(point.get("name")), "checked": chosen, "other": other})
    courses = [
        CourseRow(
            {name: _text(c.get(name)) for name in COURSE_FIELDS},
            _strings(c.get("splits", ()), ("point", "distance_m"), blank),
        )
        for c in doc.get("courses", ())
    ]
    if more == "course" or not courses:
        courses.append(
            CourseRow(
                dict.fromkeys(COURSE_FIELDS, ""), _strings((), ("point", "distance_m"), blank)
            )
        )
    groups = doc.get("age_groups") or {}
    return SetupForm(
        points=points,
        courses=courses,
        waves=_strings(waves, ("name", "gun", "gun_line"), max(blank, guns - len(waves))),
        ranges=_strings(doc.get("wave_ranges", ()), ("wave", "first", "last"), blank),
        bands=_strings(groups.get("bands", ()), ("low", "high", "label"), blank),
        scheme=groups.get("scheme", "five_year")
        if groups.get("scheme") in SCHEMES
        else "five_year",
        gun_location=_text(doc.get("gun_location")),
        race_date=_text(doc.get("race_date")) or day.isoformat(),
        ignore_window=_text(doc.get("ignore_window")),
    )


def setup_warnings(setup: Setup, locations: Sequence[str]) -> list[str]:
    """What is saved but cannot be checked yet: locations that have sent no reads."""
    seen = set(locations)
    notes = []
    for point in setup.points:
        missing = [loc for loc in point.locations if loc not in seen]
        if missing:
            notes.append(
                f"Point {point.name}: {', '.join(missing)} has sent no reads in this session "
                "yet. Check the spelling if it should have."
            )
    declared = {point.name for point in setup.points}
    for course in setup.courses:
        for name in course.point_names:
            if name not in declared and name not in seen:
                notes.append(
                    f"Course {course.name}: {name} is neither a point of this setup nor a "
                    "location of this session yet; no read counts there until it is."
                )
    return list(dict.fromkeys(notes))
