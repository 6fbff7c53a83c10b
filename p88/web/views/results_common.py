"""What the results pages share: the session (another company's is a 404), the results
service, and each problem with a link to the page that fixes it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from quart import abort

from p88.db.accounts import role_rank
from p88.db.pool import Connection
from p88.db.results import SessionFacts, session_facts
from p88.live.results import NoResults, ResultsService, SessionResults
from p88.results.problems import Problem
from p88.web.auth import current_partner
from p88.web.services import services


def can_edit() -> bool:
    return role_rank(current_partner().role) >= role_rank("operator")


async def own_facts(conn: Connection, partner_id: int, session_id: int) -> SessionFacts:
    """The partner's session, or a 404 (another company's session does not exist for them)."""
    facts = await session_facts(conn, partner_id, session_id)
    if facts is None:
        abort(404)
    return facts


def results_service() -> ResultsService:
    found = services().results
    if found is None:
        raise RuntimeError("the results service is not running in this process")
    return found


async def session_results(partner_id: int, session_id: int) -> tuple[SessionResults | None, str]:
    """The session's results, or None and why not (no usable setup: it says what to do)."""
    try:
        return await results_service().get(partner_id, session_id), ""
    except NoResults as exc:
        return None, str(exc)


# Where each kind of problem is fixed: the setup, the corrections or the participant file.
SETUP_KINDS = frozenset(
    {"no-course", "no-wave", "unknown-wave", "wave-without-gun", "unassigned-gun-line"}
)
PARTICIPANT_KINDS = frozenset({"duplicate-bib", "duplicate-tag", "unknown-tag"})


@dataclass(frozen=True, slots=True)
class ProblemView:
    kind: str
    message: str
    fix_url: str
    fix_label: str
    bibs: tuple[str, ...]


def problem_view(problem: Problem, session_id: int, event_name: str) -> ProblemView:
    base = f"/sessions/{session_id}/results"
    if problem.kind in SETUP_KINDS:
        url, label = f"{base}/setup", "Results setup"
    elif problem.kind in PARTICIPANT_KINDS:
        url, label = "/participants?" + urlencode({"event": event_name}), "Participants"
    elif len(problem.bibs) == 1:
        url = f"{base}/corrections?" + urlencode({"bib": problem.bibs[0]})
        label = f"Correct bib {problem.bibs[0]}"
    else:
        url, label = f"{base}/corrections", "Corrections"
    return ProblemView(problem.kind, problem.message, url, label, problem.bibs)


def problem_views(results: SessionResults) -> list[ProblemView]:
    facts = results.facts
    return [problem_view(p, facts.id, facts.event_name) for p in results.engine.problems()]
