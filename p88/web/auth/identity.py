"""Who is asking: the signed-in user and the partner they work in, loaded once per request.

`load_identity` runs before every request and websocket; views read the result through
`current_user()` / `current_partner()` and guard themselves with `require_role`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from typing import ParamSpec, TypeVar
from urllib.parse import quote, urlsplit

from quart import (
    g,
    has_websocket_context,
    jsonify,
    redirect,
    render_template,
    request,
    websocket,
)
from quart.typing import ResponseReturnValue

from p88.db.accounts import ROLES, membership, memberships_of, role_rank
from p88.db.login_sessions import LoginSession, live_session, set_session_partner
from p88.db.partners import Partner, partner_by_id
from p88.db.pool import Connection
from p88.web.services import services

SESSION_COOKIE = "p88_session"

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class CurrentUser:
    id: int
    email: str
    name: str
    is_platform_admin: bool


@dataclass(frozen=True, slots=True)
class CurrentPartner:
    id: int
    slug: str
    name: str
    role: str
    # True when a platform admin works in a partner they are not a member of (acts as owner).
    via_platform: bool = False


class NotSignedIn(RuntimeError):
    """current_user() was called outside a view guarded by require_role."""


async def _partner_for(
    conn: Connection, user: CurrentUser, session: LoginSession
) -> CurrentPartner | None:
    """The session's partner if the user may still work there, else their first membership."""
    if session.partner_id is not None:
        found = await membership(conn, user.id, session.partner_id)
        if found is not None:
            return CurrentPartner(found.partner_id, found.slug, found.name, found.role)
        if user.is_platform_admin:
            partner = await partner_by_id(conn, session.partner_id)
            if partner is not None:
                return CurrentPartner(partner.id, partner.slug, partner.name, "owner", True)
    memberships = await memberships_of(conn, user.id)
    if not memberships:
        return None
    first = memberships[0]
    await set_session_partner(conn, session.id, first.partner_id)
    return CurrentPartner(first.partner_id, first.slug, first.name, first.role)


def is_cross_site(origin: str | None, host: str, public_url: str) -> bool:
    """A websocket opened by a page of another site. Browsers send their cookies with the
    handshake and websockets have no CORS, so without this check any site a signed-in operator
    visits could read their live sessions (cross-site websocket hijacking)."""
    if not origin:
        return False  # not a browser: it has no operator's cookies to borrow
    site = urlsplit(origin).netloc.lower()
    own = {host.lower()}
    if public_url:
        own.add(urlsplit(public_url).netloc.lower())
    return site not in own


@dataclass(frozen=True, slots=True)
class Identity:
    """Whom a session cookie signs in, and the partner they work in now (None: no member)."""

    user: CurrentUser
    session: LoginSession
    partner: CurrentPartner | None


async def resolve_identity(conn: Connection, token: str) -> Identity | None:
    """The signed-in user behind a session cookie's value, if the session is live."""
    if not token or len(token) > 200:
        return None
    live = await live_session(conn, token)
    if live is None:
        return None
    user = CurrentUser(live.session.user_id, live.email, live.name, live.is_platform_admin)
    return Identity(user, live.session, await _partner_for(conn, user, live.session))


async def load_identity() -> None:
    """Before each request: resolve the session cookie into g.p88_user / g.p88_partner."""
    g.p88_user = None
    g.p88_partner = None
    g.p88_session = None
    g.p88_session_token = None
    source = websocket if has_websocket_context() else request
    if source.path.startswith(("/static/", "/api/")):
        return  # the data API (/api/) authenticates by API key only, never by this cookie
    token = source.cookies.get(SESSION_COOKIE)
    if not token:
        return
    async with services().pool.acquire() as conn:
        identity = await resolve_identity(conn, token)
    if identity is not None:
        g.p88_user = identity.user
        g.p88_session = identity.session
        g.p88_session_token = token
        g.p88_partner = identity.partner


