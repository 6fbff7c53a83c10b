"""Authentication, authorization, CSRF and security headers for the web app.

The interface other view modules use:

    from p88.web.auth import require_role, current_user, current_partner, require_platform_admin

    @bp.get("/sessions")
    @require_role("viewer")
    async def sessions() -> str:
        partner = current_partner()          # id, slug, name, role
        async with tenant() as conn: ...     # p88.web.tenant: as this partner, under RLS

Forms carry `{{ csrf_field() }}`; fetch() sends the `X-CSRF-Token` header read from
`<meta name="csrf-token">` (base.html). Token-authenticated API views use `@csrf_exempt`;
public display blueprints that venue software may frame use `allow_framing(blueprint)`.
"""

from __future__ import annotations

from typing import Any

from quart import Quart, request
from quart.typing import ResponseTypes

from p88.db.accounts import ROLES, role_rank
from p88.db.login_sessions import ABSOLUTE
from p88.web.auth.csrf import check_csrf, csrf_exempt, csrf_field, csrf_token, set_csrf_cookie
from p88.web.auth.headers import add_security_headers, allow_framing
from p88.web.auth.identity import (
    SESSION_COOKIE,
    CurrentPartner,
    CurrentUser,
    client_address,
    current_partner,
    current_session,
    current_user,
    load_identity,
    require_platform_admin,
    require_role,
    require_signed_in,
    signed_in_user,
)

__all__ = [
    "ROLES",
    "CurrentPartner",
    "CurrentUser",
    "allow_framing",
    "clear_session_cookie",
    "client_address",
    "csrf_exempt",
    "csrf_field",
    "csrf_token",
    "current_partner",
    "current_session",
    "current_user",
    "has_role",
    "install_auth",
    "require_platform_admin",
    "require_role",
    "require_signed_in",
    "set_session_cookie",
    "signed_in_user",
]


def has_role(minimum: str) -> bool:
    """For templates and views that show more to stronger roles."""
    from quart import g

    partner: CurrentPartner | None = g.get("p88_partner")
    return partner is not None and role_rank(partner.role) >= role_rank(minimum)


def set_session_cookie(response: ResponseTypes, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(ABSOLUTE.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=request.scheme == "https",
        path="/",
    )


def clear_session_cookie(response: ResponseTypes) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="Lax", secure=request.scheme == "https"
    )


def install_auth(app: Quart) -> None:
    """Wire identity loading, CSRF, headers and template helpers into the app."""
    app.before_request(load_identity)
    app.before_websocket(load_identity)
    app.before_request(check_csrf)
    app.after_request(set_csrf_cookie)
    app.after_request(add_security_headers)
    app.jinja_env.globals["csrf_field"] = csrf_field
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["has_role"] = has_role

    async def identity_context() -> dict[str, Any]:
        from quart import g

        return {"nav_user": g.get("p88_user"), "nav_partner": g.get("p88_partner")}

    app.context_processor(identity_context)
