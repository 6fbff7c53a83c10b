"""A plan as one SELECT over the curated views. The statement still goes through the guard
(p88.ask.guard) like any other: the grammar is trusted no more than an LLM."""

from __future__ import annotations

from p88.ask.builtin.plan import Plan

RESULT_COLUMNS = ("event, bib, name, gender, age, age_group, city, club, course, status, place, "
                  "time")  # fmt: skip
PARTICIPANT_COLUMNS = "event, bib, name, gender, age, city, state, club, course, wave"
RUNNER_COLUMNS = ("event, bib, name, course, status, place, gender_place, age_group_place, time, "
                  "chip_time, gun_time")  # fmt: skip
SPLIT_COLUMNS = "event, bib, name, course, split_number, point, elapsed, time_of_day"
READ_COLUMNS = "event, point, reads, tags, first_read, last_read"
EVENT_COLUMNS = "event, day, status, participants, finishers"

# A group column, and what orders its rows (events in date order, not alphabetically).
GROUP_ORDER = {"event": "min(day), event", "year": "year"}
COUNTED = {"ask_results": "runners", "ask_participants": "participants", "ask_events": "events"}


def to_sql(plan: Plan) -> str:
    return {
        "count": _count,
        "list": _list,
        "rank": _rank,
        "aggregate": _aggregate,
        "compare": _compare,
        "runner": _runner,
        "splits": _splits,
        "reads": _reads,
        "events": _events,
    }[plan.kind](plan)


def _where(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def _grouped(plan: Plan, measures: str) -> str:
    """SELECT <groups>, <measures> FROM view WHERE ... GROUP BY <groups> ORDER BY <groups>."""
    groups = ", ".join(plan.group_by)
    select = f"{groups}, {measures}" if groups else measures
    sql = f"SELECT {select} FROM {plan.view}{_where(plan.conditions)}"
    if groups:
        order = ", ".join(GROUP_ORDER.get(g, f"{g} NULLS LAST") for g in plan.group_by)
        sql += f" GROUP BY {groups} ORDER BY {order}"
    return sql


def _count(plan: Plan) -> str:
    counted = COUNTED.get(plan.view, "runners")
    sql = _grouped(plan, f"count(*) AS {counted}")
    if plan.most and plan.group_by:
        order = "DESC" if plan.most == "most" else "ASC"
        sql = sql[: sql.rindex(" ORDER BY ")]
        sql += f" ORDER BY {counted} {order} FETCH FIRST 1 ROWS WITH TIES"
    return sql


def _aggregate(plan: Plan) -> str:
    measures = []
    for name in plan.aggregates:
        if name == "average":
            measures.append(f"avg({plan.measure}) AS average_{plan.measure}")
        else:
            measures.append(f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {plan.measure}) "
                            f"AS median_{plan.measure}")  # fmt: skip
    if "status = 'finished'" not in plan.conditions:
        plan.conditions.append("status = 'finished'")
    return _grouped(plan, f"count(*) AS finishers, {', '.join(measures)}")


def _compare(plan: Plan) -> str:
    measures = (
        "count(*) AS runners, count(*) FILTER (WHERE status = 'finished') AS finishers, "
        f"min({plan.measure}) FILTER (WHERE status = 'finished') AS fastest_{plan.measure}, "
        f"avg({plan.measure}) FILTER (WHERE status = 'finished') AS average_{plan.measure}"
    )
    return _grouped(plan, measures)


def _list(plan: Plan) -> str:
    if plan.view == "ask_participants":
        return (f"SELECT {PARTICIPANT_COLUMNS} FROM ask_participants{_where(plan.conditions)} "
                "ORDER BY day, event, course, name, bib")  # fmt: skip
    return (f"SELECT {RESULT_COLUMNS} FROM ask_results{_where(plan.conditions)} "
            "ORDER BY day, event, course, place NULLS LAST, name, bib")  # fmt: skip


def _rank(plan: Plan) -> str:
    if plan.measure == "age":
        plan.measure = "time"  # 'the fastest ... by age': ranked by time all the same
    """Top N per event and course (and per group asked for), ranked over the runners the
    question selected: 'top 3 women' are ranked among women."""
    partition = ", ".join(["event_id", "course", *(g for g in plan.group_by
                                                    if g not in ("event", "course"))])  # fmt: skip
    direction = " DESC" if plan.slowest else ""
    extra = "".join(f"{g}, " for g in plan.group_by if g not in ("event", "course"))
    person = ", ".join(c for c in ("bib", "name", "gender", "age") if c not in plan.group_by)
    inner = (
        f"SELECT event_id, event, day, course, {extra}{person}, {plan.measure}, "
        f"rank() OVER (PARTITION BY {partition} ORDER BY {plan.measure}{direction}) AS rank "
        f"FROM ask_results{_where([*plan.conditions, 'place IS NOT NULL'])}"
    )
    return (
        f"SELECT event, course, {extra}rank, {person}, {plan.measure} "
        f"FROM ({inner}) AS ranked WHERE rank <= {int(plan.top)} "
        f"ORDER BY day, event, course, {extra}rank, name"
    )


def _runner(plan: Plan) -> str:
    return (f"SELECT {RUNNER_COLUMNS} FROM ask_results{_where(plan.conditions)} "
            "ORDER BY day, event, name, bib")  # fmt: skip


def _splits(plan: Plan) -> str:
    return (f"SELECT {SPLIT_COLUMNS} FROM ask_splits{_where(plan.conditions)} "
            "ORDER BY day, event, name, bib, split_number")  # fmt: skip


def _reads(plan: Plan) -> str:
    return (f"SELECT {READ_COLUMNS} FROM ask_reads{_where(plan.conditions)} "
            "ORDER BY day, event, point")  # fmt: skip


def _events(plan: Plan) -> str:
    sql = f"SELECT {EVENT_COLUMNS} FROM ask_events{_where(plan.conditions)}"
    if plan.latest:
        return sql + " ORDER BY day DESC, event LIMIT 1"
    return sql + " ORDER BY day, event"
