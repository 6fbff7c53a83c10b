"""The company's own names a question is matched with: events (loosely, with pg_trgm), courses,
waves, age groups, places, clubs and runners. Read through the bound ask connection, so a
question can only ever match the asking company's names."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from p88.db import ask as db
from p88.db.ask import AskConnection

EVENT_WORD_SIMILARITY = 0.5  # shamrok ~ shamrock 0.55; rivr ~ river 0.38 is not enough
RUNNER_SIMILARITY = 0.6


@dataclass(frozen=True, slots=True)
class EventInfo:
    id: int
    name: str
    day: date
    status: str

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(w for w in _split(self.name) if w)


def _split(name: str) -> list[str]:
    return re.split(r"[^0-9a-z]+", name.lower())


@dataclass(slots=True)
class Vocabulary:
    events: list[EventInfo]
    # kind -> lower-case value -> the value as stored (course, wave, age_group, city, ...)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    courses_of: dict[int, set[str]] = field(default_factory=dict)
    # asked word -> word of an event name -> similarity
    similar: dict[str, dict[str, float]] = field(default_factory=dict)

    def event(self, event_id: int) -> EventInfo:
        return next(e for e in self.events if e.id == event_id)

    def courses(self, event_ids: list[int] | None) -> set[str]:
        ids = event_ids if event_ids is not None else list(self.courses_of)
        return {course for i in ids for course in self.courses_of.get(i, ())}


async def load(conn: AskConnection, asked_words: list[str]) -> Vocabulary:
    events = [EventInfo(*row) for row in await db.events(conn)]
    vocabulary = Vocabulary(events)
    values: dict[str, dict[str, str]] = defaultdict(dict)
    for kind, event_id, value in await db.named_values(conn):
        values[kind].setdefault(value.lower(), value)
        if kind == "course" and event_id is not None:
            vocabulary.courses_of.setdefault(event_id, set()).add(value)
    vocabulary.values = dict(values)
    if asked_words:
        for asked, known, score in await db.event_words(conn, asked_words, EVENT_WORD_SIMILARITY):
            vocabulary.similar.setdefault(asked, {})[known] = float(score)
    return vocabulary


async def runners_named(conn: AskConnection, phrase: str) -> list[str]:
    """The runners whose name `phrase` matches best (all of them when several tie)."""
    rows = await db.runner_names(conn, phrase.lower(), RUNNER_SIMILARITY)
    if not rows:
        return []
    best = max(float(score) for _, score in rows)
    return sorted(name for name, score in rows if float(score) >= best - 1e-6)
