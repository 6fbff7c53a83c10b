"""API keys for the data API: named, scoped, optionally limited to one event and to a date,
revocable, stored as SHA-256 (a key is 256 random bits, so its hash is all a database needs).

The data API authenticates each request with `authenticate(conn, presented, now)`: one
statement finds the key, counts the request in the partner's usage of the day unless the plan's
daily limit is reached, and notes the key's last use.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from p88.db.pool import Connection

KEY_PREFIX = "p88_"
MAX_NAME = 100
MAX_KEY = 100  # longer than any key p88 makes: refused before hashing

READ = "read"
WRITE_PARTICIPANTS = "write:participants"
WRITE_RESULTS = "write:results"
WRITE_DISPLAYS = "write:displays"
STREAM = "stream"
SCOPES = (READ, WRITE_PARTICIPANTS, WRITE_RESULTS, WRITE_DISPLAYS, STREAM)
"""What sql/0060 allows in api_keys.scopes."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    scopes: tuple[str, ...]
    event_name: str | None
    expires_at: datetime | None

    def state(self, now: datetime) -> str:
        """'active', 'revoked' or 'expired'."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


@dataclass(frozen=True, slots=True)
class ApiCaller:
    """Who a request acts for: a key of one partner, what it may do and for which event."""

    partner_id: int
    key_id: int
    scopes: frozenset[str] = frozenset({READ})
    event_name: str | None = None

    def may(self, scope: str) -> bool:
        return scope in self.scopes


@dataclass(frozen=True, slots=True)
class DailyQuota:
    """The plan's daily request limit (None: unlimited) and the requests counted today."""

    limit: int | None
    used: int


@dataclass(frozen=True, slots=True)
class Authenticated:
    """The outcome of presenting a key: `refusal` is '' for a caller that may go on,
    else 'unknown', 'revoked', 'expired' or 'over_limit'."""

    refusal: str
    caller: ApiCaller | None = None
    quota: DailyQuota | None = None
    expired_at: datetime | None = None


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


async def create_key(
    conn: Connection,
    partner_id: int,
    name: str,
    created_by: int | None,
    *,
    scopes: Sequence[str] = (READ,),
    event_name: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[int, str]:
    """Store a new key; return its id and the key itself, which is shown once and never again."""
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ValueError(f"scopes must be some of {', '.join(SCOPES)}; got {sorted(scopes)}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    key_id = await conn.fetchval(
        "INSERT INTO api_keys (partner_id, name, prefix, key_hash, created_by, scopes, "
        "event_name, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        partner_id,
        name,
        key[:10],
        digest(key),
        created_by,
        [s for s in SCOPES if s in scopes],
        event_name,
        expires_at,
    )
    return int(key_id), key


async def keys_of(conn: Connection, partner_id: int) -> list[ApiKey]:
    rows = await conn.fetch(
        "SELECT id, name, prefix, created_at, last_used_at, revoked_at, scopes, event_name, "
        "expires_at FROM api_keys "
        "WHERE partner_id = $1 ORDER BY revoked_at IS NOT NULL, created_at DESC",
        partner_id,
    )
    return [
        ApiKey(
            r["id"],
            r["name"],
            r["prefix"],
            r["created_at"],
            r["last_used_at"],
            r["revoked_at"],
            tuple(r["scopes"]),
            r["event_name"],
            r["expires_at"],
        )
        for r in rows
    ]


async def revoke_key(conn: Connection, partner_id: int, key_id: int) -> str | None:
    """Revoke; the key's name, or None if it is not the partner's or already revoked."""
    name = await conn.fetchval(
        "UPDATE api_keys SET revoked_at = now() "
        "WHERE id = $1 AND partner_id = $2 AND revoked_at IS NULL RETURNING name",
        key_id,
        partner_id,
    )
    return None if name is None else str(name)


# $1 key hash, $2 now, $3 today (UTC). The plan in force today sets the daily limit; a request
# is counted only while under it, so refused requests do not push tomorrow's count. The final
# SELECT sees usage as it was before this statement (data-modifying CTEs are not visible to it).
AUTHENTICATE = """
WITH k AS (
    SELECT id, partner_id, scopes, event_name, expires_at, revoked_at,
           revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2) AS live
    FROM api_keys WHERE key_hash = $1
), plan AS (
    SELECT p.max_api_requests_per_day AS daily
    FROM k JOIN subscriptions s ON s.partner_id = k.partner_id JOIN plans p ON p.id = s.plan_id
    WHERE s.status <> 'cancelled' AND s.starts_on <= $3 AND (s.ends_on IS NULL OR s.ends_on >= $3)
    ORDER BY s.starts_on DESC, s.id DESC LIMIT 1
), counted AS (
    INSERT INTO usage_daily AS u (partner_id, day, api_requests)
    SELECT k.partner_id, $3, 1 FROM k
    WHERE k.live AND coalesce((SELECT daily FROM plan), 1) > 0
    ON CONFLICT (partner_id, day) DO UPDATE SET api_requests = u.api_requests + 1
    WHERE u.api_requests < coalesce((SELECT daily FROM plan), u.api_requests + 1)
    RETURNING api_requests
), touched AS (
    UPDATE api_keys SET last_used_at = $2
    WHERE id = (SELECT id FROM k WHERE live)
      AND (last_used_at IS NULL OR last_used_at < $2 - interval '1 minute')
)
SELECT k.id, k.partner_id, k.scopes, k.event_name, k.expires_at, k.revoked_at, k.live,
       (SELECT daily FROM plan) AS daily, (SELECT api_requests FROM counted) AS counted,
       (SELECT api_requests FROM usage_daily u WHERE u.partner_id = k.partner_id AND u.day = $3)
           AS before
FROM k
"""


async def authenticate(conn: Connection, presented: str, now: datetime) -> Authenticated:
    """Who a presented key acts for, or why it may not; counts the request against the
    partner's daily limit (`now` decides the day, UTC, and the expiry). Runs outside any tenant
    transaction: the key is the credential, the partner comes from it."""
    if not presented.startswith(KEY_PREFIX) or len(presented) > MAX_KEY:
        return Authenticated("unknown")
    today = now.astimezone(UTC).date()
    row = await conn.fetchrow(AUTHENTICATE, digest(presented), now, today)
    if row is None:
        return Authenticated("unknown")
    if row["revoked_at"] is not None:
        return Authenticated("revoked")
    if not row["live"]:
        return Authenticated("expired", expired_at=row["expires_at"])
    caller = ApiCaller(row["partner_id"], row["id"], frozenset(row["scopes"]), row["event_name"])
    if row["counted"] is None:
        quota = DailyQuota(row["daily"], int(row["before"] or 0))
        return Authenticated("over_limit", caller, quota)
    return Authenticated("", caller, DailyQuota(row["daily"], int(row["counted"])))
