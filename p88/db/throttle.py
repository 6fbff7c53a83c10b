"""Sign-in throttling per account and per address.

Failures are counted whether or not the account exists, so the throttle tells an attacker
nothing about which addresses have accounts. A success clears both counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from p88.db.pool import Connection

WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 30


@dataclass(frozen=True, slots=True)
class Locked:
    which: str  # "account" or "address"
    seconds_left: int


def account_key(email: str) -> str:
    return "account:" + email.strip().lower()[:254]


def address_key(address: str) -> str:
    return "address:" + address[:100]


async def locked(conn: Connection, email: str, address: str) -> Locked | None:
    rows = await conn.fetch(
        "SELECT key, ceil(extract(epoch FROM locked_until - now()))::int AS left_s "
        "FROM login_throttle WHERE key = ANY($1::text[]) AND locked_until > now()",
        [account_key(email), address_key(address)],
    )
    if not rows:
        return None
    worst = max(rows, key=lambda r: r["left_s"])
    return Locked(worst["key"].split(":", 1)[0], max(1, worst["left_s"]))


async def note_failure(conn: Connection, email: str, address: str) -> None:
    for key, limit in ((account_key(email), ACCOUNT_LIMIT), (address_key(address), ADDRESS_LIMIT)):
        await conn.execute(
            """
            INSERT INTO login_throttle AS t (key, failures, window_start) VALUES ($1, 1, now())
            ON CONFLICT (key) DO UPDATE SET
                failures = CASE WHEN t.window_start < now() - $2::interval THEN 1
                                ELSE t.failures + 1 END,
                window_start = CASE WHEN t.window_start < now() - $2::interval THEN now()
                                    ELSE t.window_start END
            """,
            key,
            WINDOW,
        )
        await conn.execute(
            "UPDATE login_throttle SET locked_until = now() + $3::interval, failures = 0, "
            "window_start = now() WHERE key = $1 AND failures >= $2",
            key,
            limit,
            LOCK,
        )


async def clear(conn: Connection, email: str, address: str) -> None:
    await conn.execute(
        "DELETE FROM login_throttle WHERE key = ANY($1::text[])",
        [account_key(email), address_key(address)],
    )
