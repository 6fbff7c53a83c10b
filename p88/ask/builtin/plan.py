"""From what the question said (slots) and what it named (matching) to a plan: which view,
which conditions, which grouping, what kind of answer, and the words that say so."""

from __future__ import annotations

from dataclasses import dataclass, field

from p88.ask.builtin.matching import Mention, Resolved
from p88.ask.builtin.slots import Range, Slots
from p88.ask.builtin.text import format_duration, sql_literal
from p88.ask.builtin.vocabulary import EventInfo, Vocabulary

STATUS_WORDS = {"finished": "finished", "dnf": "did not finish", "dns": "did not start",
                "dq": "disqualified", "running": "still on the course"}  # fmt: skip
GENDER_WORDS = {"F": "women", "M": "men", "X": "non-binary"}
RESULT_ONLY = ("time", "statuses", "started", "top", "winners")


class NotUnderstood(Exception):
    """The question cannot be answered without guessing; the message says what is missing."""


@dataclass(slots=True)
class Plan:
    kind: str  # count list rank aggregate compare runner splits reads events
    view: str
    conditions: list[str] = field(default_factory=list)
    group_by: list[str] = field(default_factory=list)
    aggregates: list[str] = field(default_factory=list)  # average, median
    measure: str = "time"
    top: int = 1
    slowest: bool = False
    latest: bool = False
    most: str | None = None  # 'most' | 'fewest': only the group(s) with the highest count
    understood: list[str] = field(default_factory=list)


def make_plan(slots: Slots, found: Resolved, runners: list[str], vocabulary: Vocabulary) -> Plan:
    if found.problems:
        raise NotUnderstood(_sentence("; ".join(found.problems)))
    if found.unknown_reason:
        raise NotUnderstood(_sentence(found.unknown_reason))
    if found.unknown:
        raise NotUnderstood(f'I do not know what "{" ".join(found.unknown)}" means here.')
    events = _event_scope(slots, found, vocabulary)
    plan = Plan(_kind(slots, found, runners, events), "ask_results", measure=slots.measure)
    plan.view = _view(plan.kind, slots)
    if plan.kind == "events" and "count" in slots.intents:
        plan.kind = "count"
    plan.understood.append(_event_words(found.mentions, events, slots))
    _conditions(plan, slots, found, runners, events)
    _grouping(plan, slots, found, events, vocabulary)
    plan.understood += slots.understood
    if slots.claim:
        plan.understood.append(
            f'the question names "{slots.claim}": Ask answers with your own company\'s '
            "data only, the company you are signed in for"
        )
    return plan


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _event_scope(slots: Slots, found: Resolved, vocabulary: Vocabulary) -> list[EventInfo] | None:
    named = [e for m in found.mentions for e in m.events]
    dated = bool(slots.years or slots.year_range or slots.months or slots.day)
    if not named and not dated and not slots.latest:
        return None
    scope = [e for e in (named or vocabulary.events) if _on_date(e, slots)]
    scope = list({e.id: e for e in scope}.values())
    if slots.latest and scope:
        scope = [max(scope, key=lambda e: (e.day, e.id))]
    if not scope:
        asked = " and ".join(f'"{" ".join(m.words)}"' for m in found.mentions) or "any event"
        editions = ", ".join(e.name for e in named) or "none"
        raise NotUnderstood(
            f"No event of yours matches {asked} on the date asked (events found: {editions})."
        )
    return sorted(scope, key=lambda e: (e.day, e.name, e.id))


def _on_date(event: EventInfo, slots: Slots) -> bool:
    if slots.day is not None and event.day != slots.day:
        return False
    if slots.years and event.day.year not in slots.years:
        return False
    if slots.months and event.day.month not in slots.months:
        return False
    span = slots.year_range
    return span is None or (
        (span.low is None or event.day.year >= span.low)
        and (span.high is None or event.day.year <= span.high)
    )


