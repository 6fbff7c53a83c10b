"""A results setup as a JSON document (what the setup page, the CLI and the API edit and what
the database keeps), and the timer's corrections as stored rows.

Documents hold people's units: times of day `08:00:00.00`, durations `0:20:00` (or seconds),
distances in metres. `setup_from_document` checks everything and raises `ValueError` with a
message naming the field and what to change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from p88.results.agegroups import FIVE_YEAR_BANDS, AgeGroups, Band
from p88.results.clock import (
    SECOND,
    Hundredths,
    format_elapsed,
    format_time_of_day,
    hundredths,
)
from p88.results.corrections import (
    ChangeCourse,
    ChangeWave,
    CloseCourse,
    ConfirmResult,
    Correction,
    IgnoreRead,
    ManualTime,
    MoveGun,
    SetStatus,
)
from p88.results.setup import (
    DEFAULT_IGNORE_WINDOW,
    DEFAULT_MIN_TIME,
    BibRange,
    Course,
    Point,
    Setup,
    Split,
    Wave,
)

_DURATION = re.compile(r"^(?:(\d{1,3}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,2}))?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,2}))?)?$")


def duration(value: Any, field: str) -> Hundredths:
    """`1:02:03.45`, `20:00` (minutes:seconds) or a number of seconds."""
    if isinstance(value, bool):
        raise ValueError(f"{field}: give a duration like 0:20:00")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"{field}: a duration cannot be negative")
        return int(value * SECOND)
    found = _DURATION.match(str(value).strip())
    if found is None:
        raise ValueError(f"{field}: {value!r} is not a duration; write it like 0:20:00")
    hours, minutes, seconds, fraction = found.groups()
    if int(seconds) > 59 or (hours is not None and int(minutes) > 59):
        raise ValueError(f"{field}: {value!r} has minutes or seconds past 59")
    whole = (int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)
    return whole * SECOND + int((fraction or "0").ljust(2, "0"))


def time_of_day(value: Any, field: str, day: date) -> Hundredths:
    """`08:00`, `08:00:00` or `08:00:00.00` on `day` (event-local)."""
    found = _CLOCK.match(str(value).strip())
    if found is None:
        raise ValueError(f"{field}: {value!r} is not a time of day; write it like 08:00:00.00")
    hour, minute, second, fraction = found.groups()
    try:
        moment = datetime.combine(day, time(int(hour), int(minute), int(second or 0)))
    except ValueError as exc:
        raise ValueError(f"{field}: {value!r} is not a time of day ({exc})") from None
    return hundredths(moment) + int((fraction or "0").ljust(2, "0"))


def _points(doc: Mapping[str, Any]) -> tuple[Point, ...]:
    return tuple(
        Point(str(p.get("name", "")), tuple(str(loc) for loc in p.get("locations", ())))
        for p in doc.get("points", ())
    )


def _course(raw: Mapping[str, Any]) -> Course:
    name = str(raw.get("name", ""))
    where = f"course {name!r}"
    splits = tuple(
        Split(str(s.get("point", "")), _metres(s.get("distance_m"), f"{where} split"))
        for s in raw.get("splits", ())
    )
    record = raw.get("record")
    closes = raw.get("start_closes")
    return Course(
        name=name,
        finish=str(raw.get("finish", "")),
        start=str(raw["start"]) if raw.get("start") else None,
        splits=splits,
        distance_m=_metres(raw.get("distance_m"), where),
        min_time=duration(raw.get("min_time", "0:01:00"), f"{where} minimum time"),
        rank_by=raw.get("rank_by") or None,
        record=None if record in (None, "") else duration(record, f"{where} record"),
        start_closes=None if closes in (None, "") else duration(closes, f"{where} start closes"),
    )


def _metres(value: Any, where: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        metres = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: the distance {value!r} is not a number of metres") from None
    if metres <= 0:
        raise ValueError(f"{where}: the distance must be positive")
    return metres


def _waves(doc: Mapping[str, Any], day: date) -> tuple[Wave, ...]:
    waves = []
    for raw in doc.get("waves", ()):
        name = str(raw.get("name", ""))
        gun = raw.get("gun")
        line = raw.get("gun_line")
        waves.append(
            Wave(
                name,
                None if gun in (None, "") else time_of_day(gun, f"wave {name!r} gun", day),
                None if line in (None, "") else int(line),
            )
        )
    return tuple(waves)


def _ranges(doc: Mapping[str, Any]) -> tuple[BibRange, ...]:
    found = []
    for raw in doc.get("wave_ranges", ()):
        try:
            first, last = int(raw["first"]), int(raw["last"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"bib range {raw!r}: give whole numbers 'first' and 'last'") from None
        found.append(BibRange(str(raw.get("wave", "")), first, last))
    return tuple(found)


def _age_groups(raw: Mapping[str, Any] | None) -> AgeGroups:
    scheme = (raw or {}).get("scheme", "five_year")
    if scheme == "five_year":
        return AgeGroups("bands", FIVE_YEAR_BANDS)
    if scheme == "file":
        return AgeGroups("file")
    if scheme == "bands":
        bands = []
        for band in (raw or {}).get("bands", ()):
            high = band.get("high")
            top = None if high in (None, "") else int(high)
            bands.append(Band(int(band["low"]), top, str(band.get("label", ""))))
        if not bands:
            raise ValueError("age groups: list at least one band, or choose five-year bands")
        return AgeGroups("bands", tuple(bands))
    raise ValueError(f"age groups: {scheme!r} is not a scheme; use five_year, bands or file")


def setup_from_document(doc: Mapping[str, Any], day: date) -> Setup:
    """The setup a document describes, for a session on `day`; ValueError says what is wrong."""
    try:
        race = doc.get("race_date")
        race_date = date.fromisoformat(race) if race else day
        window = doc.get("ignore_window")
        return Setup(
            courses=tuple(_course(c) for c in doc.get("courses", ())),
            points=_points(doc),
            waves=_waves(doc, day),
            wave_ranges=_ranges(doc),
            gun_location=doc.get("gun_location") or None,
            age_groups=_age_groups(doc.get("age_groups")),
            race_date=race_date,
            ignore_window=DEFAULT_IGNORE_WINDOW
            if window in (None, "")
            else duration(window, "ignore window"),
        )
    except (AttributeError, TypeError, KeyError) as exc:
        raise ValueError(f"the results setup is not shaped as expected ({exc})") from None


def document_of(setup: Setup) -> dict[str, Any]:
    """A document that `setup_from_document` turns back into `setup` (its day aside)."""
    return {
        "points": [{"name": p.name, "locations": list(p.locations)} for p in setup.points],
        "courses": [_course_document(c) for c in setup.courses],
        "waves": [
            {
                "name": w.name,
                "gun": None if w.gun is None else format_time_of_day(w.gun),
                "gun_line": w.gun_line,
            }
            for w in setup.waves
        ],
        "wave_ranges": [
            {"wave": r.wave, "first": r.first, "last": r.last} for r in setup.wave_ranges
        ],
        "gun_location": setup.gun_location,
        "age_groups": _age_groups_document(setup.age_groups),
        "race_date": setup.race_date.isoformat() if setup.race_date else None,
        "ignore_window": format_elapsed(setup.ignore_window),
    }


def _course_document(c: Course) -> dict[str, Any]:
    return {
        "name": c.name,
        "start": c.start,
        "finish": c.finish,
        "splits": [{"point": s.point, "distance_m": s.distance_m} for s in c.splits],
        "distance_m": c.distance_m,
        "min_time": format_elapsed(c.min_time if c.min_time is not None else DEFAULT_MIN_TIME),
        "rank_by": c.rank_by,
        "record": None if c.record is None else format_elapsed(c.record),
        "start_closes": None if c.start_closes is None else format_elapsed(c.start_closes),
    }


def _age_groups_document(groups: AgeGroups) -> dict[str, Any]:
    if groups.source == "file":
        return {"scheme": "file"}
    if groups.bands == FIVE_YEAR_BANDS:
        return {"scheme": "five_year"}
    return {
        "scheme": "bands",
        "bands": [{"low": b.low, "high": b.high, "label": b.label} for b in groups.bands],
    }


# ------------------------------------------------------------------------------- corrections
KINDS = (
    "manual_time",
    "status",
    "ignore_read",
    "change_wave",
    "change_course",
    "move_gun",
    "confirm",
    "close_course",
)


def correction_of(cid: int, kind: str, bib: str, payload: Mapping[str, Any]) -> Correction:
    """A stored correction row as the engine takes it."""
    p = payload
    match kind:
        case "manual_time":
            return ManualTime(cid, bib, str(p["point"]), int(p["time"]))
        case "status":
            return SetStatus(cid, bib, p["status"], str(p.get("reason", "")))
        case "ignore_read":
            whole = bool(p.get("whole_crossing", True))
            return IgnoreRead(cid, str(p["tag"]), str(p["location"]), int(p["time"]), whole)
        case "change_wave":
            return ChangeWave(cid, bib, str(p["wave"]))
        case "change_course":
            return ChangeCourse(cid, bib, str(p["course"]))
        case "move_gun":
            return MoveGun(cid, str(p["wave"]), int(p["time"]))
        case "confirm":
            return ConfirmResult(cid, bib)
        case "close_course":
            return CloseCourse(cid, str(p["course"]))
    raise ValueError(f"{kind!r} is not a kind of correction; kinds are {', '.join(KINDS)}")


def row_of(correction: Correction) -> tuple[str, str, dict[str, Any]]:
    """What a correction is stored as: (kind, bib or '', payload)."""
    match correction:
        case ManualTime():
            manual = {"point": correction.point, "time": correction.time}
            return "manual_time", correction.bib, manual
        case SetStatus():
            payload = {"status": correction.status, "reason": correction.reason}
            return "status", correction.bib, payload
        case IgnoreRead():
            c = correction
            ignored: dict[str, Any] = {"tag": c.tag, "location": c.location, "time": c.time}
            return "ignore_read", "", {**ignored, "whole_crossing": c.whole_crossing}
        case ChangeWave():
            return "change_wave", correction.bib, {"wave": correction.wave}
        case ChangeCourse():
            return "change_course", correction.bib, {"course": correction.course}
        case MoveGun():
            return "move_gun", "", {"wave": correction.wave, "time": correction.time}
        case ConfirmResult():
            return "confirm", correction.bib, {}
        case CloseCourse():
            return "close_course", "", {"course": correction.course}
    raise TypeError(f"not a correction: {correction!r}")
