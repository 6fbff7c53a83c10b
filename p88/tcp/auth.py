"""CTP01 authentication: which partner a middleware connection belongs to.

SimpleClient's socket settings have User and Password fields; the server asks for one of the
methods below and the client answers `authorize~<user>~<string>`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

import trio

from p88.db.pool import Pool
from p88.passwords import verify_secret

log = logging.getLogger(__name__)

CHALLENGE_METHODS = ("hmac-sha1", "hmac-md5", "seed-sha1", "seed-md5")

SELECT_CREDENTIAL = """
SELECT c.partner_id, c.secret_hash, c.secret_plain, p.slug
FROM collector_credentials c JOIN partners p ON p.id = c.partner_id
WHERE c.username = $1 AND c.revoked_at IS NULL
"""

SELECT_PARTNER = "SELECT id FROM partners WHERE slug = $1"


@dataclass(frozen=True, slots=True)
class Authenticated:
    partner_id: int
    partner_slug: str


def new_seed() -> str:
    return secrets.token_hex(16)


def expected_answer(method: str, password: str, seed: str) -> str:
    """What a client that knows `password` sends for `method` and `seed`."""
    if method == "plaintext":
        return password
    algorithm = method.split("-", 1)[1]
    if method.startswith("hmac-"):
        return hmac.new(password.encode(), seed.encode(), algorithm).hexdigest()
    return hashlib.new(algorithm, (seed + password).encode()).hexdigest()


async def authenticate(
    pool: Pool, method: str, username: str, answer: str, seed: str
) -> Authenticated | None:
    """The partner whose live credential `username` matches `answer`, else None."""
    row = await pool.fetchrow(SELECT_CREDENTIAL, username)
    if row is None:
        return None
    if method == "plaintext":
        # argon2 takes tens of milliseconds of CPU: keep it off the event loop.
        ok = await trio.to_thread.run_sync(verify_secret, row["secret_hash"], answer)
    elif row["secret_plain"] is None:
        log.warning(
            "collector user %s was created without a stored secret, which %s needs; "
            "rotate it with `p88 collector-user add --rotate`",
            username,
            method,
        )
        ok = False
    else:
        expected = expected_answer(method, row["secret_plain"], seed)
        ok = hmac.compare_digest(expected.lower(), answer.strip().lower())
    return Authenticated(row["partner_id"], row["slug"]) if ok else None


async def anonymous_partner(pool: Pool, slug: str) -> Authenticated | None:
    if not slug:
        return None
    partner_id = await pool.fetchval(SELECT_PARTNER, slug)
    return None if partner_id is None else Authenticated(partner_id, slug)
