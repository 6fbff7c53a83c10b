"""Helpers for web tests: a real app on a real database, partners with signed-in users.

Use them like this (tests run in trio mode, the `dsn` fixture gives a fresh migrated database):

    from tests.web.support import create_partner_with_user, post_form, signed_in_client, web_app

    async def test_something(dsn, tmp_path):
        async with web_app(dsn, tmp_path) as web:          # web.app, web.pool, web.config
            alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
            bravo = await create_partner_with_user(web.pool, "bravo")
            client = await signed_in_client(web.app, alpha)  # signed in through POST /login
            page = await client.get("/sessions")
            response = await post_form(client, "/displays/new", {"name": "Finish"})
            response = await post_json(client, "/api/thing", {"x": 1})

`tests/web/conftest.py` also offers the fixture `web` (the same thing as `web_app`). The harness
runs the results service as `p88 serve` does (`web.results`, also `services().results`).

- `create_partner_with_user(pool, slug, role="owner", *, email=None, password=None)` creates the
  partner (or reuses it when the slug exists) and a user who is a member with `role`; it returns
  a `TestAccount` (partner_id, partner_slug, user_id, email, password, role).
- `add_user(pool, account_or_slug, role)` adds another member (a new user) to that partner.
- `signed_in_client(app, account)` returns a Quart test client holding the session cookie.
- `post_form(client, url, data)` / `post_json(client, url, payload, method="POST")` add the CSRF
  token the way a browser would (hidden field / `X-CSRF-Token` header).
- `csrf_token_of(client)` gives the token for hand-made requests.
- `make_platform_admin(pool, email=None)` creates a platform admin `TestAccount` (partner fields
  are those of the `default` partner, of which the admin is NOT a member).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import trio
from hypercorn.config import Config as HypercornConfig

from p88.ask.service import open_ask_service
from p88.config import Config
from p88.db.accounts import create_user, set_membership
from p88.db.database import open_database
from p88.db.partners import PartnerError, create_partner, partner_by_slug
from p88.hub import Hub
from p88.live.results import ResultsService
from p88.stats import Stats
from p88.web.app import create_app
from p88.web.auth.csrf import CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, token_for_session
from p88.web.auth.identity import SESSION_COOKIE
from p88.web.front import serve_port
from p88.web.push import ROUTES, PushServer
from p88.web.services import WebServices
from tests.conftest import make_config
from tests.system.wsclient import WsClient, WsClosed

_emails = itertools.count(1)
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True, slots=True)
class TestAccount:
    __test__ = False  # not a pytest test class

    partner_id: int
    partner_slug: str
    user_id: int
    email: str
    password: str
    role: str


@dataclass(slots=True)
class WebHarness:
    app: Any
    pool: Any
    config: Config
    hub: Hub
    stats: Stats
    push_url: str  # p88's websocket server for this app, on a real port (http://host:port)
    results: ResultsService  # the app's results service (services().results)


async def _no_pages(scope: Any, receive: Any, send: Any) -> None:
    """The HTTP side of the harness's push port: pages go through the test client instead."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": b""})


@asynccontextmanager
async def _push_port(services: WebServices) -> AsyncIterator[str]:
    hc = HypercornConfig()
    hc.bind = ["127.0.0.1:0"]
    hc.graceful_timeout = 1.0
    shutdown = trio.Event()
    async with trio.open_nursery() as nursery:
        push = PushServer(services, ROUTES)
        urls = await nursery.start(partial(serve_port, _no_pages, hc, shutdown, push=push))
        try:
            yield urls[0]
        finally:
            shutdown.set()


