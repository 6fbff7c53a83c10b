"""Lists over a session's results, which live in its engine (memory), not in SQL: the same
query parameters, keyset pages and formats as the SQL lists (p88.web.api.params, output),
applied in Python to a snapshot of the rows in results order (p88.results.export.order_key).

A snapshot is made at most once per COALESCE_SECONDS while the results change (public rows
also every MAX_AGE_SECONDS, as places become final with time alone), so a busy race costs one
pass over its runners a second however many clients page through it; a runner whose result
did not change keeps the row (and JSON) made before, with their places looked at again.
The `next` token holds the last row's sort key: a page continues after that place in the
order even if rows moved meanwhile.
"""

from __future__ import annotations

import csv
import io
import json
import re
from bisect import bisect_right
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import trio
import trio.lowlevel
from quart import Response, current_app, request

from p88.db.api_query import TEXT, Column, Filter, Listing
from p88.live.results import SessionResults
from p88.results.engine import NO_PLACES, Engine
from p88.results.export import OrderKey, order_key, text
from p88.results.model import Places, Row
from p88.results.runners import unique_entrants
from p88.web.api.output import content_type_of, finish, json_page, next_link, streamed_response
from p88.web.api.params import BadParameter, ListRequest, parse_list_request
from p88.web.api.problems import bad_parameter
from p88.web.api.requests import accepted_types
from p88.web.published.pages import COALESCE_SECONDS, MAX_AGE_SECONDS

FILTERS = ("course", "gender", "age_group", "status", "wave", "bib", "name")
SEARCH = "q"  # a name or bib, as the public pages' search box
MAX_SEARCH = 100
STREAM_CHUNK = 1000  # rows per chunk of a streamed answer
MAX_KEPT = 16  # snapshots kept (a 30,000-runner one holds ~40 MB with its JSON)
# engine, row, now (hundredths), and what the shape kept from the snapshot before (by bib)
Memo = dict[str, Any]
Shape = Callable[[Engine, Row, int, Memo], dict[str, Any]]
CsvOf = Callable[[list[dict[str, Any]], bool], str]  # rows, with the header line or not
PLACE_OF_KIND = {"overall": 0, "gender": 1, "age_group": 2}


def results_listing(name: str, columns: Sequence[str]) -> Listing:
    """A listing for the parameters only (no SQL runs): filters on FILTERS, the key text."""
    return Listing(name, "", tuple(Column(c, TEXT) for c in columns), "bib", frozenset(FILTERS))


@dataclass(slots=True, eq=False)
class Snapshot:
    engine: Engine
    version: int
    made_at: float
    keys: list[OrderKey]  # ascending
    rows: list[dict[str, Any]]  # never changed: a new snapshot makes new dicts
    memo: Memo
    texts: list[str | None]  # each row's JSON, written when first sent

    def text(self, index: int) -> str:
        found = self.texts[index]
        if found is None:
            found = self.texts[index] = _dumps(self.rows[index])
        return found


def all_places(engine: Engine) -> dict[str, Places]:
    """Every placed runner's places, from one walk of each ranking (a place is 1 + the number
    strictly faster: `Ranking.place`, without a bisect per runner)."""
    found: dict[str, list[int | None]] = {}
    for key, ranking in engine.rankings().items():
        which = PLACE_OF_KIND[key.kind]
        place, previous = 0, None
        for n, (time, bib) in enumerate(ranking.placed, 1):
            if time != previous:
                place, previous = n, time
            found.setdefault(bib, [None, None, None])[which] = place
    return {bib: Places(*places) for bib, places in found.items()}


def snapshot_of(results: SessionResults, shape: Shape, before: Snapshot | None) -> Snapshot:
    """The rows in results order. What `before` (of the same engine) shaped is reused for the
    runners whose result is the same object: only their places are looked at again."""
    engine = results.engine
    same = before is not None and before.engine is engine
    memo: Memo = before.memo if before is not None and same else {}
    places = all_places(engine)
    by_bib, _ = unique_entrants(engine.entrants)
    rows = [
        Row(entrant, result, places.get(bib, NO_PLACES))
        for bib, entrant in by_bib.items()
        if (result := engine.result(bib)) is not None
    ]
    key = order_key(engine.setup)
    ordered = sorted(((key(row), row) for row in rows), key=itemgetter(0))
    now = results.now()
    shaped = [shape(engine, row, now, memo) for _, row in ordered]
    written: dict[int, str] = {}
    if before is not None and same:  # `before` keeps its rows alive: their ids are theirs
        written = {id(r): t for r, t in zip(before.rows, before.texts, strict=True) if t}
    return Snapshot(
        engine,
        results.version,
        trio.current_time(),
        [k for k, _ in ordered],
        shaped,
        memo,
        [written.get(id(row)) for row in shaped],
    )


