"""The timer's corrections as the corrections page takes and shows them: a posted form ->
a checked `Correction`, what it changes as it was before, and each in words.

Pure (no request, no database): the engine answers "is there such a bib, point, wave,
course?" so a correction that could do nothing is refused with a message saying why.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from p88.results.clock import format_time_of_day
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
from p88.results.document import time_of_day
from p88.results.engine import Engine
from p88.results.export import row_values
from p88.results.model import HELD_FASTER_THAN_RECORD

MAX_REASON = 500
STATUS_NAMES = {"dnf": "DNF", "dns": "DNS", "dq": "DQ"}
KIND_NAMES = {
    "manual_time": "Manual time",
    "status": "Status",
    "ignore_read": "Ignore a read",
    "change_wave": "Change wave",
    "change_course": "Change course",
    "move_gun": "Move gun",
    "confirm": "Confirm result",
    "close_course": "Close course",
}


def _bib(form: Mapping[str, str], engine: Engine) -> str:
    bib = form.get("bib", "").strip()
    if not bib:
        raise ValueError("give the runner's bib")
    if engine.runner(bib) is None:
        raise ValueError(f"bib {bib} is not in this event's participant list")
    return bib


def _point(form: Mapping[str, str], engine: Engine, bib: str) -> str:
    point = form.get("point", "").strip()
    runner = engine.runner(bib)
    course = runner.course if runner is not None else None
    if course is None:
        raise ValueError(f"bib {bib} runs no course of the setup: change their course first")
    if point not in course.point_names:
        points = ", ".join(course.point_names)
        raise ValueError(
            f"{point or 'no point'!r} is not a point of course {course.name} ({points})"
        )
    return point


def _wave(form: Mapping[str, str], engine: Engine) -> str:
    wave = form.get("wave", "").strip()
    if wave not in engine.guns.guns:
        waves = ", ".join(repr(name) for name in engine.guns.guns)
        raise ValueError(f"wave {wave!r} is not a wave of this race ({waves})")
    return wave


def _course(form: Mapping[str, str], engine: Engine) -> str:
    course = form.get("course", "").strip()
    if engine.setup.course(course) is None:
        names = ", ".join(c.name for c in engine.setup.courses)
        raise ValueError(f"{course or 'no course'!r} is not a course of the setup ({names})")
    return course


def _ignored_read(form: Mapping[str, str], engine: Engine, day: date) -> IgnoreRead:
    tag = form.get("tag", "").strip()
    if not tag:
        runner = engine.runner(_bib(form, engine))
        assert runner is not None  # _bib checked it
        tag = runner.entrant.tag
    location = form.get("location", "").strip()
    if not location:
        raise ValueError("give the location of the read to ignore")
    raw = form.get("at", "").strip()  # a listed read's own time, in hundredths
    if raw.isdigit() and len(raw) <= 15:
        time = int(raw)
    else:
        time = time_of_day(form.get("time", ""), "time", day)
    return IgnoreRead(0, tag, location, time, form.get("whole_crossing") == "yes")


def correction_from_form(form: Mapping[str, str], engine: Engine, day: date) -> Correction:
    """The correction a posted form asks for (id 0 until stored); ValueError says what is
    wrong with it."""
    kind = form.get("kind", "")
    reason = form.get("reason", "").strip()
    if len(reason) > MAX_REASON:
        raise ValueError(f"keep the reason under {MAX_REASON} characters")
    match kind:
        case "manual_time":
            bib = _bib(form, engine)
            point = _point(form, engine, bib)
            return ManualTime(0, bib, point, time_of_day(form.get("time", ""), "time", day))
        case "status":
            status = form.get("status", "")
            if status not in STATUS_NAMES:
                raise ValueError("choose DNF, DNS or DQ")
            return SetStatus(0, _bib(form, engine), status, reason)  # type: ignore[arg-type]
        case "ignore_read":
            return _ignored_read(form, engine, day)
        case "change_wave":
            return ChangeWave(0, _bib(form, engine), _wave(form, engine))
        case "change_course":
            return ChangeCourse(0, _bib(form, engine), _course(form, engine))
        case "move_gun":
            wave = _wave(form, engine)
            return MoveGun(0, wave, time_of_day(form.get("time", ""), "gun time", day))
        case "confirm":
            return ConfirmResult(0, _bib(form, engine))
        case "close_course":
            if form.get("confirm") != "yes":
                raise ValueError("tick the box: runners still out become DNF, never seen DNS")
            return CloseCourse(0, _course(form, engine))
    raise ValueError("choose what to correct")


# ------------------------------------------------------------------------------ before and after
def _clock(value: int | None) -> str:
    return "no time" if value is None else format_time_of_day(value)


def time_at(engine: Engine, bib: str, point: str) -> int | None:
    """The runner's time of day at a point of their course (None: not there yet)."""
    runner, result = engine.runner(bib), engine.result(bib)
    if runner is None or result is None or runner.course is None:
        return None
    if point == runner.course.start:
        return result.start
    if point == runner.course.finish:
        return result.finish
    return next((split.time for split in result.splits if split.point == point), None)


