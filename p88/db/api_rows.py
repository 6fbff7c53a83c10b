"""Running the data API's composed list queries (p88.db.api_query): a page's rows as JSON
text or as CSV bytes, with how many there are and the last key. Inside a tenant transaction."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from p88.db.api_query import Listing, Page, json_query, last_key_query, rows_query, up_to
from p88.db.pool import Connection


@dataclass(frozen=True, slots=True)
class Rows:
    body: str | bytes  # JSON objects joined by the separator (str), or CSV lines (bytes)
    count: int
    last: int | str | None  # the key of the last row


async def json_rows(
    conn: Connection, listing: Listing, page: Page, fixed: Sequence[Any], separator: str = ","
) -> Rows:
    sql, args = json_query(listing, page, fixed, separator=separator)
    row = await conn.fetchrow(sql, *args)
    assert row is not None  # an aggregate always has its row
    return Rows(row["body"], row["rows"], row["last"])


async def csv_rows(conn: Connection, listing: Listing, page: Page, fixed: Sequence[Any]) -> Rows:
    """The page as CSV lines without a header, written by PostgreSQL's COPY."""
    sql, args = last_key_query(listing, page, fixed)
    counted = await conn.fetchrow(sql, *args)
    assert counted is not None
    count, last = counted["rows"], counted["last"]
    output = io.BytesIO()
    if count:
        sql, args = rows_query(listing, up_to(page, last), fixed, csv=True)
        await conn.copy_from_query(sql, *args, output=output, format="csv", header=False)
    return Rows(output.getvalue(), count, last)