class Snapshots:
    """The current snapshot of each (kind of list, session) asked for."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, int], Snapshot] = {}
        self._stale: set[tuple[str, int]] = set()
        self._making = trio.Lock()  # one pass over a field at a time, not one per request

    async def of(
        self, kind: str, results: SessionResults, shape: Shape, timed: bool = False
    ) -> Snapshot:
        """`timed`: the rows change with time alone (provisional places), so a snapshot is
        made again after MAX_AGE_SECONDS even if the results have not changed."""
        key = (kind, results.facts.id)
        found = self._fresh(key, results, timed)
        if found is None:
            async with self._making:
                found = self._fresh(key, results, timed)
                if found is None:
                    before = self._kept.pop(key, None)
                    found = self._kept[key] = snapshot_of(results, shape, before)
                    self._stale.discard(key)
                    if len(self._kept) > MAX_KEPT:  # the least recently made goes
                        oldest = min(self._kept, key=lambda k: self._kept[k].made_at)
                        del self._kept[oldest]
                        self._stale.discard(oldest)
        return found

    def _fresh(self, key: tuple[str, int], results: SessionResults, timed: bool) -> Snapshot | None:
        found = self._kept.get(key)
        if found is None or found.engine is not results.engine or key in self._stale:
            return None
        age = trio.current_time() - found.made_at
        if age < COALESCE_SECONDS:
            return found
        if found.version == results.version and not (timed and age >= MAX_AGE_SECONDS):
            return found
        return None

    def forget(self, session_id: int) -> None:
        """A correction was made here: the next list shows it at once."""
        self._stale.update(k for k in self._kept if k[1] == session_id)


def snapshots() -> Snapshots:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found: Snapshots = app.extensions.setdefault("p88_api_results", Snapshots())
    return found


# ------------------------------------------------------------------ the request
@dataclass(frozen=True, slots=True)
class ResultsRequest:
    wanted: ListRequest
    after: OrderKey | None
    search: str  # casefolded, "" for none


def _order_key(document: Any) -> OrderKey:
    """The sort key a `next` token holds (ValueError if it is not one)."""
    if not isinstance(document, list) or len(document) != 5:
        raise ValueError
    *numbers, bib = document
    if not all(type(n) is int for n in numbers) or not isinstance(bib, list) or len(bib) != 3:
        raise ValueError
    kind, number, text = bib
    if type(kind) is not int or type(number) is not int or not isinstance(text, str):
        raise ValueError
    return (numbers[0], numbers[1], numbers[2], numbers[3], (kind, number, text))


def results_request(listing: Listing) -> ResultsRequest:
    """The list parameters of this request, `q` aside; a 400 problem for the first wrong one."""
    args = list(request.args.items(multi=True))
    searches = [value for name, value in args if name == SEARCH]
    try:
        if len(searches) > 1 or any(len(s) > MAX_SEARCH for s in searches):
            raise BadParameter(SEARCH, f"q is one name or bib, {MAX_SEARCH} characters at most")
        others = [(name, value) for name, value in args if name != SEARCH]
        wanted = parse_list_request(listing, others, accepted_types())
        after = None
        if isinstance(wanted.page.after, str):
            try:
                after = _order_key(json.loads(wanted.page.after))
            except ValueError:
                raise BadParameter(
                    "next",
                    "next is not a token p88 gave for these results: "
                    "follow the `next` link as it is",
                ) from None
    except BadParameter as error:
        raise bad_parameter(error) from None
    search = " ".join(searches[0].split()).casefold() if searches else ""
    return ResultsRequest(wanted, after, search)


# ------------------------------------------------------------------ filtering
def like_matcher(pattern: str) -> Callable[[str], bool]:
    """SQL LIKE (% any text, _ one character) without a backtracking regex: the pieces
    between %s are found leftmost in turn, which is linear whatever the pattern."""
    texts = pattern.split("%")
    pieces = [
        re.compile("".join("." if c == "_" else re.escape(c) for c in text), re.DOTALL)
        for text in texts
    ]
    first, middle, last = pieces[0], pieces[1:-1], pieces[-1]
    tail = len(texts[-1])  # characters the last piece takes (each character or _ is one)

    def matches(value: str) -> bool:
        if len(pieces) == 1:
            return first.fullmatch(value) is not None
        head = first.match(value)
        if head is None:
            return False
        at = head.end()
        for piece in middle:
            found = piece.search(value, at)
            if found is None:
                return False
            at = found.end()
        start = len(value) - tail
        return start >= at and last.fullmatch(value, start) is not None

    return matches


def _test(item: Filter) -> Callable[[Any], bool]:
    wanted = item.value
    match item.op:
        case "eq":
            return lambda v: v == wanted
        case "neq":
            return lambda v: v is not None and v != wanted
        case "in":
            assert isinstance(wanted, tuple)
            return lambda v: v in wanted
        case "like":
            matches = like_matcher(str(wanted))
            return lambda v: v is not None and matches(str(v))
    order = {"gt": str.__gt__, "gte": str.__ge__, "lt": str.__lt__, "lte": str.__le__}[item.op]
    return lambda v: v is not None and order(str(v), str(wanted))


def _found(row: dict[str, Any], search: str) -> bool:
    """The public pages' search: the bib itself, or a name containing the words."""
    name = " ".join(str(row["name"]).split()).casefold()
    return str(row["bib"]).casefold() == search or search in name


