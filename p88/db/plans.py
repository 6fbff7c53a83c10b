"""Plans, subscriptions and the limits they set.

`check_limit` is what other features call before they create something a plan counts:

    async with tenant_transaction(pool, partner.id) as conn:
        status = await check_limit(conn, partner.id, "active_displays", used=active_count)
        if not status.allowed:
            return page_with_error(status.message)

Limits never stop the collector: ingest stores every read and the plan page flags the overrun.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from p88.db.pool import Connection, Row

# limit name -> (plans column, what is counted, period words)
LIMITS: dict[str, tuple[str, str, str]] = {
    "active_displays": ("max_active_displays", "active displays", "at a time"),
    "sessions_per_month": ("max_sessions_per_month", "timing sessions", "per month"),
    "participants_per_event": ("max_participants_per_event", "participants", "per event"),
    "api_requests_per_day": ("max_api_requests_per_day", "API requests", "per day"),
}

PLAN_COLUMNS = (
    "id, slug, name, max_active_displays, max_sessions_per_month, max_participants_per_event, "
    "max_api_requests_per_day, read_retention_days, price_note"
)


@dataclass(frozen=True, slots=True)
class Plan:
    id: int
    slug: str
    name: str
    max_active_displays: int | None
    max_sessions_per_month: int | None
    max_participants_per_event: int | None
    max_api_requests_per_day: int | None
    read_retention_days: int
    price_note: str

    def limit(self, name: str) -> int | None:
        value: int | None = getattr(self, LIMITS[name][0])
        return value


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    partner_id: int
    plan: Plan
    starts_on: date
    ends_on: date | None
    status: str


@dataclass(frozen=True, slots=True)
class LimitStatus:
    name: str
    limit: int | None  # None: no limit
    used: int
    allowed: bool  # room for `adding` more
    over: bool  # already beyond the limit (ingest kept going; shown as a flag)
    message: str  # for the person, when not allowed or over


def _plan(row: Row) -> Plan:
    return Plan(*(row[i] for i in range(9)))


async def list_plans(conn: Connection) -> list[Plan]:
    rows = await conn.fetch(f"SELECT {PLAN_COLUMNS} FROM plans ORDER BY id")
    return [_plan(r) for r in rows]


async def plan_by_id(conn: Connection, plan_id: int) -> Plan | None:
    row = await conn.fetchrow(f"SELECT {PLAN_COLUMNS} FROM plans WHERE id = $1", plan_id)
    return None if row is None else _plan(row)


async def save_plan(conn: Connection, plan_id: int | None, values: dict[str, Any]) -> int:
    """Create (plan_id None) or update a plan; values are already validated."""
    columns = [
        "slug", "name", "max_active_displays", "max_sessions_per_month",
        "max_participants_per_event", "max_api_requests_per_day", "read_retention_days",
        "price_note",
    ]  # fmt: skip
    args = [values[c] for c in columns]
    if plan_id is None:
        return int(
            await conn.fetchval(
                f"INSERT INTO plans ({', '.join(columns)}) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                *args,
            )
        )
    assignments = ", ".join(f"{c} = ${i + 2}" for i, c in enumerate(columns))
    await conn.execute(f"UPDATE plans SET {assignments} WHERE id = $1", plan_id, *args)
    return plan_id


CURRENT = f"""
SELECT s.id, s.partner_id, s.starts_on, s.ends_on, s.status,
       {", ".join("p." + c.strip() for c in PLAN_COLUMNS.split(","))}
FROM subscriptions s JOIN plans p ON p.id = s.plan_id
WHERE s.partner_id = $1 AND s.status <> 'cancelled'
  AND s.starts_on <= current_date AND (s.ends_on IS NULL OR s.ends_on >= current_date)
ORDER BY s.starts_on DESC, s.id DESC LIMIT 1
"""


async def current_subscription(conn: Connection, partner_id: int) -> Subscription | None:
    row = await conn.fetchrow(CURRENT, partner_id)
    if row is None:
        return None
    plan = Plan(*(row[i] for i in range(5, 14)))
    return Subscription(row[0], row[1], plan, row[2], row[3], row[4])


async def subscriptions_of(conn: Connection, partner_id: int) -> list[Any]:
    return list(
        await conn.fetch(
            "SELECT s.id, s.starts_on, s.ends_on, s.status, p.name AS plan_name "
            "FROM subscriptions s JOIN plans p ON p.id = s.plan_id WHERE s.partner_id = $1 "
            "ORDER BY s.starts_on DESC, s.id DESC",
            partner_id,
        )
    )


async def add_subscription(
    conn: Connection,
    partner_id: int,
    plan_id: int,
    starts_on: date,
    ends_on: date | None,
    status: str,
) -> int:
    return int(
        await conn.fetchval(
            "INSERT INTO subscriptions (partner_id, plan_id, starts_on, ends_on, status) "
            "VALUES ($1, $2, $3, $4, $5) RETURNING id",
            partner_id,
            plan_id,
            starts_on,
            ends_on,
            status,
        )
    )


async def _counted(conn: Connection, partner_id: int, name: str) -> int:
    if name == "sessions_per_month":
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM timing_sessions WHERE partner_id = $1 "
                "AND created_at >= date_trunc('month', now())",
                partner_id,
            )
        )
    if name == "api_requests_per_day":
        value = await conn.fetchval(
            "SELECT api_requests FROM usage_daily WHERE partner_id = $1 AND day = current_date",
            partner_id,
        )
        return int(value or 0)
    raise ValueError(f"check_limit({name!r}) needs used=<current count>: p88 cannot count it")


async def check_limit(
    conn: Connection, partner_id: int, limit_name: str, *, used: int | None = None, adding: int = 1
) -> LimitStatus:
    """Whether the partner may add `adding` more of `limit_name` under its current plan.

    `used` is the current count; it can be left out for sessions_per_month and
    api_requests_per_day, which p88 counts itself. Pass adding=0 to ask "am I over?".
    """
    if limit_name not in LIMITS:
        raise ValueError(f"unknown limit {limit_name!r}; known: {', '.join(LIMITS)}")
    subscription = await current_subscription(conn, partner_id)
    count = used if used is not None else await _counted(conn, partner_id, limit_name)
    limit = subscription.plan.limit(limit_name) if subscription is not None else None
    if limit is None or subscription is None:
        return LimitStatus(limit_name, None, count, True, False, "")
    allowed = count + adding <= limit
    over = count > limit
    _, what, period = LIMITS[limit_name]
    message = ""
    if not allowed or over:
        message = (
            f"Your plan {subscription.plan.name} allows {limit} {what} {period} and you have "
            f"{count}. To raise the limit, ask the platform administrator to move "
            f"{'your company' if over else 'you'} to a bigger plan (Admin → Plan & usage shows "
            "the plans)."
        )
    return LimitStatus(limit_name, limit, count, allowed, over, message)
