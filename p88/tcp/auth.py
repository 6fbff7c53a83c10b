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

from p88.db.pool import DATABASE_DOWN_ERRORS, Pool
from p88.db.unassigned import unauthenticated_partner
from p88.passwords import verify_secret

log = logging.getLogger(__name__)

CHALLENGE_METHODS = ("hmac-sha1", "hmac-md5", "seed-sha1", "seed-md5")

SELECT_CREDENTIAL = """
SELECT c.partner_id, c.secret_hash, c.secret_plain, p.slug
FROM collector_credentials c JOIN partners p ON p.id = c.partner_id
WHERE c.username = $1 AND c.revoked_at IS NULL
"""


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


@dataclass(frozen=True, slots=True)
class _Credential:
    partner: Authenticated
    secret_hash: str
    secret_plain: str | None


class CollectorCredentials:
    """Who a connection belongs to. The last answer PostgreSQL gave for each user (and for the
    anonymous partner) is remembered, so middleware can still reconnect while the database is
    down and its reads reach the journal. A credential revoked meanwhile is refused from the
    first lookup after the database is back."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self._credentials: dict[str, _Credential | None] = {}
        self._partners: dict[str, Authenticated | None] = {}

    async def _credential(self, username: str) -> _Credential | None:
        try:
            row = await self.pool.fetchrow(SELECT_CREDENTIAL, username)
        except DATABASE_DOWN_ERRORS:
            if username not in self._credentials:
                raise
            log.warning("PostgreSQL is down: collector user %s checked from memory", username)
            return self._credentials[username]
        found = None
        if row is not None:
            partner = Authenticated(row["partner_id"], row["slug"])
            found = _Credential(partner, row["secret_hash"], row["secret_plain"])
        self._credentials[username] = found
        return found

    async def authenticate(
        self, method: str, username: str, answer: str, seed: str
    ) -> Authenticated | None:
        """The partner whose live credential `username` matches `answer`, else None."""
        credential = await self._credential(username)
        if credential is None:
            return None
        if method == "plaintext":
            # argon2 takes tens of milliseconds of CPU: keep it off the event loop.
            ok = await trio.to_thread.run_sync(verify_secret, credential.secret_hash, answer)
        elif credential.secret_plain is None:
            log.warning(
                "collector user %s was created without a stored secret, which %s needs; "
                "give it a new one with `p88 collector-user add PARTNER %s`",
                username,
                method,
                username,
            )
            ok = False
        else:
            expected = expected_answer(method, credential.secret_plain, seed)
            ok = hmac.compare_digest(expected.lower(), answer.strip().lower())
        return credential.partner if ok else None

    async def anonymous(self, slug: str) -> Authenticated | None:
        """The partner of unauthenticated connections (None: refuse them): the company chosen
        in the web app, else the one `slug` (collector.anonymous_partner) names."""
        try:
            partner = await unauthenticated_partner(self.pool, slug)
        except DATABASE_DOWN_ERRORS:
            if slug not in self._partners:
                raise
            return self._partners[slug]
        self._partners[slug] = None if partner is None else Authenticated(partner.id, partner.slug)
        return self._partners[slug]