def owner_of(engine: Engine, tag: str) -> str | None:
    """The bib whose reads a tag's are (the first entrant with it)."""
    return next((e.bib for e in engine.entrants if e.tag == tag), None)


def _closing(engine: Engine, course: str) -> str:
    statuses = [r.status for r in engine.results() if r.course == course]
    return f"{statuses.count('running')} running, {statuses.count('dns')} never seen"


def _value_before(c: Correction, engine: Engine) -> str:
    match c:
        case MoveGun():
            return _clock(engine.guns.guns.get(c.wave))
        case CloseCourse():
            return _closing(engine, c.course)
        case IgnoreRead():
            bib = owner_of(engine, c.tag)
            point = engine.setup.point_of_location().get(c.location, c.location)
            return "no runner" if bib is None else f"{point} {_clock(time_at(engine, bib, point))}"
        case ManualTime():
            return f"{c.point} {_clock(time_at(engine, c.bib, c.point))}"
    result = engine.result(c.bib)
    assert result is not None  # the form checked the bib
    match c:
        case ChangeWave():
            return f"wave {result.wave or '(none)'}"
        case ChangeCourse():
            return f"course {result.course or '(none)'}"
        case ConfirmResult():
            return "held for review" if HELD_FASTER_THAN_RECORD in result.flags else result.status
    return result.status.upper() if result.status in STATUS_NAMES else result.status


def before_of(c: Correction, engine: Engine) -> dict[str, Any]:
    """What the correction changes, as it was: in words, and the runner's whole result."""
    before: dict[str, Any] = {"value": _value_before(c, engine)}
    bib = owner_of(engine, c.tag) if isinstance(c, IgnoreRead) else getattr(c, "bib", None)
    if bib is not None and engine.result(bib) is not None:
        before["bib"] = bib
        before["result"] = row_values(engine.row(bib), engine.setup.race_date)
    return before


def describe(kind: str, bib: str, payload: Mapping[str, Any]) -> str:
    """What a stored correction sets, in words (the "after" of the corrections list)."""
    p = payload
    match kind:
        case "manual_time":
            return f"{p['point']} {format_time_of_day(int(p['time']))} (manual)"
        case "status":
            return STATUS_NAMES.get(str(p["status"]), str(p["status"]))
        case "ignore_read":
            crossing = ", with its crossing" if p.get("whole_crossing", True) else " only"
            when = format_time_of_day(int(p["time"]))
            return f"read of tag {p['tag']} at {p['location']} {when} ignored{crossing}"
        case "change_wave":
            return f"wave {p['wave'] or '(none)'}"
        case "change_course":
            return f"course {p['course']}"
        case "move_gun":
            return f"gun of wave {p['wave'] or '(race)'} at {format_time_of_day(int(p['time']))}"
        case "confirm":
            return "confirmed, placed"
        case "close_course":
            return f"course {p['course']} closed: still out DNF, never seen DNS"
    return kind


def result_summary(values: Mapping[str, Any] | None) -> str:
    """A runner's result in a few words: `finished 0:49:58.00 (1st)`."""
    if not values:
        return ""
    time = values.get("chip_time") or values.get("gun_time")
    place = values.get("place_overall")
    parts = [str(values.get("status", "")), str(time or ""), f"place {place}" if place else ""]
    return " ".join(part for part in parts if part)
