"""Security headers on every response.

Pages may not be framed unless their blueprint (or view) opts in with `allow_framing`: venue
software may embed public display pages, nothing else. The referrer policy keeps display URLs,
which carry secret tokens, from leaking to other sites.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from quart import Blueprint, current_app, request
from quart.typing import ResponseTypes

T = TypeVar("T", bound=Blueprint | Callable[..., Any])

BASE_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'"
)


# A year, the usual figure; no includeSubDomains: other hosts of the domain are not p88's.
HSTS = "max-age=31536000"


def allow_framing(target: T) -> T:
    """Let other sites frame this blueprint's (or this view's) pages."""
    target.p88_allow_framing = True  # type: ignore[union-attr]
    return target


def _framing_allowed() -> bool:
    if request.endpoint is not None:
        view = current_app.view_functions.get(request.endpoint)
        if view is not None and getattr(view, "p88_allow_framing", False):
            return True
    blueprint = current_app.blueprints.get(request.blueprint or "")
    return bool(blueprint is not None and getattr(blueprint, "p88_allow_framing", False))


def security_headers(*, framing: bool, https: bool) -> dict[str, str]:
    """The headers every page gets (also sent by p88.web.fast_pages, which serves public
    results pages without Quart)."""
    headers = {
        "Content-Security-Policy": BASE_CSP if framing else BASE_CSP + "; frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    if not framing:
        headers["X-Frame-Options"] = "DENY"
    if https:
        headers["Strict-Transport-Security"] = HSTS
    return headers


def add_security_headers(response: ResponseTypes) -> ResponseTypes:
    # The scheme is the proxy's when it is trusted (p88.web.forwarded).
    wanted = security_headers(framing=_framing_allowed(), https=request.scheme == "https")
    response.headers.setdefault("Content-Security-Policy", wanted.pop("Content-Security-Policy"))
    response.headers.update(wanted)
    if request.path.startswith(("/login", "/setup/", "/reset/", "/invite/", "/account", "/admin")):
        response.headers["Cache-Control"] = "no-store"
    return response
