"""CSRF protection for every state-changing request.

Signed in, the token is an HMAC of the session token (which lives in an HttpOnly cookie), so it
changes at every sign-in and cannot be computed by another site. Anonymous (sign-in, setup,
reset, invitation forms), it is a random value also kept in an HttpOnly cookie (double submit).
Forms send it as the `csrf_token` field, fetch() as the `X-CSRF-Token` header.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from markupsafe import Markup, escape
from quart import current_app, g, render_template, request
from quart.typing import ResponseReturnValue, ResponseTypes

CSRF_COOKIE = "p88_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

F = TypeVar("F", bound=Callable[..., Any])


def token_for_session(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"p88-csrf-v1", hashlib.sha256).hexdigest()


def csrf_token() -> str:
    """The token this request's forms must send back."""
    session_token: str | None = g.get("p88_session_token")
    if session_token:
        return token_for_session(session_token)
    anonymous: str | None = g.get("p88_csrf_new") or request.cookies.get(CSRF_COOKIE)
    if not anonymous or len(anonymous) > 100:
        anonymous = secrets.token_urlsafe(24)
        g.p88_csrf_new = anonymous  # set as a cookie on the way out
    return anonymous


def csrf_field() -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        CSRF_FIELD, escape(csrf_token())
    )


def csrf_exempt(view: F) -> F:
    """For token-authenticated API routes (API keys in a header): no cookie, no CSRF risk."""
    view.p88_csrf_exempt = True  # type: ignore[attr-defined]
    return view


def _exempt() -> bool:
    if request.endpoint is None:
        return False
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and getattr(view, "p88_csrf_exempt", False):
        return True
    blueprint = current_app.blueprints.get(request.blueprint or "")
    return bool(blueprint is not None and getattr(blueprint, "p88_csrf_exempt", False))


async def check_csrf() -> ResponseReturnValue | None:
    """Before each request: refuse unsafe methods without the right token."""
    if request.method not in UNSAFE_METHODS or _exempt():
        return None
    if request.path.startswith("/api/"):
        # The data API takes API keys in the Authorization header only, never the session
        # cookie (load_identity skips /api/), so no other site can borrow a browser's sign-in.
        return None
    presented = request.headers.get(CSRF_HEADER, "")
    if not presented:
        content_type = request.mimetype
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            presented = (await request.form).get(CSRF_FIELD, "")
    expected: str | None
    session_token: str | None = g.get("p88_session_token")
    if session_token:
        expected = token_for_session(session_token)
    else:
        expected = request.cookies.get(CSRF_COOKIE)
    if expected and presented and hmac.compare_digest(expected.encode(), presented.encode()):
        return None
    return await render_template("auth/csrf_failed.html"), 400


def set_csrf_cookie(response: ResponseTypes) -> ResponseTypes:
    """After each request: store a freshly made anonymous token."""
    new: str | None = g.get("p88_csrf_new")
    if new:
        response.set_cookie(
            CSRF_COOKIE,
            new,
            httponly=True,
            samesite="Lax",
            secure=request.scheme == "https",
            path="/",
        )
    return response
