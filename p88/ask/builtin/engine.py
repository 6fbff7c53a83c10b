"""The built-in engine: a question in plain words to one SELECT, deterministically, with what
it understood; or, when it would have to guess, the nearest questions it does understand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from p88.ask.builtin import filters, phrases
from p88.ask.builtin.matching import Resolved, asked_words, resolve, segments
from p88.ask.builtin.nearest import nearest, suggestions
from p88.ask.builtin.plan import NotUnderstood, Plan, make_plan
from p88.ask.builtin.slots import Extractor, Slots, Text
from p88.ask.builtin.sql import to_sql
from p88.ask.builtin.text import FILLER, normalize
from p88.ask.builtin.vocabulary import Vocabulary, load, runners_named
from p88.db.ask import AskConnection

# Order matters: a phrase taken by one is gone for the next ('under 3 hours' is a time before
# 'under 40' can be an age; a year before a bib number could be read as one).
EXTRACTORS: tuple[Extractor, ...] = (
    phrases.claims,
    filters.bibs,
    filters.times,
    filters.ages,
    filters.dates,
    phrases.ranks,
    phrases.grouping,
    filters.genders,
    filters.statuses,
    phrases.intents,
    phrases.subjects,
    phrases.places,
    phrases.runner_names,
)
IMPLICIT_NAME_SIMILARITY = 0.8  # leftover words taken for a runner's name only when this close


@dataclass(frozen=True, slots=True)
class Proposal:
    sql: str
    understood: list[str]
    chart: str | None  # 'bar' | 'line': a number per group or per year


@dataclass(slots=True)
class NotAnswerable(Exception):
    message: str
    suggestions: list[str] = field(default_factory=list)


def read(question: str, today: date) -> tuple[Text, Slots]:
    """The question's slots and the text they did not take (pure: no database)."""
    text, slots = Text(normalize(question)), Slots()
    for extract in EXTRACTORS:
        extract(text, slots, today)
    return text, slots


async def propose(question: str, conn: AskConnection, today: date) -> Proposal:
    """A statement answering `question` from the bound company's views, or NotAnswerable."""
    text, slots = read(question, today)
    parts = segments(text)
    vocabulary = await load(conn, asked_words(parts, slots))
    try:
        found, runners = await _names(conn, parts, slots, vocabulary)
        plan = make_plan(slots, found, runners, vocabulary)
    except NotUnderstood as exc:
        choices = suggestions(vocabulary, today)
        raise NotAnswerable(str(exc), nearest(question, choices)) from None
    return Proposal(to_sql(plan), [u for u in plan.understood if u], _chart(plan))


async def _names(
    conn: AskConnection, parts: list[list[str]], slots: Slots, vocabulary: Vocabulary
) -> tuple[Resolved, list[str]]:
    """The company's names in the question; a runner's name last, once nothing else fits."""
    runners: list[str] = []
    if slots.name_phrase:
        phrase = " ".join(w for w in slots.name_phrase.split() if w not in (";", ","))
        runners = await runners_named(conn, phrase) if _could_be_name(phrase) else []
        if not runners:
            parts = [*parts, phrase.split()]
    found = resolve(parts, slots, vocabulary)
    if found.unknown and not runners:
        phrase = " ".join(found.unknown)
        named = await runners_named(conn, phrase)
        if named and await _close(conn, phrase):
            runners, found.unknown = named, []
    return found, runners


def _could_be_name(phrase: str) -> bool:
    return any(w not in FILLER for w in phrase.split())


async def _close(conn: AskConnection, phrase: str) -> bool:
    from p88.db import ask as db

    rows = await db.runner_names(conn, phrase.lower(), IMPLICIT_NAME_SIMILARITY)
    return bool(rows)


def _chart(plan: Plan) -> str | None:
    if plan.kind not in ("count", "aggregate", "compare") or len(plan.group_by) != 1:
        return None
    return "line" if plan.group_by[0] in ("year",) else "bar"
