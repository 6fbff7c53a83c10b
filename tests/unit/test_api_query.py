"""The data API's list requests, pure: query strings read against allow-lists, `next` tokens,
and the SQL composed from them. Whatever a client sends, it is refused with a BadParameter
naming the parameter, or becomes SQL whose only client-given parts are $N parameters."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from p88.db.api_participants import PARTICIPANTS
from p88.db.api_query import Filter, Page, QueryError, json_query, rows_query
from p88.db.api_reads import READS
from p88.db.api_sessions import EVENTS, SESSIONS
from p88.web.api.params import (
    BadParameter,
    choose_format,
    decode_next,
    encode_next,
    parse_list_request,
)

LISTINGS = (READS, SESSIONS, EVENTS, PARTICIPANTS)


def parse(listing, query: str):  # type: ignore[no-untyped-def]
    pairs = [(name, value) for name, _, value in (p.partition("=") for p in query.split("&") if p)]
    return parse_list_request(listing, pairs)


def refused(listing, query: str) -> BadParameter:  # type: ignore[no-untyped-def]
    with pytest.raises(BadParameter) as caught:
        parse(listing, query)
    return caught.value


def test_filters_become_typed_values() -> None:
    wanted = parse(READS, 'tag=in.(101,"a,b",c)&time=gte.2026-05-08T09:00:00.25&lap=gt.1')
    assert wanted.page.filters == (
        Filter("tag", "in", ("101", "a,b", "c")),
        Filter("time", "gte", datetime(2026, 5, 8, 9, 0, 0, 250000)),
        Filter("lap", "gt", 1),
    )
    assert parse(READS, "received_at=lt.2026-05-08T09:00:00Z").page.filters[0].value == datetime(
        2026, 5, 8, 9, tzinfo=UTC
    )
    assert parse(SESSIONS, "day=eq.2026-05-08").page.filters[0].value == date(2026, 5, 8)
    assert parse(EVENTS, "live=eq.true").page.filters[0].value is True
    assert parse(PARTICIPANTS, "last_name=like.Mc*").page.filters[0].value == "Mc%"


@pytest.mark.parametrize(
    ("query", "parameter", "says"),
    [
        ("colour=eq.red", "colour", "filter by one of"),
        ("tag=eqq.1", "tag", "operator among"),
        ("tag=1", "tag", "tag=eq.<value>"),
        ("lap=like.1", "lap", "operator among"),
        ("lap=eq.one", "lap", "whole number"),
        ("lap=eq.99999999999999999999", "lap", "whole number"),
        ("received_at=gt.2026-05-08T09:00:00", "received_at", "with its zone"),
        ("time=gt.2026-05-08T09:00:00Z", "time", "without a zone"),
        ("tag=in.1,2", "tag", "in parentheses"),
        ("tag=in.()", "tag", "1 to 1000"),
        ("limit=0", "limit", "1 to 1000"),
        ("limit=1001", "limit", "1 to 1000"),
        ("limit=ten", "limit", "1 to 1000"),
        ("limit=²", "limit", "1 to 1000"),
        ("limit=1&limit=2", "limit", "twice"),
        ("next=abc", "next", "not a token"),
        ("since=-1", "since", "0 or more"),
        ("since=1&next=" + encode_next(3), "since", "either"),
        ("format=xml", "format", "one of json"),
    ],
)
def test_what_cannot_be_used_is_named_with_what_to_send(query, parameter, says) -> None:
    error = refused(READS, query)
    assert error.parameter == parameter and says in error.detail


def test_next_tokens_round_trip_and_belong_to_their_kind_of_list() -> None:
    assert decode_next(encode_next(42), READS) == 42
    assert decode_next(encode_next("CITY 10K"), EVENTS) == "CITY 10K"
    for listing, foreign in ((READS, "CITY 10K"), (EVENTS, 42), (READS, -5), (READS, True)):
        with pytest.raises(BadParameter):
            decode_next(encode_next(foreign), listing)  # type: ignore[arg-type]
    assert parse(READS, "since=7").page.after == 7


def test_csv_and_ndjson_without_limit_stream_every_row() -> None:
    assert parse(READS, "format=ndjson").streamed
    assert not parse(READS, "format=ndjson&limit=5").streamed
    assert parse(READS, "").page.limit == 100 and not parse(READS, "").streamed
    assert choose_format(None, ["text/html", "text/csv"]) == "csv"
    assert choose_format(None, ["application/ndjson"]) == "ndjson"
    assert choose_format(None, ["*/*"]) == "json"


def test_the_composer_checks_the_allow_lists_again() -> None:
    with pytest.raises(QueryError):
        rows_query(READS, Page((Filter("partner_id", "eq", 1),)), [1, None])
    with pytest.raises(QueryError):
        rows_query(READS, Page((Filter("tag", "; DROP TABLE x", 1),)), [1, None])


IDENTIFIER = re.compile(r"\bt\.([a-z_]+)")


def _blank(value):  # type: ignore[no-untyped-def]
    if isinstance(value, tuple):
        return tuple(_blank(v) for v in value)
    if isinstance(value, bool):
        return False
    return {str: "", int: 0}.get(type(value), value)


def _sql_is_safe(listing, page: Page, csv: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Only allow-listed names in the composed SQL, every $N bound, and the text the same
    whatever the values: they travel as parameters only."""
    sql, args = (
        rows_query(listing, page, [1, None], csv=True)
        if csv
        else json_query(listing, page, [1, None])
    )
    outer = sql.replace(listing.base, "")
    names = {c.name for c in listing.columns}
    assert set(IDENTIFIER.findall(outer)) <= names
    assert {int(n) for n in re.findall(r"\$(\d+)", sql)} == set(range(1, len(args) + 1))
    blanked = Page(
        tuple(Filter(f.column, f.op, _blank(f.value)) for f in page.filters),
        page.after,
        page.limit,
    )
    again, _ = (
        rows_query(listing, blanked, [1, None], csv=True)
        if csv
        else json_query(listing, blanked, [1, None])
    )
    assert again == sql


@given(
    listing=st.sampled_from(LISTINGS),
    pairs=st.lists(st.tuples(st.text(max_size=12), st.text(max_size=40)), max_size=6),
)
def test_any_query_string_is_refused_or_becomes_parameterised_sql(listing, pairs) -> None:
    try:
        wanted = parse_list_request(listing, pairs)
    except BadParameter as error:
        assert isinstance(error.parameter, str) and error.detail
        return
    _sql_is_safe(listing, wanted.page)


@given(
    column=st.sampled_from(sorted(READS.filterable)),
    op=st.sampled_from(["eq", "neq", "gt", "gte", "lt", "lte", "like", "in"]),
    value=st.text(max_size=30),
)
def test_filters_of_reads_never_escape_their_parameter(column, op, value) -> None:
    try:
        wanted = parse_list_request(READS, [(column, f"{op}.{value}")])
    except BadParameter:
        return
    _sql_is_safe(READS, wanted.page, csv=True)


@given(st.text(max_size=80))
def test_any_next_token_is_decoded_or_refused(token) -> None:
    for listing in (READS, EVENTS):
        try:
            after = decode_next(token, listing)
        except BadParameter as error:
            assert error.parameter == "next"
        else:
            assert isinstance(after, int | str)


@given(st.one_of(st.integers(0, 2**63 - 1), st.text(max_size=100).filter(lambda t: "\0" not in t)))
def test_every_key_survives_its_token(key) -> None:
    listing = READS if isinstance(key, int) else EVENTS
    assert decode_next(encode_next(key), listing) == key
