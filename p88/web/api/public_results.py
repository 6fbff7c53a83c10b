"""`/api/v1/public/<token>/results[/<bib>]`: published results without a key, exactly what the
public pages (/r/<token>) show, as data: the same rows, the same runner, the same token. An
unknown, malformed or withdrawn token is a 404; too many wrong ones from one address, a 429
for a minute (the pages' own guard)."""

from __future__ import annotations

from typing import Any

from quart import Response, request

from p88.db.pool import DATABASE_DOWN_ERRORS
from p88.live.results import NoResults, SessionResults
from p88.results.engine import Engine
from p88.results.model import Row
from p88.web.api.blueprint import api
from p88.web.api.openapi import documented, lists, public, searches
from p88.web.api.output import single_answer
from p88.web.api.problems import ApiProblem
from p88.web.api.result_lists import (
    Memo,
    csv_writer,
    list_answer,
    results_listing,
    results_request,
    snapshots,
)
from p88.web.api.result_rows import PUBLIC_COLUMNS, flat_public, public_of, public_runner
from p88.web.api.results import json_text
from p88.web.api.results_models import PublicResultsPage, PublicRunner
from p88.web.published.rows import row_view
from p88.web.services import services

PUBLIC_RESULTS = results_listing("published results", PUBLIC_COLUMNS)
PUBLIC_CSV = csv_writer(PUBLIC_COLUMNS, flat_public)
NOT_PUBLISHED = (
    "There are no published results at this address: check the link. Results are readable "
    "here once the timing company publishes them."
)


async def published(token: str) -> SessionResults:
    public_results, service = services().public_results, services().results
    address = str(request.remote_addr or "")
    if public_results.guard.blocked(address):
        raise ApiProblem(
            429,
            "too-many-wrong-links",
            "Too many unknown results links from this address: wait a minute.",
            headers={"Retry-After": "60"},
        )
    try:
        publication = await public_results.publications.find(services().pool, token)
        if publication is None:
            public_results.guard.fail(address)
            raise ApiProblem(404, "not-found", NOT_PUBLISHED)
        if service is None:
            raise ApiProblem(503, "unavailable", "This server does not serve results.")
        return await service.get(publication.partner_id, publication.session_id)
    except NoResults:
        raise _preparing() from None
    except DATABASE_DOWN_ERRORS:
        raise _preparing() from None


def _preparing() -> ApiProblem:
    return ApiProblem(
        503,
        "unavailable",
        "These results are being prepared: try again in a minute.",
        headers={"Retry-After": "60"},
    )


def _public_row(engine: Engine, row: Row, now: int, memo: Memo) -> dict[str, Any]:
    view = row_view(engine, row.entrant.bib, now)
    assert view is not None, "a row of the engine's own field"
    return public_of(view)


@api.get("/v1/public/<token>/results")
@public
@lists(PUBLIC_RESULTS)
@searches("q")
@documented(PublicResultsPage)
async def public_results_list(token: str) -> Response:
    """Published results, as the public results pages list them (no key needed): one row per
    participant in results order; filters, `q` search, pages and formats as the other lists."""
    asked = results_request(PUBLIC_RESULTS)
    results = await published(token)
    snapshot = await snapshots().of("public", results, _public_row, timed=True)
    return list_answer(snapshot, asked, PUBLIC_CSV)


@api.get("/v1/public/<token>/results/<bib>")
@public
@documented(PublicRunner)
async def public_runner_result(token: str, bib: str) -> Response:
    """One runner of published results, as their public page shows them (no key needed)."""
    results = await published(token)
    found = public_runner(results.engine, bib, results.now())
    if found is None:
        raise ApiProblem(404, "not-found", f"No bib {bib!r} in these results.")
    return single_answer(json_text(found))