def signed_in_user() -> CurrentUser | None:
    """The user, or None when anonymous (for templates and public pages)."""
    user: CurrentUser | None = g.get("p88_user")
    return user


def current_user() -> CurrentUser:
    user = signed_in_user()
    if user is None:
        raise NotSignedIn("current_user() needs a view guarded by require_role")
    return user


def current_partner() -> CurrentPartner:
    partner: CurrentPartner | None = g.get("p88_partner")
    if partner is None:
        raise NotSignedIn("current_partner() needs a view guarded by require_role")
    return partner


def current_session() -> LoginSession:
    session: LoginSession | None = g.get("p88_session")
    if session is None:
        raise NotSignedIn("current_session() needs a signed-in request")
    return session


def _wants_json() -> bool:
    source = websocket if has_websocket_context() else request
    return source.path.startswith("/api/") or has_websocket_context()


async def not_signed_in_response() -> ResponseReturnValue:
    if _wants_json():
        response = jsonify({"error": "not signed in: sign in first (or send an API key)"})
        response.status_code = 401
        return response
    target = request.full_path.rstrip("?") if request.query_string else request.path
    return redirect(f"/login?next={quote(target, safe='/')}")


async def forbidden_response(needed: str, reason: str = "") -> ResponseReturnValue:
    if _wants_json():
        response = jsonify({"error": f"this needs the {needed} role", "role_needed": needed})
        response.status_code = 403
        return response
    body = await render_template("auth/forbidden.html", needed=needed, reason=reason)
    return body, 403


def require_role(
    minimum: str,
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R | ResponseReturnValue]]]:
    """Only signed-in members of the current partner with at least `minimum` get through.

    Roles rank viewer < operator < admin < owner. Anonymous: redirect to /login (HTML) or 401
    (under /api/). Signed in without the role: 403 naming the role needed.
    """
    if minimum not in ROLES:
        raise ValueError(f"unknown role {minimum!r}; roles are {ROLES}")
    needed_rank = role_rank(minimum)

    async def refuse(_user: CurrentUser) -> ResponseReturnValue | None:
        partner: CurrentPartner | None = g.get("p88_partner")
        if partner is None:
            return await forbidden_response(
                minimum, "You are not a member of any timing company yet."
            )
        if role_rank(partner.role) < needed_rank:
            return await forbidden_response(
                minimum, f"Your role at {partner.name} is {partner.role}."
            )
        return None

    return _guard(refuse)


def require_platform_admin(
    view: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[R | ResponseReturnValue]]:
    """Only the install's operator(s) get through."""

    async def refuse(user: CurrentUser) -> ResponseReturnValue | None:
        if user.is_platform_admin:
            return None
        return await forbidden_response(
            "platform admin", "Only the operator of this p88 install can open this page."
        )

    return _guard(refuse)(view)


def require_signed_in(
    view: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[R | ResponseReturnValue]]:
    """Any signed-in person, member of a partner or not (their own account pages)."""

    async def refuse(_user: CurrentUser) -> ResponseReturnValue | None:
        return None

    return _guard(refuse)(view)


def _guard(
    refuse: Callable[[CurrentUser], Awaitable[ResponseReturnValue | None]],
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R | ResponseReturnValue]]]:
    """A view decorator: the anonymous are sent to sign in; then `refuse` answers for whom
    it turns away (None lets the person through)."""

    def decorate(
        view: Callable[P, Awaitable[R]],
    ) -> Callable[P, Awaitable[R | ResponseReturnValue]]:
        @wraps(view)
        async def guarded(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
            user = signed_in_user()
            if user is None:
                return await not_signed_in_response()
            refusal = await refuse(user)
            if refusal is not None:
                return refusal
            return await view(*args, **kwargs)

        return guarded

    return decorate


def client_address() -> str:
    source = websocket if has_websocket_context() else request
    return str(source.remote_addr or "")


def partner_of(partner: Partner | CurrentPartner) -> Partner:
    """A p88.db.partners.Partner for helpers that take one."""
    return Partner(partner.id, partner.slug, partner.name)
