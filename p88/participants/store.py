"""Storing many runners at once: COPY into a temporary table, drop the rows whose tag a stored
runner would keep wearing, then upsert from that table, all in the caller's tenant transaction.

The event loop only streams bytes and reads a few counts. asyncpg reads the COPY data from
`CopyRows.read`, which it calls in a worker thread (trio-asyncio's executor), so formatting a
million rows never runs on the loop; the tag check and the upsert run inside PostgreSQL. (The
same rows as arrays for `unnest` cost the loop ~20 s of encoding, in 50 ms slices.)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from p88.db.pool import Connection
from p88.participants.model import DEFAULTS, FIELD_NAMES, SQL_TYPES

STAGING = "participant_import"
COPY_ROWS = 5_000  # rows a read(): ~300 KB of CSV
COPY_STATEMENT_ROWS = 200_000  # rows a COPY, each well inside the pool's 60 s command timeout
UPSERT_ROWS = 50_000  # rows an INSERT ... SELECT, likewise
# Columns whose empty value is NULL (the CSV writer writes None as a quoted empty string).
NULLABLE = ("gender", "age", "date_of_birth")

CREATE_STAGING = f"""
CREATE TEMP TABLE {STAGING} (
    n bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    line integer NOT NULL,
    {", ".join(f"{name} {SQL_TYPES.get(name, 'text')}" for name in FIELD_NAMES)}
) ON COMMIT DROP
"""

ANALYZE_STAGING = f"ANALYZE {STAGING}"

# Rows whose tag a stored runner wears who is not in the file (so keeps it). Run until it
# deletes nothing: a dropped row's runner keeps their stored tag, which may be another row's.
DROP_TAG_CLASHES = f"""
DELETE FROM {STAGING} s USING participants p
WHERE p.partner_id = $1 AND p.event_name = $2 AND p.tag = s.tag AND p.bib <> s.bib
  AND NOT EXISTS (SELECT 1 FROM {STAGING} again WHERE again.bib = p.bib)
RETURNING s.line, s.bib, s.tag, p.bib AS owner
"""

UPSERT_STAGED = f"""
WITH stored AS (
    INSERT INTO participants (partner_id, event_name, {", ".join(FIELD_NAMES)})
    SELECT $1, $2, {", ".join(FIELD_NAMES)} FROM {STAGING} WHERE n > $3 AND n <= $4
    ON CONFLICT (partner_id, event_name, bib) DO UPDATE SET
        {", ".join(f"{n} = EXCLUDED.{n}" for n in FIELD_NAMES if n != "bib")},
        updated_at = now()
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) AS total FROM stored
"""


class CopyRows:
    """Rows first..last-1 of the columns as COPY's CSV, COPY_ROWS rows a read(). A field with
    no column takes its default."""

    def __init__(
        self, lines: Sequence[int], columns: Mapping[str, Sequence[Any]], first: int, last: int
    ) -> None:
        self._lines, self._columns = lines, columns
        self._next, self._last = first, last

    def read(self, size: int = -1) -> bytes:
        start, end = self._next, min(self._last, self._next + COPY_ROWS)
        if start >= end:
            return b""
        self._next = end
        count = end - start
        fields = [self._lines[start:end]] + [
            self._columns[n][start:end] if n in self._columns else [DEFAULTS[n]] * count
            for n in FIELD_NAMES
        ]
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        writer.writerows(zip(*fields, strict=True))
        return out.getvalue().encode()


@dataclass(frozen=True, slots=True)
class TagClash:
    line: int
    bib: str
    tag: str
    owner: str  # the stored runner who keeps the tag


@dataclass(frozen=True, slots=True)
class Stored:
    inserted: int
    updated: int
    clashes: list[TagClash]


async def store_rows(
    conn: Connection,
    partner_id: int,
    event_name: str,
    lines: Sequence[int],
    columns: Mapping[str, Sequence[Any]],
) -> Stored:
    """Upsert runners given column by column (`lines`: each row's line in the file), except
    those whose tag another stored runner keeps wearing (returned, in line order)."""
    count = len(lines)
    await conn.execute(CREATE_STAGING)
    for first in range(0, count, COPY_STATEMENT_ROWS):
        last = min(count, first + COPY_STATEMENT_ROWS)
        await conn.copy_to_table(
            STAGING,
            source=CopyRows(lines, columns, first, last),
            columns=["line", *FIELD_NAMES],
            format="csv",
            force_null=NULLABLE,
        )
    await conn.execute(ANALYZE_STAGING)  # temporary tables get no statistics by themselves
    clashes: list[TagClash] = []
    while dropped := await conn.fetch(DROP_TAG_CLASHES, partner_id, event_name):
        clashes += [TagClash(r["line"], r["bib"], r["tag"], r["owner"]) for r in dropped]
    inserted = total = 0
    for after in range(0, count, UPSERT_ROWS):
        row = await conn.fetchrow(UPSERT_STAGED, partner_id, event_name, after, after + UPSERT_ROWS)
        inserted += row["inserted"]
        total += row["total"]
    return Stored(inserted, total - inserted, sorted(clashes, key=lambda c: c.line))
