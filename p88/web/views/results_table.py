"""Results of a timing session for the timer: the table by course with filters (gender, age
group, status, bib or name), places, chip and gun times and flags, the problems to fix; the
results file (CSV with the documented header, or JSON objects) and the award lists.

Viewers look and download. Everything comes from the session's results engine
(p88.live.results), the only thing that ranks runners.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from itertools import groupby
from typing import Any

from quart import Blueprint, Response, render_template, request

from p88.live.results import SessionResults
from p88.results.awards import AwardRules, award_lists, award_values, write_awards_csv
from p88.results.clock import format_elapsed, format_time_of_day
from p88.results.export import course_rows, json_rows, results_order, write_csv
from p88.results.model import STATUSES, Row
from p88.web.auth import current_partner, require_role
from p88.web.tenant import tenant
from p88.web.views.results_common import can_edit, own_facts, problem_views, session_results

bp = Blueprint("results_table", __name__)

PAGE_ROWS = 500
FORMATS = ("csv", "json")


def _elapsed(value: int | None) -> str:
    return "" if value is None else format_elapsed(value)


def _tod(value: int | None) -> str:
    return "" if value is None else format_time_of_day(value)


def _filtered(rows: Sequence[Row], args: Any) -> list[Row]:
    gender, group, status = (
        args.get("gender", ""),
        args.get("age_group", ""),
        args.get("status", ""),
    )
    search = args.get("q", "").strip().lower()[:100]
    return [
        row
        for row in rows
        if (not gender or row.result.gender == gender)
        and (not group or row.result.age_group == group)
        and (not status or row.result.status == status)
        and (not search or search == row.entrant.bib.lower() or search in row.entrant.name.lower())
    ]


def _page_number(raw: str) -> int:
    return int(raw) if raw.isdigit() and 0 < len(raw) < 7 and int(raw) > 0 else 1


async def _session(session_id: int) -> tuple[Any, SessionResults | None, str]:
    partner = current_partner()
    async with tenant() as conn:
        facts = await own_facts(conn, partner.id, session_id)
    results, why = await session_results(partner.id, session_id)
    return facts, results, why


def _course_choice(results: SessionResults) -> tuple[str, str]:
    """The course asked for ("" = all) and a message when there is no such course."""
    course = request.args.get("course", "")[:64]
    names = [c.name for c in results.engine.setup.courses]
    if course and course not in names:
        return "", f"There is no course {course!r} in the setup ({', '.join(names)})."
    return course, ""


@bp.get("/sessions/<int:session_id>/results")
@require_role("viewer")
async def results_page(session_id: int) -> tuple[str, int]:
    facts, results, why = await _session(session_id)
    context: dict[str, Any] = {"facts": facts, "why": why, "can_edit": can_edit()}
    if results is not None:
        course, flash = _course_choice(results)
        engine = results.engine
        ordered = results_order(engine.rows(), engine.setup)
        chosen = course_rows(ordered, course) if course else ordered
        shown = _filtered(chosen, request.args)
        page = _page_number(request.args.get("page", ""))
        context.update(
            results=results,
            course=course,
            rows=shown[(page - 1) * PAGE_ROWS : page * PAGE_ROWS],
            total=len(shown),
            page=page,
            pages=max(1, -(-len(shown) // PAGE_ROWS)),
            divisions=any(r.entrant.division for r in chosen),
            genders=sorted({r.result.gender for r in chosen if r.result.gender}),
            age_groups=sorted({r.result.age_group for r in chosen if r.result.age_group}),
            statuses=STATUSES,
            args=request.args,
            problems=problem_views(results),
            flash=flash,
            flash_kind="warn",
        )
    body = await render_template("results/table.html", elapsed=_elapsed, tod=_tod, **context)
    return body, 200


def _file_name(facts: Any, what: str, fmt: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", f"{facts.event_name} {facts.day.isoformat()}").strip("-")
    return f"{stem or 'results'}-{what}.{fmt}"


def _download(text: str, fmt: str, name: str) -> Response:
    kind = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    response = Response(text, content_type=kind)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


async def _unavailable(facts: Any, message: str, status: int) -> tuple[str, int]:
    body = await render_template(
        "results/table.html",
        facts=facts,
        why=message,
        can_edit=can_edit(),
        elapsed=_elapsed,
        tod=_tod,
    )
    return body, status


@bp.get("/sessions/<int:session_id>/results/export")
@require_role("viewer")
async def results_export(session_id: int) -> Response | tuple[str, int]:
    facts, results, why = await _session(session_id)
    if results is None:
        return await _unavailable(facts, why, 409)
    fmt = request.args.get("format", "csv")
    if fmt not in FORMATS:
        return await _unavailable(facts, f"Export as csv or json, not {fmt[:20]!r}.", 400)
    course, bad = _course_choice(results)
    if bad:
        return await _unavailable(facts, bad, 400)
    engine = results.engine
    rows = course_rows(engine.rows(), course) if course else engine.rows()
    if fmt == "json":
        text = json.dumps(json_rows(rows, engine.setup), ensure_ascii=False, indent=1)
    else:
        out = io.StringIO()
        write_csv(out, rows, engine.setup)
        text = out.getvalue()
    what = f"results-{course}" if course else "results"
    return _download(text, fmt, _file_name(facts, what, fmt))


def _rules(args: Any) -> AwardRules:
    """The award rules asked for; ValueError names what is wrong."""

    def number(name: str, default: int) -> int:
        raw = args.get(name, "").strip()
        if not raw:
            return default
        if not raw.isdigit() or len(raw) > 3:
            raise ValueError(f"{name}: {raw[:20]!r} is not a whole number")
        return int(raw)

    exclude = args.get("exclude_overall") == "yes" if args.get("sent") else True
    return AwardRules(number("top", 3), number("overall", 3), exclude)


@bp.get("/sessions/<int:session_id>/results/awards")
@require_role("viewer")
async def results_awards(session_id: int) -> Response | tuple[str, int]:
    facts, results, why = await _session(session_id)
    fmt = request.args.get("format", "html")
    try:
        rules = _rules(request.args)
    except ValueError as exc:
        rules, why = AwardRules(), f"Award lists: {exc}."
    if results is None or why:
        body = await render_template(
            "results/awards.html", facts=facts, why=why, rules=rules, awards=[], elapsed=_elapsed
        )
        return body, 409 if results is None else 400
    awards = award_lists(results.engine.rows(), results.engine.setup, rules)
    if fmt == "csv":
        out = io.StringIO()
        write_awards_csv(out, awards)
        return _download(out.getvalue(), "csv", _file_name(facts, "awards", "csv"))
    if fmt == "json":
        text = json.dumps([award_values(a) for a in awards], ensure_ascii=False, indent=1)
        return _download(text, "json", _file_name(facts, "awards", "json"))
    grouped = [
        (course, [(name, list(group)) for name, group in groupby(items, lambda a: a.award)])
        for course, items in groupby(awards, lambda a: a.course)
    ]
    body = await render_template(
        "results/awards.html", facts=facts, why="", rules=rules, awards=grouped, elapsed=_elapsed
    )
    return body, 200
