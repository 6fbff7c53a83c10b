"""The data API's lists as SQL: filters, keyset pages and output formats, composed from
allow-lists only. Pure: no I/O, so every rule is unit-tested.

A resource is a `Listing`: a base query (a constant in its query module) whose output columns
are the resource's fields, `$1` the partner and `$2` the event a key is limited to (NULL: any).
Its `Column`s say which fields exist, their kind, and so which operators and values apply.
Everything a client sends becomes a `$N` parameter; column names and operators reach the SQL
text only when they are in the listing's allow-lists, which the composer checks again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# Kinds of column: what a filter value is parsed into, and how the value is written out.
INT, TEXT, BOOL, DATE, TIME, LOCAL_TIME, TEXT_LIST = (
    "int", "text", "bool", "date", "time", "local_time", "text_list",
)  # fmt: skip
KINDS = (INT, TEXT, BOOL, DATE, TIME, LOCAL_TIME, TEXT_LIST)

# SQL type of a parameter of each kind (a cast keeps asyncpg and the planner in agreement).
PARAMETER_TYPES = {
    INT: "bigint",
    TEXT: "text",
    BOOL: "boolean",
    DATE: "date",
    TIME: "timestamptz",
    LOCAL_TIME: "timestamp",
}

ORDERED = ("eq", "neq", "gt", "gte", "lt", "lte", "in")
OPERATORS_BY_KIND: dict[str, tuple[str, ...]] = {
    INT: ORDERED,
    TEXT: (*ORDERED, "like"),
    BOOL: ("eq", "neq"),
    DATE: ORDERED,
    TIME: ORDERED,
    LOCAL_TIME: ORDERED,
    TEXT_LIST: (),  # shown, not filtered
}
SQL_OPERATORS = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}

# How each kind is written in JSON and CSV: instants in UTC with microseconds and a Z; the
# hardware's event-local clock with hundredths, no zone (as it was read).
_UTC = """to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
_LOCAL = """to_char({c}, 'YYYY-MM-DD"T"HH24:MI:SS.FF2')"""
OUTPUT = {
    TIME: _UTC,
    LOCAL_TIME: _LOCAL,
    DATE: "to_char({c}, 'YYYY-MM-DD')",
}
CSV_OUTPUT = {**OUTPUT, TEXT_LIST: "array_to_string({c}, ';')"}


class QueryError(ValueError):
    """A request the allow-lists do not cover (the API answers 400 with this message)."""


@dataclass(frozen=True, slots=True)
class Column:
    name: str  # the output column of the listing's base query, and the field's name
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS or not self.name.isidentifier() or not self.name.islower():
            raise ValueError(f"bad column {self.name!r} of kind {self.kind!r}")

    @property
    def operators(self) -> tuple[str, ...]:
        return OPERATORS_BY_KIND[self.kind]


@dataclass(frozen=True, slots=True)
class Listing:
    """One resource's list: its base query, fields (in output order) and keyset column."""

    name: str
    base: str
    columns: tuple[Column, ...]
    key: str  # a unique, non-null column: pages follow it in ascending order
    filterable: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if self.key not in names or not self.filterable <= set(names):
            raise ValueError(f"{self.name}: key and filters must be columns")
        if self.column(self.key).kind not in (INT, TEXT):
            raise ValueError(f"{self.name}: the key must be an int or text column")

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise QueryError(f"{self.name} have no field {name!r}")

    @property
    def key_column(self) -> Column:
        return self.column(self.key)


Value = int | str | bool | date | datetime
FilterValue = Value | tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class Filter:
    column: str
    op: str
    value: FilterValue  # a tuple for `in`, a LIKE pattern (with % and _) for `like`


@dataclass(frozen=True, slots=True)
class Page:
    """What one request asks of a listing."""

    filters: tuple[Filter, ...] = ()
    after: int | str | None = None  # keyset: rows whose key is above this
    limit: int | None = 100  # None: every row (streamed in chunks by the caller)
    upto: int | str | None = None  # and not above this (a chunk counted before it is copied)


def _condition(listing: Listing, item: Filter, args: list[Any]) -> str:
    if item.column not in listing.filterable:
        raise QueryError(f"{listing.name} cannot be filtered by {item.column!r}")
    column = listing.column(item.column)
    if item.op not in column.operators:
        raise QueryError(f"{item.column!r} takes no operator {item.op!r}")
    cast = PARAMETER_TYPES[column.kind]
    args.append(list(item.value) if isinstance(item.value, tuple) else item.value)
    n = len(args)
    if item.op == "in":
        return f"t.{column.name} = ANY(${n}::{cast}[])"
    if item.op == "like":
        return f"t.{column.name} LIKE ${n}::text"
    return f"t.{column.name} {SQL_OPERATORS[item.op]} ${n}::{cast}"


def rows_query(
    listing: Listing, page: Page, fixed: Sequence[Any], *, csv: bool = False
) -> tuple[str, list[Any]]:
    """SELECT of the page's rows, each field written out as JSON or CSV shows it, ordered by
    the key. `fixed` are the base query's own parameters ($1, $2, ...)."""
    args: list[Any] = list(fixed)
    conditions = [_condition(listing, item, args) for item in page.filters]
    key = listing.key_column
    for bound, operator in ((page.after, ">"), (page.upto, "<=")):
        if bound is not None:
            args.append(bound)
            conditions.append(f"t.{key.name} {operator} ${len(args)}::{PARAMETER_TYPES[key.kind]}")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    limit = ""
    if page.limit is not None:
        args.append(page.limit)
        limit = f" LIMIT ${len(args)}::int"
    formats = CSV_OUTPUT if csv else OUTPUT
    fields = ", ".join(
        (formats[c.kind].format(c=f"t.{c.name}") + f" AS {c.name}")
        if c.kind in formats
        else f"t.{c.name}"
        for c in listing.columns
    )
    sql = f"SELECT {fields} FROM ({listing.base}) t{where} ORDER BY t.{key.name}{limit}"
    return sql, args


def json_query(
    listing: Listing, page: Page, fixed: Sequence[Any], *, separator: str = ","
) -> tuple[str, list[Any]]:
    """One row: the page's rows as JSON objects joined by `separator` (',' for a JSON array's
    inside, a newline for NDJSON), how many there are, and the last key. PostgreSQL writes the
    JSON itself: no Python per row."""
    inner, args = rows_query(listing, page, fixed)
    args.append(separator)
    key = listing.key
    sql = (
        f"SELECT coalesce(string_agg(row_to_json(f)::text, ${len(args)}::text ORDER BY f.{key}),"
        f" '') AS body, count(*) AS rows, max(f.{key}) AS last FROM ({inner}) f"
    )
    return sql, args


def last_key_query(listing: Listing, page: Page, fixed: Sequence[Any]) -> tuple[str, list[Any]]:
    """The last key of the page (and how many rows it has), for a COPY of that page."""
    inner, args = rows_query(listing, page, fixed)
    return f"SELECT count(*) AS rows, max(f.{listing.key}) AS last FROM ({inner}) f", args


def up_to(page: Page, last: int | str) -> Page:
    """The same page bounded above by `last`, every row up to it (for a COPY of exactly the
    rows a `last_key_query` counted)."""
    return Page(page.filters, page.after, None, last)
