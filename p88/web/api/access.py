"""Who a data API request acts for: the API key in `Authorization: Bearer <key>` (never a
cookie), what it may do (scopes), which event it is limited to, and the plan's daily limit.

Order of refusals: no or bad key 401, daily limit reached 429, missing scope 403; then the views
answer 404 for anything outside the key's company or event. Every answer carries the
`RateLimit-*` headers when the plan has a daily limit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import ParamSpec, TypeVar

from quart import g, request
from quart.typing import ResponseTypes

from p88.db.api_keys import ApiCaller, Authenticated, DailyQuota, authenticate
from p88.db.pool import Connection
from p88.db.tenancy import tenant_transaction
from p88.web.api.problems import ApiProblem
from p88.web.services import services

P = ParamSpec("P")
R = TypeVar("R")

SCOPE_ATTRIBUTE = "p88_api_scope"  # read by the OpenAPI document (its security requirement)
CHALLENGE = 'Bearer realm="p88"'
DAY = 86_400


def bearer_key(header: str) -> str | None:
    """The key of an `Authorization: Bearer <key>` header, or None."""
    scheme, _, key = header.strip().partition(" ")
    key = key.strip()
    return key if scheme.lower() == "bearer" and key else None


def seconds_to_midnight(now: datetime) -> int:
    """Seconds until the next UTC day, when the daily count starts again."""
    utc = now.astimezone(UTC)
    midnight = (utc + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - utc).total_seconds() + 0.999))


def refusal_problem(outcome: Authenticated, now: datetime) -> ApiProblem:
    if outcome.refusal == "over_limit":
        assert outcome.quota is not None
        wait = seconds_to_midnight(now)
        return ApiProblem(
            429,
            "too-many-requests",
            f"Your plan allows {outcome.quota.limit} API requests a day (UTC) and today's are "
            f"used. The count starts again in {wait} s; ask the platform administrator for a "
            "bigger plan to raise the limit.",
            headers={"Retry-After": str(wait)},
        )
    reasons = {
        "unknown": "This API key is not known. Check that the whole key was copied, or make a "
        "new one on Admin -> API keys.",
        "revoked": "This API key was revoked. Make a new one on Admin -> API keys.",
        "expired": "This API key has expired"
        + (f" (at {outcome.expired_at.isoformat()})" if outcome.expired_at else "")
        + ". Make a new one on Admin -> API keys.",
    }
    challenge = CHALLENGE + ', error="invalid_token"'
    return ApiProblem(
        401, "unauthorized", reasons[outcome.refusal], headers={"WWW-Authenticate": challenge}
    )


async def authenticate_request() -> None:
    """Before every data API request (except the public document): the caller, or a refusal."""
    key = bearer_key(request.headers.get("Authorization", ""))
    if key is None:
        raise ApiProblem(
            401,
            "unauthorized",
            "Send an API key as `Authorization: Bearer <key>`. Keys are made on Admin -> API keys.",
            headers={"WWW-Authenticate": CHALLENGE},
        )
    web = services()
    now = web.clock()
    async with web.pool.acquire() as conn:
        outcome = await authenticate(conn, key, now)
    g.p88_api_now = now
    g.p88_api_quota = outcome.quota
    if outcome.refusal:
        raise refusal_problem(outcome, now)
    g.p88_api_caller = outcome.caller


def caller() -> ApiCaller:
    found: ApiCaller | None = g.get("p88_api_caller")
    if found is None:
        raise RuntimeError("caller() needs an authenticated data API request")
    return found


def needs(scope: str) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """A view the key may call only with `scope` (403 otherwise)."""

    def decorate(view: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @wraps(view)
        async def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            if not caller().may(scope):
                raise ApiProblem(
                    403,
                    "forbidden",
                    f"This needs a key with the {scope!r} scope; this key has "
                    f"{', '.join(sorted(caller().scopes))}. Make a key with that scope on "
                    "Admin -> API keys.",
                )
            return await view(*args, **kwargs)

        setattr(guarded, SCOPE_ATTRIBUTE, scope)
        return guarded

    return decorate


def api_tenant() -> AbstractAsyncContextManager[Connection]:
    """A transaction as the key's company, under row-level security (p88.db.tenancy)."""
    return tenant_transaction(services().pool, caller().partner_id)


def add_rate_limit_headers(response: ResponseTypes) -> ResponseTypes:
    """After every authenticated request: the day's limit, what is left, when it resets."""
    quota: DailyQuota | None = g.get("p88_api_quota")
    if quota is not None and quota.limit is not None:
        now: datetime = g.get("p88_api_now") or services().clock()
        reset = seconds_to_midnight(now)
        response.headers["RateLimit-Limit"] = str(quota.limit)
        response.headers["RateLimit-Remaining"] = str(max(0, quota.limit - quota.used))
        response.headers["RateLimit-Reset"] = str(reset)
        response.headers["RateLimit-Policy"] = f"{quota.limit};w={DAY}"
    return response
