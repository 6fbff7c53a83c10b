"""Partners (timing companies) and their collector credentials."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from p88.db.pool import Connection, UniqueViolation
from p88.db.types import Queries
from p88.passwords import hash_secret

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class PartnerError(Exception):
    """A message for the person who asked."""


@dataclass(frozen=True, slots=True)
class Partner:
    id: int
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class PartnerOverview:
    """A line of the platform's list of partners."""

    id: int
    slug: str
    name: str
    created_at: datetime
    members: int


@dataclass(frozen=True, slots=True)
class CollectorCredential:
    id: int
    username: str
    created_at: datetime
    revoked_at: datetime | None
    challenge_ready: bool  # its secret is kept for hmac-*/seed-* authentication


@dataclass(frozen=True, slots=True)
class LiveCredential:
    """What the collector checks a middleware login against."""

    partner_id: int
    partner_slug: str
    secret_hash: str
    secret_plain: str | None  # kept for hmac-*/seed-* authentication


@dataclass(frozen=True, slots=True)
class PartnerSummary:
    """The counts on a partner's dashboard."""

    live: int  # live timing sessions
    reads_today: int
    people: int
    credentials: int  # live collector credentials


PARTNER_BY_ID = "SELECT id, slug, name FROM partners WHERE id = $1"
ALL_PARTNERS = "SELECT id, slug, name FROM partners ORDER BY name, id"
PARTNERS_OVERVIEW = """
SELECT p.id, p.slug, p.name, p.created_at,
       (SELECT count(*) FROM memberships m WHERE m.partner_id = p.id) AS members
FROM partners p ORDER BY p.name, p.id
"""


async def create_partner(conn: Connection, slug: str, name: str) -> Partner:
    if not SLUG_PATTERN.match(slug):
        raise PartnerError(
            f"{slug!r} is not a valid partner slug: use lower-case letters, digits and dashes "
            "(up to 63), starting with a letter or digit"
        )
    try:
        row = await conn.fetchrow(
            "INSERT INTO partners (slug, name) VALUES ($1, $2) RETURNING id, slug, name",
            slug,
            name or slug,
        )
    except UniqueViolation as exc:
        raise PartnerError(f"a partner with slug {slug!r} already exists") from exc
    assert row is not None  # INSERT ... RETURNING returns the row
    return Partner(row["id"], row["slug"], row["name"])


async def partner_by_slug(conn: Connection, slug: str) -> Partner | None:
    row = await conn.fetchrow("SELECT id, slug, name FROM partners WHERE slug = $1", slug)
    return None if row is None else Partner(row["id"], row["slug"], row["name"])


PARTNER_SUMMARY = """
SELECT
  (SELECT count(*) FROM timing_sessions WHERE partner_id = $1 AND status = 'live') AS live,
  (SELECT count(*) FROM timing_reads WHERE partner_id = $1
     AND received_at >= date_trunc('day', now())) AS reads_today,
  (SELECT count(*) FROM memberships WHERE partner_id = $1) AS people,
  (SELECT count(*) FROM collector_credentials WHERE partner_id = $1
     AND revoked_at IS NULL) AS credentials
"""
CREDENTIALS_OF = """
SELECT id, username, created_at, revoked_at, secret_plain IS NOT NULL AS challenge_ready
FROM collector_credentials WHERE partner_id = $1 ORDER BY revoked_at IS NOT NULL, username
"""
LIVE_CREDENTIAL = """
SELECT 1 FROM collector_credentials WHERE partner_id = $1 AND username = $2
AND revoked_at IS NULL
"""
LIVE_CREDENTIAL_OF_USER = """
SELECT c.partner_id, p.slug, c.secret_hash, c.secret_plain
FROM collector_credentials c JOIN partners p ON p.id = c.partner_id
WHERE c.username = $1 AND c.revoked_at IS NULL
"""
CREDENTIAL_USERNAME = "SELECT username FROM collector_credentials WHERE id = $1 AND partner_id = $2"


async def partner_by_id(conn: Connection, partner_id: int) -> Partner | None:
    row = await conn.fetchrow(PARTNER_BY_ID, partner_id)
    return None if row is None else Partner(row["id"], row["slug"], row["name"])


async def all_partners(conn: Connection) -> list[Partner]:
    """Every partner of the install, by name (platform admins only)."""
    return [Partner(r["id"], r["slug"], r["name"]) for r in await conn.fetch(ALL_PARTNERS)]


async def partners_overview(conn: Connection) -> list[PartnerOverview]:
    return [PartnerOverview(*row) for row in await conn.fetch(PARTNERS_OVERVIEW)]


async def partner_summary(conn: Connection, partner_id: int) -> PartnerSummary:
    row = await conn.fetchrow(PARTNER_SUMMARY, partner_id)
    assert row is not None  # a SELECT of subqueries without FROM returns one row
    return PartnerSummary(*row)


async def collector_credentials_of(conn: Connection, partner_id: int) -> list[CollectorCredential]:
    """The partner's credentials, live ones first."""
    return [CollectorCredential(*row) for row in await conn.fetch(CREDENTIALS_OF, partner_id)]


async def has_live_credential(conn: Connection, partner_id: int, username: str) -> bool:
    return bool(await conn.fetchval(LIVE_CREDENTIAL, partner_id, username))


async def live_credential_of(database: Queries, username: str) -> LiveCredential | None:
    """The live credential of collector user `username`, whichever partner's it is."""
    row = await database.fetchrow(LIVE_CREDENTIAL_OF_USER, username)
    return None if row is None else LiveCredential(*row)


async def credential_username(conn: Connection, partner_id: int, credential_id: int) -> str | None:
    name = await conn.fetchval(CREDENTIAL_USERNAME, credential_id, partner_id)
    return None if name is None else str(name)


async def set_collector_credential(
    conn: Connection, partner: Partner, username: str, secret: str, *, keep_plain: bool
) -> None:
    """Create the credential, or rotate its secret if `username` already belongs to `partner`.
    `keep_plain` stores the secret itself too, which hmac-*/seed-* authentication needs."""
    if not USERNAME_PATTERN.match(username):
        raise PartnerError(
            f"{username!r} is not a valid collector user: 1-64 letters, digits, '.', '_' or '-'"
        )
    owner = await conn.fetchval(
        "SELECT partner_id FROM collector_credentials WHERE username = $1", username
    )
    if owner is not None and owner != partner.id:
        raise PartnerError(f"collector user {username!r} belongs to another partner")
    await conn.execute(
        """
        INSERT INTO collector_credentials (partner_id, username, secret_hash, secret_plain)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (username) DO UPDATE
        SET secret_hash = EXCLUDED.secret_hash, secret_plain = EXCLUDED.secret_plain,
            revoked_at = NULL, created_at = now()
        """,
        partner.id,
        username,
        hash_secret(secret),
        secret if keep_plain else None,
    )


async def revoke_collector_credential(conn: Connection, partner: Partner, username: str) -> bool:
    status = await conn.execute(
        "UPDATE collector_credentials SET revoked_at = now() "
        "WHERE username = $1 AND partner_id = $2 AND revoked_at IS NULL",
        username,
        partner.id,
    )
    return bool(status.endswith(" 1"))