def _kind(slots: Slots, found: Resolved, runners: list[str], events: list[EventInfo] | None) -> str:
    intents = slots.intents
    about_runners = bool(runners or slots.bibs)
    if "splits" in intents:
        return "splits"
    if "reads" in intents:
        return "reads"
    if "compare" in intents:
        return "compare"
    if about_runners and not intents & {"count", "average", "median"} and slots.top is None:
        return "runner"
    if (slots.subject == "events" or "when" in intents) and not _about_runners(slots, found):
        return "events"
    if slots.top is not None or slots.winners:
        return "rank"
    if intents & {"average", "median"}:
        return "aggregate"
    if "count" in intents:
        return "count"
    if slots.group_by and slots.group_by != ["point"]:
        return "count"  # 'finishers by city'
    if slots.subject or _about_runners(slots, found) or events is not None:
        return "list"
    raise NotUnderstood("I could not tell what to count, list or compare.")


def _about_runners(slots: Slots, found: Resolved) -> bool:
    return bool(
        slots.genders or slots.age or slots.time or slots.statuses or slots.started
        or found.courses or found.places or found.clubs or found.wave or found.age_groups
        or slots.bibs
    )  # fmt: skip


def _view(kind: str, slots: Slots) -> str:
    if kind == "splits":
        return "ask_splits"
    if kind == "reads":
        return "ask_reads"
    if kind == "events":
        return "ask_events"
    uses_results = any(getattr(slots, name) for name in RESULT_ONLY) or slots.intents & {
        "average", "median", "compare"}  # fmt: skip
    if kind in ("list", "count") and slots.subject == "participants" and not uses_results:
        return "ask_participants"
    return "ask_results"


def _event_words(mentions: list[Mention], events: list[EventInfo] | None, slots: Slots) -> str:
    if events is None:
        return "all your events"
    names = ", ".join(e.name for e in events)
    if mentions:
        asked = " and ".join(f'"{" ".join(m.words)}"' for m in mentions)
        return f"events matching {asked}: {names}"
    return f"events: {names}"


def _in(column: str, values: list[str]) -> str:
    if len(values) == 1:
        return f"{column} = {sql_literal(values[0])}"
    return f"{column} IN ({', '.join(sql_literal(v) for v in values)})"


def _conditions(
    plan: Plan,
    slots: Slots,
    found: Resolved,
    runners: list[str],
    events: list[EventInfo] | None,
) -> None:
    add, said = plan.conditions.append, plan.understood.append
    if events is not None:
        ids = ", ".join(str(e.id) for e in events)
        add(f"event_id = {ids}" if len(events) == 1 else f"event_id IN ({ids})")
    if plan.view == "ask_events":
        _event_conditions(plan, slots)
        return
    if plan.view == "ask_reads":
        return
    if found.courses:
        add(_in("course", found.courses))
        said("course " + " or ".join(found.courses))
    if runners:
        add(_in("name", runners))
        said("runner " + " or ".join(runners))
    if slots.bibs:
        add(_in("bib", slots.bibs))
        said("bib " + " or ".join(slots.bibs))
    if plan.view == "ask_splits":
        return
    _runner_conditions(plan, slots, found)


def _runner_conditions(plan: Plan, slots: Slots, found: Resolved) -> None:
    add, said = plan.conditions.append, plan.understood.append
    if slots.genders:
        add(_in("gender", slots.genders))
        said(" and ".join(GENDER_WORDS[g] for g in slots.genders))
    if slots.age is not None:
        add(_range("age", slots.age))
    if found.age_groups:
        add(_in("age_group", found.age_groups))
        said("age group " + " or ".join(found.age_groups))
    if found.places:
        parts = [f"{kind} = {sql_literal(value)}" for kind, value in found.places]
        add(parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")")
        said("from " + " or ".join(value for _, value in found.places))
    if found.clubs:
        add(_in("club", found.clubs))
        said("club " + " or ".join(found.clubs))
    if found.wave:
        add(_in("wave", [found.wave]))
        said(f"wave {found.wave}")
    if plan.view == "ask_participants":
        return
    statuses = slots.statuses or (["finished"] if slots.time else [])
    if statuses:
        add(_in("status", statuses))
        said(" or ".join(STATUS_WORDS[s] for s in statuses))
    if slots.started:
        add("status <> 'dns'")
        said("started")
    if slots.time is not None:
        add(_time_condition(plan.measure, slots.time, slots.time_strict))
    if plan.measure not in ("time", "age"):
        said(plan.measure.replace("_", " "))


