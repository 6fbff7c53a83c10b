"""`p88 results`: a timing session's results as a file (the results CSV or JSON, award lists).

The session is found by its event name (and company, and session id when the event has
several); its results come from the same results service the web pages use, built from what
is stored (reads, participants, gun times, setup, corrections).
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from p88.commands.common import config_option, load, run_reporting
from p88.config import Config
from p88.db.results import EventSession, event_sessions
from p88.live.results import NoResults, ResultsService, SessionResults
from p88.results.awards import AwardRules, award_lists, award_values, write_awards_csv
from p88.results.export import course_rows, json_rows, write_csv
from p88.results.model import Row


class ExportError(Exception):
    """Something the person running the command can fix; the message says how."""


@click.group()
def results() -> None:
    """Results of timing sessions."""


def _which(sessions: Sequence[EventSession], event: str, session_id: int | None) -> EventSession:
    if session_id is not None:
        sessions = [s for s in sessions if s.id == session_id]
    if len(sessions) == 1:
        return sessions[0]
    if not sessions:
        raise ExportError(
            f"no timing session of event {event!r} matches: check the name, the company and "
            "the session id (the Sessions page lists them)"
        )
    listed = "\n".join(
        f"  --session {s.id}  {s.partner_slug}, {s.day.isoformat()}, {s.name!r} ({s.status})"
        for s in sessions
    )
    raise ExportError(
        f"event {event!r} has {len(sessions)} timing sessions; choose one with --partner SLUG "
        f"or --session ID:\n{listed}"
    )


def _load(
    config: Config, event: str, partner: str | None, session_id: int | None
) -> SessionResults:
    from p88.db.database import open_database

    async def main() -> SessionResults:
        async with open_database(config, pool_size=2) as database:
            async with database.pool.acquire() as conn:
                found = await event_sessions(conn, event, partner)
            session = _which(found, event, session_id)
            try:
                return await ResultsService(database.pool).get(session.partner_id, session.id)
            except NoResults as exc:
                raise ExportError(f"no results for session {session.id}: {exc}") from None

    return run_reporting(main, (ExportError,))


def _rows(results: SessionResults, course: str | None) -> list[Row]:
    engine = results.engine
    if course is None:
        return engine.rows()
    names = [c.name for c in engine.setup.courses]
    if course not in names:
        raise click.ClickException(
            f"no course {course!r} in the setup; its courses: {', '.join(names)}"
        )
    return course_rows(engine.rows(), course)


def _tell(results: SessionResults) -> None:
    """What the person should know about these results, on stderr (the file stays clean)."""
    facts = results.facts
    if not results.saved:
        click.echo(
            f"note: session {facts.id} has no saved results setup; these results use the one "
            "suggested from its point names (save one on its Results setup page)",
            err=True,
        )
    problems = results.engine.problems()
    if problems:
        click.echo(f"note: {len(problems)} problem(s) to look at on the session's page:", err=True)
        for problem in problems[:5]:
            click.echo(f"  - {problem.message}", err=True)


def _write(output: Path | None, write: Callable[[io.StringIO], int]) -> int:
    text = io.StringIO()
    count = write(text)
    if output is None:
        sys.stdout.write(text.getvalue())
        sys.stdout.flush()
    else:
        output.write_text(text.getvalue(), encoding="utf-8", newline="")
    return count


def _json(out: io.StringIO, items: list[dict[str, Any]]) -> int:
    out.write(json.dumps(items, ensure_ascii=False, indent=1) + "\n")
    return len(items)


event_option = click.option("--event", required=True, help="The event name of the session.")
partner_option = click.option(
    "--partner", "partner_slug", default=None, help="The company (slug), when several have it."
)
session_option = click.option(
    "--session",
    "session_id",
    type=int,
    default=None,
    help="The session id, when there are several.",
)
course_option = click.option("--course", default=None, help="Only this course.")
format_option = click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
output_option = click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File (default: stdout).",
)


@results.command("export")
@config_option
@event_option
@partner_option
@session_option
@course_option
@format_option
@output_option
def results_export(
    config_path: Path | None,
    event: str,
    partner_slug: str | None,
    session_id: int | None,
    course: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """One row per participant (DNS included), in results order: the CSV's documented columns,
    or the same fields as JSON objects."""
    results = _load(load(config_path), event, partner_slug, session_id)
    rows, setup = _rows(results, course), results.engine.setup
    if fmt == "json":
        count = _write(output, lambda out: _json(out, json_rows(rows, setup)))
    else:
        count = _write(output, lambda out: write_csv(out, rows, setup))
    _tell(results)
    if output:
        click.echo(f"{count} runners written to {output}", err=True)


@results.command("awards")
@config_option
@event_option
@partner_option
@session_option
@click.option("--top", type=click.IntRange(1, 100), default=3, show_default=True,
              help="Awards per age group.")  # fmt: skip
@click.option("--overall", type=click.IntRange(0, 100), default=3, show_default=True,
              help="Overall awards per gender (0: none).")  # fmt: skip
@click.option("--overall-winners-in-age-groups", "keep_winners", is_flag=True,
              help="Overall winners may also take an age-group award.")  # fmt: skip
@format_option
@output_option
def results_awards(
    config_path: Path | None,
    event: str,
    partner_slug: str | None,
    session_id: int | None,
    top: int,
    overall: int,
    keep_winners: bool,
    fmt: str,
    output: Path | None,
) -> None:
    """Award lists: per course, the overall winners of each gender, then the top N of each age
    group (overall winners left out of the age groups unless told)."""
    results = _load(load(config_path), event, partner_slug, session_id)
    engine = results.engine
    awards = award_lists(engine.rows(), engine.setup, AwardRules(top, overall, not keep_winners))
    if fmt == "json":
        count = _write(output, lambda out: _json(out, [award_values(a) for a in awards]))
    else:
        count = _write(output, lambda out: write_awards_csv(out, awards))
    _tell(results)
    if output:
        click.echo(f"{count} awards written to {output}", err=True)
