"""The ask pool and what runs on it (p88.ask): a connection logged in as the role p88_ask,
bound to the asking company before each question, that runs one checked statement in a
read-only transaction under a statement timeout. See sql/0080_ask.sql for why the company
cannot be changed from inside the asked SQL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from p88.db.pool import Connection, Pool, PostgresError, in_one_crossing, open_pool

ASK_ROLE = "p88_ask"
SCRAM_ITERATIONS = 4096


class AskRoleUnsafe(Exception):
    """The ask pool logs in as a role that could read more than the curated views."""


class StatementFailed(Exception):
    """PostgreSQL refused or stopped an asked statement; `sqlstate` says why (57014: timeout)."""

    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate

    @property
    def timed_out(self) -> bool:
        return self.sqlstate == "57014"


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose data a question reads: a company, and for an API key limited to one event, that
    event. It comes from the signed-in person or the key, never from the question."""

    partner_id: int
    event_name: str | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    columns: tuple[str, ...]
    types: tuple[str, ...]  # PostgreSQL type names: int8, numeric, interval, text, date ...
    rows: list[tuple[Any, ...]]


def scram_verifier(password: str, salt: bytes | None = None) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677), so the
    password itself never reaches the server, its logs or pg_stat_activity."""
    salt = salt or secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


# Re-asserted at every start: a restore into a fresh server makes the role NOLOGIN.
PREPARE_ROLE = (
    f"ALTER ROLE {ASK_ROLE} WITH LOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT NOCREATEDB "
    "NOCREATEROLE NOREPLICATION PASSWORD '{verifier}'"
)

ROLE_FACTS = """
SELECT r.rolname = $1 AS named_right, r.rolsuper, r.rolbypassrls, r.rolcreaterole,
       r.rolcreatedb, r.rolreplication,
       (SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid) AS memberships
FROM pg_roles r WHERE r.rolname = current_user
"""


async def prepare_role(owner: Connection, password: str) -> None:
    """Let p88_ask log in with `password` (a utility statement takes no parameters; the
    verifier is base64 and '$', ':' only)."""
    await owner.execute(PREPARE_ROLE.format(verifier=scram_verifier(password)))


async def check_role(conn: Connection) -> None:
    """Refuse a login that is not the plain p88_ask role the migrations made."""
    facts = await conn.fetchrow(ROLE_FACTS, ASK_ROLE)
    if facts is None or not facts["named_right"]:
        raise AskRoleUnsafe(f"the ask pool must log in as the role {ASK_ROLE}")
    powers = [
        name
        for name, column in (
            ("SUPERUSER", "rolsuper"),
            ("BYPASSRLS", "rolbypassrls"),
            ("CREATEROLE", "rolcreaterole"),
            ("CREATEDB", "rolcreatedb"),
            ("REPLICATION", "rolreplication"),
        )
        if facts[column]
    ]
    if facts["memberships"]:
        powers.append(f"membership in {facts['memberships']} other role(s)")
    if powers:
        raise AskRoleUnsafe(
            f"the role {ASK_ROLE} has {', '.join(powers)}; Ask stays off until it has none "
            f"(ALTER ROLE {ASK_ROLE} NOSUPERUSER NOBYPASSRLS ...; REVOKE ... FROM {ASK_ROLE})"
        )


@asynccontextmanager
async def open_ask_pool(
    owner_dsn: str, owner_pool: Pool, *, dsn: str = "", size: int = 4
) -> AsyncIterator[Pool]:
    """The pool questions run on, checked before it is handed out. Without `dsn` it logs in
    to the owner's server as p88_ask with a password made now and kept in memory only."""
    user = password = None
    if not dsn:
        password = secrets.token_urlsafe(32)
        async with owner_pool.acquire() as owner:
            await prepare_role(owner, password)
        dsn, user = owner_dsn, ASK_ROLE
    async with open_pool(dsn, min_size=0, max_size=size, user=user, password=password) as pool:
        async with pool.acquire() as conn:
            await check_role(conn)
        yield pool


BACKEND = "SELECT pid, backend_start FROM pg_stat_get_activity(pg_backend_pid())"

BIND = """
INSERT INTO ask_bindings (pid, backend_start, partner_id, event_name)
VALUES ($1, $2, $3, $4)
ON CONFLICT (pid) DO UPDATE SET backend_start = excluded.backend_start,
    partner_id = excluded.partner_id, event_name = excluded.event_name, bound_at = now()
"""