@asynccontextmanager
async def web_app(
    dsn: str, data_dir: Path, **sections: dict[str, object]
) -> AsyncIterator[WebHarness]:
    """The real app (all blueprints) over a real pool on `dsn`, started like Hypercorn does,
    and p88's websocket server for it on a real port; `sections` add config (e.g.
    web={"trusted_proxies": [...]})."""
    config = make_config(dsn, data_dir, **sections)
    async with (
        open_database(config, pool_size=4) as database,
        open_ask_service(config, database.dsn, database.pool) as ask,
        trio.open_nursery() as nursery,
    ):
        hub, stats = Hub(), Stats()
        results = ResultsService(database.pool)  # as serve() runs it: beside the hub
        await nursery.start(results.run)
        hub.results = results
        services = WebServices(config, database.pool, hub, stats, results, ask)
        await nursery.start(services.public_results.feeds.run)  # public results pages' sockets
        app = create_app(services)
        try:
            async with app.test_app(), _push_port(services) as push_url:
                yield WebHarness(app, database.pool, config, hub, stats, push_url, results)
        finally:
            results.close()
            services.public_results.feeds.close()


def session_cookie(client: Any) -> str:
    """The Cookie header a browser signed in like `client` sends with a websocket."""
    value = _cookie(client, SESSION_COOKIE)
    return f"{SESSION_COOKIE}={value}" if value else ""


async def refused_status(
    web: WebHarness, client: Any, path: str, headers: dict[str, str] | None = None
) -> int:
    """The HTTP status a websocket upgrade (with `client`'s cookie) was refused with."""
    try:
        socket = await WsClient.connect(
            web.push_url, path, cookie=session_cookie(client), headers=headers
        )
    except WsClosed as refused:
        return refused.code
    await socket.aclose()
    raise AssertionError(f"the websocket {path} was accepted")


async def create_partner_with_user(
    pool: Any,
    slug: str,
    role: str = "owner",
    *,
    email: str | None = None,
    password: str = PASSWORD,
    name: str = "",
) -> TestAccount:
    async with pool.acquire() as conn:
        try:
            partner = await create_partner(conn, slug, name or f"{slug.title()} Timing")
        except PartnerError:
            found = await partner_by_slug(conn, slug)
            assert found is not None
            partner = found
        email = email or f"{role}{next(_emails)}@{slug}.example"
        user = await create_user(conn, email, f"{role.title()} of {slug}", password)
        await set_membership(conn, user.id, partner.id, role)
    return TestAccount(partner.id, partner.slug, user.id, user.email, password, role)


async def add_user(pool: Any, account_or_slug: TestAccount | str, role: str) -> TestAccount:
    slug = account_or_slug if isinstance(account_or_slug, str) else account_or_slug.partner_slug
    return await create_partner_with_user(pool, slug, role)


async def make_platform_admin(pool: Any, email: str | None = None) -> TestAccount:
    async with pool.acquire() as conn:
        email = email or f"admin{next(_emails)}@platform.example"
        user = await create_user(conn, email, "Platform Admin", PASSWORD, is_platform_admin=True)
        default = await partner_by_slug(conn, "default")
        assert default is not None
    return TestAccount(default.id, default.slug, user.id, user.email, PASSWORD, "platform")


def _cookie(client: Any, name: str) -> str | None:
    for cookie in client.cookie_jar:
        if cookie.name == name:
            return str(cookie.value)
    return None


async def csrf_token_of(client: Any) -> str:
    session = _cookie(client, SESSION_COOKIE)
    if session:
        return token_for_session(session)
    anonymous = _cookie(client, CSRF_COOKIE)
    if anonymous is None:
        await client.get("/login")  # hands out the anonymous token cookie
        anonymous = _cookie(client, CSRF_COOKIE)
    assert anonymous is not None, "the app did not set a CSRF cookie on GET /login"
    return anonymous


async def signed_in_client(app: Any, account: TestAccount) -> Any:
    """A test client signed in as `account` through the real sign-in form."""
    client = app.test_client()
    response = await post_form(
        client, "/login", {"email": account.email, "password": account.password}
    )
    assert response.status_code == 302, f"sign-in failed: {await response.get_data(as_text=True)}"
    return client


async def post_form(client: Any, url: str, data: dict[str, Any] | None = None) -> Any:
    form = {key: str(value) for key, value in (data or {}).items()}
    form[CSRF_FIELD] = await csrf_token_of(client)
    return await client.post(url, form=form)


async def post_json(client: Any, url: str, payload: Any, method: str = "POST") -> Any:
    headers = {CSRF_HEADER: await csrf_token_of(client)}
    return await client.open(url, method=method, json=payload, headers=headers)
