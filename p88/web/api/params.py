"""A list request's query string, read against the listing's allow-lists: filters
(`field=op.value`), the page (`limit`, `next`, `since`) and the format. Pure: every refusal is
a `BadParameter` naming the parameter and what to send instead.
"""

from __future__ import annotations

import base64
import binascii
import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from p88.db.api_query import (
    BOOL,
    DATE,
    INT,
    LOCAL_TIME,
    TEXT,
    TIME,
    Filter,
    FilterValue,
    Listing,
    Page,
    Value,
)

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
MAX_VALUE = 1000  # characters of one filter value
MAX_IN = 1000  # values in one `in` list
# A text key of 100 characters whose JSON escapes are 12 characters each, in base64.
MAX_TOKEN = 1700
BIGINT = 2**63 - 1
FORMATS = {"json": "application/json", "csv": "text/csv", "ndjson": "application/x-ndjson"}
PAGE_PARAMETERS = ("limit", "next", "since", "format")


class BadParameter(ValueError):
    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(detail)
        self.parameter = parameter
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ListRequest:
    page: Page
    format: str  # json, csv or ndjson
    streamed: bool  # csv/ndjson without `limit`: every row, in chunks


def encode_next(after: int | str) -> str:
    """The opaque `next` token of a page that ended at `after`."""
    raw = json.dumps({"v": 1, "after": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_next(token: str, listing: Listing) -> int | str:
    """The key a `next` token continues after; BadParameter if it is not one p88 made for this
    kind of list."""
    wrong = BadParameter(
        "next",
        "next is not a token p88 gave: follow the `next` link of the previous page as it is, "
        "or leave next out to start from the first page",
    )
    if not token or len(token) > MAX_TOKEN:
        raise wrong
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        document = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise wrong from None
    if not isinstance(document, dict) or set(document) != {"v", "after"} or document["v"] != 1:
        raise wrong
    after = document["after"]
    kind = listing.key_column.kind
    if kind == INT and type(after) is int and 0 <= after <= BIGINT:
        return after
    if kind == TEXT and isinstance(after, str) and len(after) <= MAX_VALUE and "\x00" not in after:
        return after
    raise wrong


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _scalar(parameter: str, kind: str, text: str) -> Value:
    if len(text) > MAX_VALUE:
        raise BadParameter(parameter, f"{parameter}: a value is {MAX_VALUE} characters at most")
    try:
        if kind == INT:
            if not _digits(text.removeprefix("-")) or len(text) > 20 or abs(int(text)) > BIGINT:
                raise ValueError
            return int(text)
        if kind == BOOL:
            return {"true": True, "false": False}[text]
        if kind == DATE:
            return date.fromisoformat(text)
        if kind in (TIME, LOCAL_TIME):
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if (moment.tzinfo is None) != (kind == LOCAL_TIME):
                raise ValueError
            return moment
    except (ValueError, KeyError):
        raise BadParameter(parameter, f"{parameter}: {text!r} is not {_EXPECTED[kind]}") from None
    return text


_EXPECTED = {
    INT: "a whole number (such as 42)",
    BOOL: "true or false",
    DATE: "a date such as 2026-05-08",
    TIME: "an instant with its zone, such as 2026-05-08T09:00:00Z",
    LOCAL_TIME: "an event-local time without a zone, such as 2026-05-08T09:00:00.25",
}


def _in_values(parameter: str, kind: str, text: str) -> tuple[Value, ...]:
    if not (text.startswith("(") and text.endswith(")")):
        raise BadParameter(parameter, f"{parameter}: write in.(a,b,c), the list in parentheses")
    inside = text[1:-1]
    items = next(csv.reader([inside], skipinitialspace=True), []) if inside else []
    if not items or len(items) > MAX_IN:
        raise BadParameter(parameter, f"{parameter}: in.(...) takes 1 to {MAX_IN} values")
    return tuple(_scalar(parameter, kind, item) for item in items)


def parse_filter(listing: Listing, name: str, text: str) -> Filter:
    if name not in listing.filterable:
        allowed = ", ".join(sorted(listing.filterable)) or "none"
        raise BadParameter(
            name,
            f"{name!r} is not a filter of {listing.name}; filter by one of: {allowed} "
            f"(or use {', '.join(PAGE_PARAMETERS)})",
        )
    column = listing.column(name)
    op, dot, value = text.partition(".")
    if not dot or op not in column.operators:
        raise BadParameter(
            name,
            f"{name}: write {name}=<operator>.<value> with an operator among "
            f"{', '.join(column.operators)} (such as {name}=eq.<value>)",
        )
    parsed: FilterValue
    if op == "in":
        parsed = _in_values(name, column.kind, value)
    elif op == "like":
        if len(value) > MAX_VALUE:
            raise BadParameter(name, f"{name}: a value is {MAX_VALUE} characters at most")
        parsed = value.replace("*", "%")  # as in PostgREST: * is easier to write in a URL
    else:
        parsed = _scalar(name, column.kind, value)
    return Filter(name, op, parsed)


def parse_limit(text: str | None, streamable: bool) -> int | None:
    if text is None:
        return None if streamable else DEFAULT_LIMIT
    if not _digits(text) or len(text) > 4 or not 1 <= int(text) <= MAX_LIMIT:
        raise BadParameter(
            "limit",
            f"limit must be a whole number from 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}); "
            "follow the `next` link for more, or ask for format=ndjson or csv without limit "
            "to receive every row in one streamed answer",
        )
    return int(text)


def choose_format(requested: str | None, accepted: Iterable[str]) -> str:
    """`format=` wins; else the first media type of Accept that p88 writes; else JSON."""
    if requested is not None:
        if requested not in FORMATS:
            raise BadParameter("format", f"format must be one of {', '.join(FORMATS)}")
        return requested
    by_type = {media: name for name, media in FORMATS.items()} | {"application/ndjson": "ndjson"}
    for media in accepted:
        if media in by_type:
            return by_type[media]
    return "json"


def parse_list_request(
    listing: Listing,
    args: Iterable[tuple[str, str]],
    accepted: Iterable[str] = (),
    *,
    fixed_filters: Iterable[Filter] = (),
) -> ListRequest:
    """Everything a list request asks, or BadParameter for the first thing wrong in it."""
    filters = list(fixed_filters)
    single: dict[str, str] = {}
    for name, value in args:
        if name in PAGE_PARAMETERS:
            if name in single:
                raise BadParameter(name, f"{name} is given twice; send it once")
            single[name] = value
        else:
            filters.append(parse_filter(listing, name, value))
    format_ = choose_format(single.get("format"), accepted)
    streamable = format_ != "json"
    limit = parse_limit(single.get("limit"), streamable)
    after: int | str | None = None
    if "next" in single and "since" in single:
        raise BadParameter("since", "give either since or next, not both")
    if "next" in single:
        after = decode_next(single["next"], listing)
    elif "since" in single:
        if listing.key_column.kind != INT:
            raise BadParameter("since", f"{listing.name} have no numeric id to start after")
        since = _scalar("since", INT, single["since"])
        assert isinstance(since, int)
        if since < 0:
            raise BadParameter("since", "since is an id: 0 or more")
        after = since
    return ListRequest(Page(tuple(filters), after, limit), format_, limit is None)
