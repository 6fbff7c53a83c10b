"""The curated views Ask may read (sql/0080_ask.sql), described for people and for an LLM.

A test compares these columns with the database's, so the descriptions cannot drift from the
views. Nothing else is readable by the ask role; the guard allows these names only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    meaning: str


@dataclass(frozen=True, slots=True)
class View:
    name: str
    meaning: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _cols(*specs: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(*spec) for spec in specs)


EVENT_COLUMNS = (
    ("event_id", "bigint", "the event (timing session) id"),
    ("event", "text", "event name, e.g. 'Shamrock Marathon 2025'"),
    ("day", "date", "race day"),
    ("year", "integer", "year of the race day"),
)

VIEWS: tuple[View, ...] = (
    View(
        "ask_events",
        "one row per event (a timing session: an event name on one day)",
        _cols(
            *EVENT_COLUMNS,
            ("status", "text", "'live' while timing goes on, 'ended' after"),
            ("participants", "bigint", "runners entered (participant list)"),
            ("finishers", "bigint", "runners with status 'finished'"),
        ),
    ),
    View(
        "ask_participants",
        "one row per runner entered in an event, from the participant list",
        _cols(
            *EVENT_COLUMNS,
            ("bib", "text", "bib number (text)"),
            ("name", "text", "first and last name"),
            ("first_name", "text", ""),
            ("last_name", "text", ""),
            ("gender", "text", "'M', 'F', 'X' or NULL"),
            ("age", "integer", "age on race day, or NULL"),
            ("age_group", "text", "age group from the participant list ('' if none)"),
            ("city", "text", "'' if unknown"),
            ("state", "text", "state or region, '' if unknown"),
            ("country", "text", "'' if unknown"),
            ("club", "text", "club or team, '' if none"),
            ("wave", "text", "start wave, '' if none"),
            ("course", "text", "course entered, e.g. 'Half Marathon'"),
            ("division", "text", "division, '' if none"),
        ),
    ),
    View(
        "ask_results",
        "one row per runner and event: the results engine's result (the official one)",
        _cols(
            *EVENT_COLUMNS,
            ("bib", "text", ""),
            ("name", "text", ""),
            ("course", "text", "course run, e.g. 'Marathon', 'Half Marathon', '10K'"),
            ("wave", "text", ""),
            ("gender", "text", "'M', 'F', 'X' or NULL"),
            ("age", "integer", "age on race day"),
            ("age_group", "text", "results age group, e.g. 'F35-39'"),
            ("division", "text", ""),
            ("city", "text", ""),
            ("state", "text", ""),
            ("country", "text", ""),
            ("club", "text", ""),
            ("status", "text", "'finished', 'running', 'dnf', 'dns' or 'dq'"),
            ("place", "bigint", "overall place in the course (NULL unless placed)"),
            ("gender_place", "bigint", "place among the course's runners of that gender"),
            ("age_group_place", "bigint", "place in the course's age group"),
            ("time", "interval", "official time (chip or gun, as the course ranks)"),
            ("chip_time", "interval", "finish minus the runner's own start"),
            ("gun_time", "interval", "finish minus the wave's gun"),
            ("start_time_of_day", "time", "when the runner crossed the start"),
            ("finish_time_of_day", "time", "when the runner crossed the finish"),
        ),
    ),
    View(
        "ask_splits",
        "one row per runner and intermediate timing point, in course order",
        _cols(
            ("event_id", "bigint", ""),
            ("event", "text", ""),
            ("day", "date", ""),
            ("bib", "text", ""),
            ("name", "text", ""),
            ("course", "text", ""),
            ("split_number", "integer", "1 for the first split of the course, 2 ..."),
            ("point", "text", "timing point name, e.g. 'HALF'"),
            ("elapsed", "interval", "time from the runner's start to this point"),
            ("time_of_day", "time", "when the runner passed the point"),
        ),
    ),
    View(
        "ask_reads",
        "one row per event and timing point: what the hardware read there",
        _cols(
            ("event_id", "bigint", ""),
            ("event", "text", ""),
            ("day", "date", ""),
            ("point", "text", "timing point (location) name"),
            ("reads", "bigint", "tag reads stored"),
            ("tags", "bigint", "distinct tags read"),
            ("first_read", "time", ""),
            ("last_read", "time", ""),
        ),
    ),
)

VIEW_NAMES = frozenset(view.name for view in VIEWS)
COLUMN_NAMES = frozenset(name for view in VIEWS for name in view.column_names)


def describe() -> str:
    """The views as text, for the LLM's instructions and the Ask page."""
    lines = []
    for view in VIEWS:
        lines.append(f"{view.name}: {view.meaning}")
        for column in view.columns:
            meaning = f" -- {column.meaning}" if column.meaning else ""
            lines.append(f"  {column.name} {column.type}{meaning}")
    return "\n".join(lines)
