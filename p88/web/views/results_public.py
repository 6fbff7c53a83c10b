"""Public results pages, /r/<token>: no sign-in, the token of published results is the key and
opens exactly that session's results. Unknown, malformed and unpublished tokens get the same
404 (too many from one address: 429 for a minute). Pages are rendered from the session's
results engine and kept as bytes (p88.web.published.pages); the front door serves them again
without Quart (p88.web.fast_pages). Their live socket is p88.web.push.results_public.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import trio
from quart import Blueprint, Response, render_template, request
from quart.typing import ResponseReturnValue

from p88.db.pool import DATABASE_DOWN_ERRORS
from p88.live.results import NoResults, SessionResults
from p88.results.standings import RankingKey
from p88.web.auth.headers import allow_framing
from p88.web.published.awards import MAX_TOP, course_awards
from p88.web.published.board import NO_COURSE, STATUSES, Board, Filters
from p88.web.published.histogram import CHART_H, CHART_W, histogram
from p88.web.published.pages import Page, accepts_gzip, etag_matches
from p88.web.published.publications import Publication
from p88.web.published.rows import GENDER_LABELS, STATUS_LABELS, row_view, split_views
from p88.web.services import services
from p88.web.views.timefmt import age

log = logging.getLogger(__name__)

bp = allow_framing(Blueprint("results_public", __name__))  # race sites may embed their results

PAGE_SIZE = 50
MAX_SEARCH = 100
NOT_PUBLISHED = (
    "There are no published results at this address. Check the link, or ask the race "
    "organiser: results are only shown once the timing company publishes them."
)
PREPARING = "These results are being prepared. Try again in a minute or two."
Render = Callable[[Publication, SessionResults], Awaitable[str | None]]


async def _message(message: str, status: int) -> Response:
    body = await render_template("results_public/message.html", message=message)
    response = Response(body, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _cache_key() -> tuple[str, str]:
    """The address exactly as the client sent it (what the front door matches), and scheme."""
    raw = request.scope.get("raw_path") or quote(request.path).encode("ascii")
    query = request.scope.get("query_string", b"")
    target = raw + (b"?" + query if query else b"")
    return target.decode("ascii", "replace"), request.scheme


async def _published(token: str) -> tuple[Publication, SessionResults] | Response:
    """The published results at `token`, or the page that says why there are none."""
    public, service = services().public_results, services().results
    address = str(request.remote_addr or "")
    if public.guard.blocked(address):
        return await _message("Too many wrong results links from this address: wait a minute.", 429)
    try:
        publication = await public.publications.find(services().pool, token)
        if publication is None:
            public.guard.fail(address)
            return await _message(NOT_PUBLISHED, 404)
        if service is None:
            return await _message("Results are not served by this server.", 503)
        return publication, await service.get(publication.partner_id, publication.session_id)
    except NoResults:
        return await _message(PREPARING, 503)
    except DATABASE_DOWN_ERRORS as exc:
        log.warning("a public results page waits for the database: %s", exc)
        return await _message(PREPARING, 503)


async def _page(token: str, render: Render) -> ResponseReturnValue:
    """A public page: from the cache while it is fresh, else rendered and kept."""
    found = await _published(token)
    if isinstance(found, Response):
        return found
    publication, results = found
    public = services().public_results
    key = _cache_key()
    page = public.pages.fresh(key, results.version)
    if page is None:
        async with public.rendering:
            page = public.pages.fresh(key, results.version)  # made while this one waited?
            if page is None:
                version, made_at = results.version, trio.current_time()
                body = await render(publication, results)
                if body is None:
                    return await _message("There is nothing at this address in these results.", 404)
                page = Page(
                    body.encode(), "text/html; charset=utf-8", publication, version, made_at
                )
                public.pages.put(key, page)
    gzipped = accepts_gzip(request.headers.get("Accept-Encoding", ""))
    payload, etag = page.variant(gzipped)
    headers = page.headers(gzipped)
    if etag_matches(request.headers.get("If-None-Match", ""), etag):
        del headers["Content-Type"]
        headers.pop("Content-Encoding", None)
        return Response(b"", status=304, headers=headers)
    return Response(payload, headers=headers)


def _common(
    publication: Publication, results: SessionResults, courses: tuple[str, ...] = ()
) -> dict[str, Any]:
    facts = results.facts
    changed = results.changed_at.astimezone(UTC)
    token = publication.token
    return {
        "token": token,
        "base": f"/r/{token}",
        "final": publication.final,
        "event": facts.event_name,
        "session_name": facts.name,
        "day": facts.day,
        "version": results.version,
        "changed_at": changed.isoformat(),
        "rendered_at": datetime.now(UTC).isoformat(),
        "updated": age(changed),
        "courses": courses or tuple(course.name for course in results.engine.setup.courses),
        "course_label": lambda course: course if course != NO_COURSE else "No course",
        "bib_href": lambda bib: f"/r/{token}/bib/{quote(bib, safe='')}",
        "gender_label": lambda gender: GENDER_LABELS.get(gender, gender),
    }


def _filters(board: Board) -> tuple[Filters, int]:
    args = request.args
    course = args.get("course", "")
    if course not in board.courses:
        course = board.courses[0] if board.courses else ""
    gender = args.get("gender", "")
    group = args.get("age_group", "")
    status = args.get("status", "")
    search = " ".join(args.get("q", "").split())[:MAX_SEARCH]
    filters = Filters(
        course,
        gender if gender in board.genders(course) else "",
        group if group in board.age_groups(course) else "",
        status if status in STATUSES else "",
        search,
    )
    page = args.get("page", "1")
    return filters, int(page) if page.isdigit() and len(page) < 7 else 1


def _query(filters: Filters, page: int) -> str:
    pairs = {
        "course": filters.course,
        "gender": filters.gender,
        "age_group": filters.age_group,
        "status": filters.status,
        "q": filters.search,
        "page": str(page) if page > 1 else "",
    }
    return urlencode({k: v for k, v in pairs.items() if v})


@bp.get("/r/<token>")
async def results_list(token: str) -> ResponseReturnValue:
    async def render(publication: Publication, results: SessionResults) -> str:
        boards = services().public_results.boards
        board = boards.of(results)
        filters, page = _filters(board)
        if filters.search:
            found = boards.search(results).find(filters.search)
            total = len(found)
            page = min(page, max(1, math.ceil(total / PAGE_SIZE)))
            first = (page - 1) * PAGE_SIZE
            shown = found[first : first + PAGE_SIZE]
        else:
            shown, total = board.page(filters, (page - 1) * PAGE_SIZE, PAGE_SIZE)
            if not shown and page > 1:  # past the end: the last page
                page = max(1, math.ceil(total / PAGE_SIZE))
                shown, total = board.page(filters, (page - 1) * PAGE_SIZE, PAGE_SIZE)
        now = results.now()
        rows = [row for bib in shown if (row := row_view(results.engine, bib, now)) is not None]
        return await render_template(
            "results_public/list.html",
            **_common(publication, results, board.courses),
            filters=filters,
            genders=board.genders(filters.course),
            age_groups=board.age_groups(filters.course),
            statuses=[(s, STATUS_LABELS[s]) for s in STATUSES],
            rows=rows,
            total=total,
            first=(page - 1) * PAGE_SIZE + 1,
            page=page,
            pages=max(1, math.ceil(total / PAGE_SIZE)),
            page_href=lambda n: "?" + _query(filters, n),
            active="list",
        )

    return await _page(token, render)


@bp.get("/r/<token>/bib/<bib>")
async def runner(token: str, bib: str) -> ResponseReturnValue:
    async def render(publication: Publication, results: SessionResults) -> str | None:
        row = row_view(results.engine, bib, results.now())
        if row is None:
            return None
        return await render_template(
            "results_public/runner.html",
            **_common(publication, results),
            row=row,
            splits=split_views(results.engine, bib),
            active="runner",
        )

    return await _page(token, render)


@bp.get("/r/<token>/awards")
async def awards(token: str) -> ResponseReturnValue:
    async def render(publication: Publication, results: SessionResults) -> str:
        raw_top = request.args.get("top", "3")
        top = min(MAX_TOP, max(1, int(raw_top))) if raw_top.isdigit() and len(raw_top) < 4 else 3
        exclude = request.args.get("exclude_overall", "1") != "0"
        now = results.now()
        common = _common(publication, results)
        lists = [
            course_awards(results.engine, course, now, top, exclude) for course in common["courses"]
        ]
        return await render_template(
            "results_public/awards.html",
            **common,
            lists=lists,
            top=top,
            exclude=exclude,
            max_top=MAX_TOP,
            active="awards",
        )

    return await _page(token, render)


@bp.get("/r/<token>/histogram")
async def finish_times(token: str) -> ResponseReturnValue:
    async def render(publication: Publication, results: SessionResults) -> str:
        common = _common(publication, results)
        charts = []
        for course in common["courses"]:
            ranking = results.engine.ranking(RankingKey(course, "overall", ""))
            times = [time for time, _ in ranking.placed] if ranking is not None else []
            charts.append((course, histogram(course, times)))
        return await render_template(
            "results_public/histogram.html",
            **common,
            charts=charts,
            chart_w=CHART_W,
            chart_h=CHART_H,
            active="histogram",
        )

    return await _page(token, render)
