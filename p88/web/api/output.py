"""Answers of the data API's lists: a JSON page with its `next` link, or CSV/NDJSON (one page
with a `Link: rel="next"` header, or with no `limit` every row, streamed).

PostgreSQL writes the rows (JSON by row_to_json, CSV by COPY; p88.db.api_rows): no Python runs
per row, which is what lets a mirror of reads pass 50,000 rows/s. A stream reads its rows in
keyset chunks, each in a short transaction of its own, so memory stays bounded by one chunk
and no connection is held while the client reads.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from quart import Response, request
from werkzeug.http import parse_etags

from p88.db.api_query import Listing, Page
from p88.db.api_rows import csv_rows, json_rows
from p88.db.pool import Pool
from p88.db.tenancy import tenant_transaction
from p88.web.api.access import api_tenant, caller
from p88.web.api.params import FORMATS, BadParameter, ListRequest, choose_format, encode_next
from p88.web.api.problems import bad_parameter
from p88.web.api.requests import accepted_types
from p88.web.services import services

STREAM_CHUNK = 10_000  # rows per query of a streamed answer
NO_STORE = "private, no-cache"


def next_link(after: int | str) -> str:
    """This request's address continuing after `after` (its other parameters kept)."""
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("next", "since")]
    return f"{request.path}?{urlencode([*kept, ('next', encode_next(after))])}"


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = NO_STORE
    response.headers["Vary"] = "Authorization, Accept"
    return response


def finish(body: str, content_type: str, headers: dict[str, str] | None = None) -> Response:
    """A whole answer with its ETag, or a 304 when the client holds it already."""
    data = body.encode()
    etag = hashlib.sha256(data).hexdigest()[:32]
    wanted = request.headers.get("If-None-Match")
    if wanted and parse_etags(wanted).contains(etag):
        response = Response(b"", status=304)
    else:
        response = Response(data, content_type=content_type)
    response.headers.update(headers or {})
    response.headers["ETag"] = f'"{etag}"'
    return _private(response)


def json_page(data: str, next_url: str | None) -> Response:
    """`data` is a JSON array's inside (rows separated by commas), written by PostgreSQL."""
    return finish(f'{{"data":[{data}],"next":{json.dumps(next_url)}}}', "application/json")


def single_answer(body: str) -> Response:
    """One object, written by PostgreSQL (a listing's row)."""
    return finish(body, "application/json")


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _plain(value: Any) -> Any:
    return utc_text(value) if isinstance(value, datetime) else value


def small_list_answer(
    rows: list[dict[str, Any]],
    format_: str | None,
    flat: Callable[[dict[str, Any]], dict[str, Any]],
) -> Response:
    """A list that always fits one answer (a session's points), written here in Python; CSV
    has the columns `flat` makes of each row."""
    try:
        chosen = choose_format(format_, accepted_types())
    except BadParameter as error:
        raise bad_parameter(error) from None
    plain = [{k: _plain(v) for k, v in row.items()} for row in rows]
    if chosen == "json":
        body = json.dumps({"data": plain, "next": None}, separators=(",", ":"))
    elif chosen == "ndjson":
        body = "".join(json.dumps(row, separators=(",", ":")) + "\n" for row in plain)
    else:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        flats = [flat(row) for row in plain]
        writer.writerow(flats[0] if flats else flat({}))
        for row in flats:
            writer.writerow([_csv_value(value) for value in row.values()])
        body = out.getvalue()
    return finish(body, content_type_of(chosen))


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    return value


def fixed_args(*more: object) -> list[object]:
    """The base query's parameters: $1 the key's company, $2 its event (NULL: any), then more."""
    who = caller()
    return [who.partner_id, who.event_name, *more]


async def list_answer(listing: Listing, wanted: ListRequest, fixed: Sequence[Any]) -> Response:
    """The answer to a list request, in the format it asked for."""
    if wanted.streamed:
        return _streamed(listing, wanted, fixed)
    page = wanted.page
    async with api_tenant() as conn:
        if wanted.format == "csv":
            rows = await csv_rows(conn, listing, page, fixed)
        else:
            separator = "," if wanted.format == "json" else "\n"
            rows = await json_rows(conn, listing, page, fixed, separator)
    more = page.limit is not None and rows.count == page.limit and rows.last is not None
    link = next_link(rows.last) if more and rows.last is not None else None
    if wanted.format == "json":
        assert isinstance(rows.body, str)
        return json_page(rows.body, link)
    if wanted.format == "csv":
        assert isinstance(rows.body, bytes)
        body = csv_header(listing) + rows.body.decode()
    else:
        assert isinstance(rows.body, str)
        body = rows.body + "\n" if rows.count else ""
    headers = {"Link": f'<{link}>; rel="next"'} if link else {}
    return finish(body, content_type_of(wanted.format), headers)


def content_type_of(format_: str) -> str:
    media = FORMATS[format_]
    return f"{media}; charset=utf-8" if format_ == "csv" else media


def csv_header(listing: Listing) -> str:
    return ",".join(c.name for c in listing.columns) + "\n"


def _streamed(listing: Listing, wanted: ListRequest, fixed: Sequence[Any]) -> Response:
    rows = stream_rows(services().pool, caller().partner_id, listing, wanted, list(fixed))
    return streamed_response(rows, wanted.format)


def streamed_response(chunks: AsyncIterator[bytes], format_: str) -> Response:
    """Every row, as the chunks come (no ETag: the body is not known before it is sent)."""
    response = Response(chunks, content_type=content_type_of(format_))
    response.timeout = None  # bounded by the rows, not by Quart's 60 s default
    return _private(response)


async def stream_rows(
    pool: Pool,
    partner_id: int,
    listing: Listing,
    wanted: ListRequest,
    fixed: list[Any],
    chunk: int = STREAM_CHUNK,
) -> AsyncIterator[bytes]:
    """Every row of the request as CSV or NDJSON, a keyset chunk at a time."""
    after = wanted.page.after
    if wanted.format == "csv":
        yield csv_header(listing).encode()
    while True:
        page = Page(wanted.page.filters, after, chunk)
        async with tenant_transaction(pool, partner_id) as conn:
            if wanted.format == "csv":
                rows = await csv_rows(conn, listing, page, fixed)
                data = rows.body if isinstance(rows.body, bytes) else b""
            else:
                rows = await json_rows(conn, listing, page, fixed, "\n")
                data = (str(rows.body) + "\n").encode() if rows.count else b""
        if data:
            yield data
        if rows.count < chunk or rows.last is None:
            return
        after = rows.last
