"""`/api/v1/sessions/<id>/results` and `/api/v1/sessions/<id>/results/<bib>`: a session's
results from its engine (p88.live.results), the one ranker: a row per participant in results
order (courses in setup order; placed runners by place, then finishers without a place,
running, DNF, DQ, DNS), and one runner with places "of N", pace and splits.

A session without a usable results setup is a 409, not a 404: the session exists and the key
may read it, but its results cannot be computed until the timer sets them up.
"""

from __future__ import annotations

import json
from typing import Any, cast

from quart import Response

from p88.db.api_keys import READ
from p88.db.results import session_facts
from p88.live.results import NoResults, ResultsService, SessionResults
from p88.results.engine import Engine
from p88.results.model import Row
from p88.web.api.access import api_tenant, caller, needs
from p88.web.api.blueprint import api
from p88.web.api.openapi import also_answers, documented, lists, searches
from p88.web.api.output import single_answer
from p88.web.api.problems import ApiProblem, not_found
from p88.web.api.result_lists import (
    Memo,
    csv_writer,
    list_answer,
    results_listing,
    results_request,
    snapshots,
)
from p88.web.api.result_rows import RESULT_COLUMNS, result_row, runner_result
from p88.web.api.results_models import ResultsPage, RunnerResult
from p88.web.services import services

RESULTS = results_listing("results", RESULT_COLUMNS)
PLACE_FIELDS = ("place_overall", "place_gender", "place_age_group")
RESULTS_CSV = csv_writer(RESULT_COLUMNS, dict)


def results_service() -> ResultsService:
    found = services().results
    if found is None:
        raise ApiProblem(503, "unavailable", "This server does not compute results.")
    return found


async def own_results(session_id: int) -> SessionResults:
    """The key's session's results: 404 for a session of another company or event, 409 when
    the session has no results setup p88 can use."""
    who = caller()
    async with api_tenant() as conn:
        facts = await session_facts(conn, who.partner_id, session_id)
    if facts is None or who.event_name not in (None, facts.event_name):
        raise not_found("timing session")
    try:
        return await results_service().get(who.partner_id, session_id)
    except NoResults as exc:
        raise ApiProblem(
            409,
            "no-results",
            f"This session has no results yet: {exc}. Set up its results on the session's "
            "Results setup page (courses, start and finish points, waves), then ask again.",
        ) from None


@api.get("/v1/sessions/<int:session_id>/results")
@needs(READ)
@lists(RESULTS)
@searches("q")
@also_answers("409")
@documented(ResultsPage)
async def list_results(session_id: int) -> Response:
    """A session's results, one row per participant, in results order (course, then place;
    runners without a place after). `q` finds a bib or a name, as the public search does."""
    asked = results_request(RESULTS)
    results = await own_results(session_id)
    snapshot = await snapshots().of("results", results, _row)
    return list_answer(snapshot, asked, RESULTS_CSV)


@api.get("/v1/sessions/<int:session_id>/results/<bib>")
@needs(READ)
@also_answers("409")
@documented(RunnerResult)
async def get_runner_result(session_id: int, bib: str) -> Response:
    """One runner's result: times, status, places "of N" (and whether they may still change),
    pace, and each split with its time of day, elapsed time and pace."""
    results = await own_results(session_id)
    found = runner_result(results.engine, bib, results.now())
    if found is None:
        raise ApiProblem(404, "not-found", f"No bib {bib!r} in the results of this session.")
    return single_answer(json_text(found))


def _row(engine: Engine, row: Row, now: int, memo: Memo) -> dict[str, Any]:
    """A runner's row; the one made before while their result is the same object (formatting
    times is most of the cost), with the places as they are now."""
    bib, places = row.entrant.bib, row.places
    kept = memo.get(bib)
    if kept is None or kept[0] is not row.entrant or kept[1] is not row.result:
        shaped = result_row(engine, row)
    else:
        shaped = cast(dict[str, Any], kept[2])
        now_places = (places.overall, places.gender, places.age_group)
        if tuple(shaped[name] for name in PLACE_FIELDS) == now_places:
            return shaped
        shaped = {**shaped, **dict(zip(PLACE_FIELDS, now_places, strict=True))}
    memo[bib] = (row.entrant, row.result, shaped)
    return shaped


def json_text(document: object) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)