def _chooser(asked: ResultsRequest) -> Callable[[dict[str, Any]], bool]:
    tests = [(item.column, _test(item)) for item in asked.wanted.page.filters]
    search = asked.search

    def passes(row: dict[str, Any]) -> bool:
        if search and not _found(row, search):
            return False
        return all(test(row.get(column)) for column, test in tests)

    return passes


def chosen(snapshot: Snapshot, asked: ResultsRequest, limit: int | None) -> Iterable[int]:
    """Indexes of the rows the request picks, in order, after its `next` (at most `limit`)."""
    passes = _chooser(asked)
    start = 0 if asked.after is None else bisect_right(snapshot.keys, asked.after)
    count = 0
    for index in range(start, len(snapshot.rows)):
        if limit is not None and count >= limit:
            return
        if passes(snapshot.rows[index]):
            count += 1
            yield index


# ------------------------------------------------------------------ the answer
def _dumps(row: dict[str, Any]) -> str:
    return json.dumps(row, separators=(",", ":"), ensure_ascii=False)


def _token(key: OrderKey) -> str:
    return json.dumps([*key[:4], list(key[4])], separators=(",", ":"))


async def _stream(
    snapshot: Snapshot, indexes: list[int], format_: str, csv_of: CsvOf
) -> AsyncIterator[bytes]:
    for first in range(0, len(indexes) or 1, STREAM_CHUNK):
        part = indexes[first : first + STREAM_CHUNK]
        rows = [snapshot.rows[i] for i in part]
        if format_ == "csv":
            yield csv_of(rows, first == 0).encode()
        elif rows:
            yield "".join(snapshot.text(i) + "\n" for i in part).encode()
        await trio.lowlevel.checkpoint()  # let the rest of the process run between chunks


def csv_writer(columns: Sequence[str], flat: Callable[[dict[str, Any]], dict[str, Any]]) -> CsvOf:
    """Rows as CSV: `flat` makes each a dict of plain values by column; empty for None, and
    text that a spreadsheet would run as a formula quoted (as in the results file)."""

    def write(rows: list[dict[str, Any]], header: bool) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if header:
            writer.writerow(columns)
        for row in rows:
            values = flat(row)
            writer.writerow([_cell(values.get(c)) for c in columns])
        return out.getvalue()

    return write


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | tuple):
        value = ";".join(str(v) for v in value)
    return text(value) if isinstance(value, str) else str(value)


def list_answer(snapshot: Snapshot, asked: ResultsRequest, csv_of: CsvOf) -> Response:
    """One page (JSON with its `next`, or CSV/NDJSON with a Link header), or every row
    streamed (CSV/NDJSON without a limit). `csv_of` writes rows as CSV with its header."""
    wanted = asked.wanted
    limit = wanted.page.limit
    # One row more than the page tells whether a next page has any (no empty last page).
    indexes = list(chosen(snapshot, asked, None if limit is None else limit + 1))
    if wanted.streamed:
        return streamed_response(_stream(snapshot, indexes, wanted.format, csv_of), wanted.format)
    more = limit is not None and len(indexes) > limit
    indexes = indexes[:limit]
    rows = [snapshot.rows[i] for i in indexes]
    link = next_link(_token(snapshot.keys[indexes[-1]])) if more and indexes else None
    if wanted.format == "json":
        return json_page(",".join(snapshot.text(i) for i in indexes), link)
    if wanted.format == "csv":
        body = csv_of(rows, True)
    else:
        body = "".join(snapshot.text(i) + "\n" for i in indexes)
    headers = {"Link": f'<{link}>; rel="next"'} if link else {}
    return finish(body, content_type_of(wanted.format), headers)