def _range(column: str, bounds: Range) -> str:
    if bounds.low is not None and bounds.low == bounds.high:
        return f"{column} = {bounds.low}"
    if bounds.low is not None and bounds.high is not None:
        return f"{column} BETWEEN {bounds.low} AND {bounds.high}"
    if bounds.low is not None:
        return f"{column} >= {bounds.low}"
    return f"{column} <= {bounds.high}"


def _time_condition(measure: str, bounds: Range, strict: tuple[bool, bool]) -> str:
    parts = []
    if bounds.low is not None:
        parts.append(f"{measure} {'>' if strict[0] else '>='} "
                     f"interval {sql_literal(format_duration(bounds.low))}")  # fmt: skip
    if bounds.high is not None:
        parts.append(f"{measure} {'<' if strict[1] else '<='} "
                     f"interval {sql_literal(format_duration(bounds.high))}")  # fmt: skip
    return " AND ".join(parts)


def _event_conditions(plan: Plan, slots: Slots) -> None:
    status = slots.event_status or ("ended" if "finished" in slots.statuses else None)
    if status is not None:
        plan.conditions.append(f"status = {sql_literal(status)}")
        plan.understood.append("timing now" if status == "live" else "over")
    plan.latest = slots.latest


def _grouping(
    plan: Plan,
    slots: Slots,
    found: Resolved,
    events: list[EventInfo] | None,
    vocabulary: Vocabulary,
) -> None:
    groups = list(slots.group_by)
    if "point" in groups:
        if plan.kind != "reads":
            raise NotUnderstood("Only reads can be counted per timing point.")
        groups.remove("point")
    editions = events is not None and len(events) > 1
    if plan.kind in ("count", "aggregate", "compare"):
        if plan.kind == "compare" or (editions and found.mentions):
            if len({e.day.year for e in events or ()}) > 1 and not found.mentions:
                key = "year"
            else:
                key = "event"
            if key not in groups and not {"event", "year"} & set(groups):
                groups.insert(0, key)
        if len(slots.genders) > 1 and "gender" not in groups:
            groups.append("gender")
        if plan.kind == "count" and len(slots.statuses) > 1 and "status" not in groups:
            groups.append("status")
    timed = plan.kind == "count" and slots.time is not None
    ids = [e.id for e in events] if events is not None else None
    several_courses = len(vocabulary.courses(ids)) > 1 and not found.courses
    several_courses = several_courses and plan.measure != "age"  # times differ by course
    by_course = plan.kind in ("aggregate", "compare") or timed
    if by_course and several_courses and "course" not in groups:
        groups.append("course")
    plan.group_by = groups
    if groups:
        plan.understood.append("by " + ", ".join(g.replace("_", " ") for g in groups))
    plan.aggregates = [a for a in ("average", "median") if a in slots.intents] or ["average"]
    if slots.most and plan.kind == "count" and groups:
        plan.most = slots.most
        plan.understood.append(f"the {slots.most}")
        for group in groups:  # 'no club' is not a club that had the most runners
            if group in ("club", "city", "state", "country", "wave", "age_group"):
                plan.conditions.append(f"{group} <> ''")
    if slots.top is not None or slots.winners:
        plan.top = slots.top or 1
        plan.slowest = slots.slowest
