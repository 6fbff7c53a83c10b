"""Behind a TLS proxy listed in web.trusted_proxies: cookies keep Secure, HSTS is sent, and
sign-in records, throttles and display-link guards see the client, not the proxy. The same
headers from any other address change nothing."""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

from p88.web.auth.csrf import CSRF_COOKIE, CSRF_FIELD
from p88.web.auth.identity import SESSION_COOKIE
from tests.system.wsclient import WsClient
from tests.web.support import TestAccount, create_partner_with_user, web_app

PROXY = ("10.0.0.5", 4711)
STRANGER = ("198.51.100.9", 4711)
# The test's own websockets come from 127.0.0.1: trusted too, as a proxy on the same host is.
TRUSTED: dict[str, dict[str, object]] = {"web": {"trusted_proxies": ["10.0.0.0/8", "127.0.0.1"]}}


def forwarded(client_ip: str, proto: str = "https") -> dict[str, str]:
    return {"X-Forwarded-For": f"6.6.6.6, {client_ip}", "X-Forwarded-Proto": proto}


def set_cookies(response: Any) -> dict[str, Any]:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        jar.load(header)
    return dict(jar)


async def sign_in_from(web: Any, account: TestAccount, peer: tuple[str, int], client_ip: str):
    """Sign in as a browser does, the cookies passed by hand (the test client's jar would not
    send Secure cookies over the scope's plain http)."""
    client = web.app.test_client()
    headers = forwarded(client_ip)
    form_page = await client.get("/login", headers=headers, scope_base={"client": peer})
    csrf = set_cookies(form_page)[CSRF_COOKIE]
    response = await client.post(
        "/login",
        form={"email": account.email, "password": account.password, CSRF_FIELD: csrf.value},
        headers={**headers, "Cookie": f"{CSRF_COOKIE}={csrf.value}"},
        scope_base={"client": peer},
    )
    assert response.status_code == 302, await response.get_data(as_text=True)
    return form_page, response


async def recorded_addresses(web: Any, account: TestAccount) -> tuple[set[str], set[str]]:
    async with web.pool.acquire() as conn:
        sessions = await conn.fetch(
            "SELECT address FROM login_sessions WHERE user_id = $1", account.user_id
        )
        audit = await conn.fetch(
            "SELECT address FROM audit_log WHERE actor_id = $1 AND action = 'sign-in'",
            account.user_id,
        )
    return {r["address"] for r in sessions}, {r["address"] for r in audit}


async def test_through_a_trusted_proxy_cookies_are_secure_and_the_client_is_recorded(
    dsn, tmp_path
) -> None:
    async with web_app(dsn, tmp_path, **TRUSTED) as web:
        account = await create_partner_with_user(web.pool, "alpha")
        form_page, response = await sign_in_from(web, account, PROXY, "203.0.113.7")
        assert set_cookies(form_page)[CSRF_COOKIE]["secure"]
        session = set_cookies(response)[SESSION_COOKIE]
        assert session["secure"] and session["httponly"]
        for page in (form_page, response):
            assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
        assert await recorded_addresses(web, account) == ({"203.0.113.7"}, {"203.0.113.7"})


async def test_the_same_headers_from_an_untrusted_peer_are_ignored(dsn, tmp_path) -> None:
    async with web_app(dsn, tmp_path, **TRUSTED) as web:
        account = await create_partner_with_user(web.pool, "alpha")
        _, response = await sign_in_from(web, account, STRANGER, "203.0.113.7")
        assert not set_cookies(response)[SESSION_COOKIE]["secure"]
        assert "Strict-Transport-Security" not in response.headers
        assert await recorded_addresses(web, account) == ({"198.51.100.9"}, {"198.51.100.9"})


async def test_without_trusted_proxies_nobody_is_believed(web) -> None:
    account = await create_partner_with_user(web.pool, "alpha")
    _, response = await sign_in_from(web, account, PROXY, "203.0.113.7")
    assert not set_cookies(response)[SESSION_COOKIE]["secure"]
    assert "Strict-Transport-Security" not in response.headers
    assert await recorded_addresses(web, account) == ({"10.0.0.5"}, {"10.0.0.5"})


async def test_hsts_when_p88_serves_tls_itself(web) -> None:
    response = await web.app.test_client().get("/login", scheme="https")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in (await web.app.test_client().get("/login")).headers


async def test_failed_sign_ins_are_throttled_per_client(dsn, tmp_path) -> None:
    async with web_app(dsn, tmp_path, **TRUSTED) as web:
        client = web.app.test_client()
        headers = forwarded("203.0.113.7")
        page = await client.get("/login", headers=headers, scope_base={"client": PROXY})
        csrf = set_cookies(page)[CSRF_COOKIE].value
        response = await client.post(
            "/login",
            form={"email": "nobody@x.example", "password": "wrong", CSRF_FIELD: csrf},
            headers={**headers, "Cookie": f"{CSRF_COOKIE}={csrf}"},
            scope_base={"client": PROXY},
        )
        assert response.status_code == 401
        async with web.pool.acquire() as conn:
            keys = {r["key"] for r in await conn.fetch("SELECT key FROM login_throttle")}
        assert "address:203.0.113.7" in keys and "address:10.0.0.5" not in keys


async def test_wrong_display_links_block_the_guessing_client_not_the_proxy(dsn, tmp_path) -> None:
    async with web_app(dsn, tmp_path, **TRUSTED) as web:
        client = web.app.test_client()
        guesser, bystander = forwarded("203.0.113.7"), forwarded("203.0.113.8")

        async def page(headers: dict[str, str]) -> int:
            found = await client.get(
                "/d/not-a-token", headers=headers, scope_base={"client": PROXY}
            )
            return int(found.status_code)

        assert [await page(guesser) for _ in range(20)] == [404] * 20
        assert await page(guesser) == 429
        assert await page(bystander) == 404
        assert await close_code(web, guesser) == 4429
        assert await close_code(web, bystander) == 4404


async def close_code(web: Any, headers: dict[str, str]) -> int:
    """The display socket's close code, asked through p88's websocket server."""
    page = await WsClient.connect(web.push_url, "/d/not-a-token/ws", headers=headers)
    return await page.close_code()
