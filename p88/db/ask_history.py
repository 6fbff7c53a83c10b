"""The company's questions (ask_questions): the Ask page's history, and what its CSV and
'ask again' links run. Inside the partner's tenant transaction, filtered by partner too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from p88.db.pool import Connection, Row

MAX_QUESTION = 1000


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    id: int
    question: str
    engine: str
    sql: str
    understood: str
    outcome: str
    row_count: int | None
    elapsed_ms: int
    asked_at: datetime
    asked_by: str  # the person's name or email; 'API key NAME' for the data API


@dataclass(frozen=True, slots=True)
class NewQuestion:
    partner_id: int
    asked_by: int | None
    api_key_id: int | None
    question: str
    engine: str
    sql: str
    understood: str
    outcome: str
    row_count: int | None
    elapsed_ms: int


RECORD = """
INSERT INTO ask_questions (partner_id, asked_by, api_key_id, question, engine, sql, understood,
                           outcome, row_count, elapsed_ms)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id
"""

SELECT = """
SELECT q.id, q.question, q.engine, q.sql, q.understood, q.outcome, q.row_count, q.elapsed_ms,
       q.asked_at,
       coalesce(nullif(u.name, ''), u.email, 'API key ' || k.name, '') AS asked_by
FROM ask_questions q
LEFT JOIN users u ON u.id = q.asked_by
LEFT JOIN api_keys k ON k.id = q.api_key_id
"""


async def record_question(conn: Connection, new: NewQuestion) -> int:
    question_id: int = await conn.fetchval(
        RECORD,
        new.partner_id,
        new.asked_by,
        new.api_key_id,
        new.question[:MAX_QUESTION],
        new.engine,
        new.sql,
        new.understood,
        new.outcome,
        new.row_count,
        new.elapsed_ms,
    )
    return question_id


def _asked(row: Row) -> AskedQuestion:
    return AskedQuestion(*tuple(row))


RECENT = SELECT + (
    "WHERE q.partner_id = $1 AND ($3::bigint IS NULL OR q.api_key_id = $3) "
    "ORDER BY q.asked_at DESC, q.id DESC LIMIT $2"
)


async def recent_questions(
    conn: Connection, partner_id: int, limit: int = 20, api_key_id: int | None = None
) -> list[AskedQuestion]:
    """The company's newest questions; with `api_key_id`, those asked with that key only."""
    rows = await conn.fetch(RECENT, partner_id, limit, api_key_id)
    return [_asked(row) for row in rows]


async def asked_question(
    conn: Connection, partner_id: int, question_id: int
) -> AskedQuestion | None:
    row = await conn.fetchrow(
        SELECT + "WHERE q.partner_id = $1 AND q.id = $2", partner_id, question_id
    )
    return None if row is None else _asked(row)
