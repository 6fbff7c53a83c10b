"""Storing many runners at once: COPY into a temporary table, drop the rows whose tag a stored
runner would keep wearing, then upsert from that table, all in the caller's tenant transaction.

The event loop only streams bytes already written as COPY data (p88.participants.copyrows) and
reads a few counts; the tag check and the upsert run inside PostgreSQL. (The same rows as
arrays for `unnest` cost the loop ~20 s of asyncpg's encoding, in 50 ms slices.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from p88.db.pool import Connection
from p88.participants.copyrows import COPY_COLUMNS, NULLABLE
from p88.participants.model import FIELD_NAMES, SQL_TYPES

STAGING = "participant_import"
COPY_STATEMENT_CHUNKS = 40  # chunks (200,000 rows) a COPY: well inside the 60 s timeout
UPSERT_ROWS = 50_000  # rows an INSERT ... SELECT, likewise

CREATE_STAGING = f"""
CREATE TEMP TABLE {STAGING} (
    n bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    line integer NOT NULL,  -- in the file, for the report
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


async def _each(chunks: Sequence[bytes]) -> AsyncIterator[bytes]:
    """The COPY data, a chunk a time: asyncpg waits for the socket to drain between them."""
    for chunk in chunks:
        yield chunk


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
    conn: Connection, partner_id: int, event_name: str, chunks: Sequence[bytes], count: int
) -> Stored:
    """Upsert the `count` runners of `chunks` (CopyChunks), except those whose tag another
    stored runner keeps wearing (returned, in line order)."""
    await conn.execute(CREATE_STAGING)
    for first in range(0, len(chunks), COPY_STATEMENT_CHUNKS):
        await conn.copy_to_table(
            STAGING,
            source=_each(chunks[first : first + COPY_STATEMENT_CHUNKS]),
            columns=list(COPY_COLUMNS),
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
        assert row is not None  # the statement always returns its one counting row
        inserted += row["inserted"]
        total += row["total"]
    return Stored(inserted, total - inserted, sorted(clashes, key=lambda c: c.line))