class AskConnection:
    """An ask connection bound to one company for one question."""

    def __init__(self, conn: Connection, timeout_s: float) -> None:
        self._conn = conn
        self._timeout_ms = max(1, int(timeout_s * 1000))

    async def fetch(self, sql: str, *args: object) -> Fetched:
        """One statement in a read-only transaction under the statement timeout."""
        try:
            result: Fetched = await in_one_crossing(
                self._conn, _read_only, sql, args, self._timeout_ms
            )
        except PostgresError as exc:
            raise StatementFailed(_message(exc), getattr(exc, "sqlstate", "") or "") from None
        return result


def _message(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


async def _read_only(raw: Any, sql: str, args: Sequence[object], timeout_ms: int) -> Fetched:
    """(asyncio side) BEGIN READ ONLY, the timeout, the statement, COMMIT: one crossing."""
    async with raw.transaction(readonly=True):
        await raw.execute(
            f"SET LOCAL statement_timeout = {int(timeout_ms)}; SET LOCAL search_path = public"
        )
        statement = await raw.prepare(sql)
        attributes = statement.get_attributes()
        rows = await statement.fetch(*args)
    return Fetched(
        tuple(a.name for a in attributes),
        tuple(a.type.name for a in attributes),
        [tuple(row) for row in rows],
    )


@asynccontextmanager
async def bound(
    ask_pool: Pool, owner_pool: Pool, scope: Scope, timeout_s: float
) -> AsyncIterator[AskConnection]:
    """An ask connection whose views show `scope`'s rows only: the binding is written by the
    owner's connection for this backend before anything runs on it."""
    async with ask_pool.acquire() as conn:
        backend = await conn.fetchrow(BACKEND)
        assert backend is not None
        async with owner_pool.acquire() as owner:
            await owner.execute(
                BIND, backend["pid"], backend["backend_start"], scope.partner_id, scope.event_name
            )
        yield AskConnection(conn, timeout_s)


# ------------------------------------------------------------------ the built-in grammar's words
# p88's own statements on the bound ask connection (the guard is for what an engine writes).
EVENTS = "SELECT event_id, event, day, status FROM ask_events ORDER BY day, event, event_id"

NAMED_VALUES = """
SELECT 'course' AS kind, event_id, course AS value FROM ask_results WHERE course <> ''
UNION SELECT 'course', event_id, course FROM ask_participants WHERE course <> ''
UNION SELECT 'wave', event_id, wave FROM ask_participants WHERE wave <> ''
UNION SELECT 'age_group', event_id, age_group FROM ask_results WHERE age_group <> ''
UNION SELECT 'city', NULL, city FROM ask_participants WHERE city <> ''
UNION SELECT 'state', NULL, state FROM ask_participants WHERE state <> ''
UNION SELECT 'country', NULL, country FROM ask_participants WHERE country <> ''
UNION SELECT 'club', NULL, club FROM ask_participants WHERE club <> ''
"""

# pg_trgm: each asked word against each word of the company's event names, typos included.
EVENT_WORDS = """
SELECT q.word AS asked, w.word AS known, similarity(q.word, w.word) AS score
FROM unnest($1::text[]) AS q(word),
     (SELECT DISTINCT regexp_split_to_table(lower(event), '[^[:alnum:]]+') AS word
      FROM ask_events) AS w
WHERE w.word <> '' AND similarity(q.word, w.word) >= $2
"""

RUNNER_NAMES = """
SELECT name, word_similarity($1, lower(name)) AS score
FROM (SELECT DISTINCT name FROM ask_results WHERE name <> '') AS r
WHERE word_similarity($1, lower(name)) >= $2
ORDER BY score DESC, name
LIMIT 50
"""


async def events(conn: AskConnection) -> list[tuple[Any, ...]]:
    return (await conn.fetch(EVENTS)).rows


async def named_values(conn: AskConnection) -> list[tuple[Any, ...]]:
    """(kind, event_id or None, value): courses, waves, age groups, places, clubs."""
    return (await conn.fetch(NAMED_VALUES)).rows


async def event_words(
    conn: AskConnection, asked: Sequence[str], least: float
) -> list[tuple[Any, ...]]:
    """(asked word, word of an event name, similarity) for similarities of `least` or more."""
    return (await conn.fetch(EVENT_WORDS, list(asked), least)).rows


async def runner_names(conn: AskConnection, phrase: str, least: float) -> list[tuple[Any, ...]]:
    """(name, how well `phrase` matches part of it), best first."""
    return (await conn.fetch(RUNNER_NAMES, phrase, least)).rows
