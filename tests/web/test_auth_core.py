"""The auth core: guards, roles, CSRF, headers, cookies."""

from __future__ import annotations

from quart import Blueprint

from p88.web.auth import current_partner, current_user, require_role
from tests.web.support import (
    create_partner_with_user,
    csrf_token_of,
    post_form,
    signed_in_client,
)


async def test_anonymous_is_sent_to_sign_in_and_api_gets_401(web) -> None:
    client = web.app.test_client()
    response = await client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    response = await client.get("/switch-partner?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/switch-partner%3Fx%3D1"


async def test_sign_in_sets_a_safe_cookie_and_shows_the_partner_dashboard(web) -> None:
    account = await create_partner_with_user(web.pool, "alpha", "operator")
    client = web.app.test_client()
    token = await csrf_token_of(client)
    response = await client.post(
        "/login",
        form={"email": account.email.upper(), "password": account.password, "csrf_token": token},
    )
    assert response.status_code == 302
    cookie = next(
        v
        for k, v in response.headers.items()
        if k.lower() == "set-cookie" and v.startswith("p88_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = await client.get("/")
    body = await page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Alpha Timing" in body and "operator" in body
    assert 'name="csrf-token"' in body


async def test_require_role_orders_roles_and_names_the_role_needed(web) -> None:
    # A view added for this test only, guarded like every partner page.
    bp = Blueprint("probe", __name__)

    @bp.get("/probe-admin")
    @require_role("admin")
    async def probe() -> str:
        return f"{current_user().email} at {current_partner().slug} as {current_partner().role}"

    web.app.register_blueprint(bp)
    operator = await create_partner_with_user(web.pool, "alpha", "operator")
    owner = await create_partner_with_user(web.pool, "alpha", "owner")
    client = await signed_in_client(web.app, operator)
    response = await client.get("/probe-admin")
    assert response.status_code == 403
    assert "admin role" in await response.get_data(as_text=True)
    client = await signed_in_client(web.app, owner)
    response = await client.get("/probe-admin")
    assert response.status_code == 200
    assert await response.get_data(as_text=True) == f"{owner.email} at alpha as owner"


async def test_posts_without_csrf_token_are_refused_and_change_nothing(web) -> None:
    account = await create_partner_with_user(web.pool, "alpha")
    client = web.app.test_client()
    response = await client.post(
        "/login", form={"email": account.email, "password": account.password}
    )
    assert response.status_code == 400
    assert "form expired or came from another site" in await response.get_data(as_text=True)
    assert (await client.get("/")).status_code == 302  # still not signed in
    client = await signed_in_client(web.app, account)
    response = await client.post("/logout", form={"csrf_token": "forged"})
    assert response.status_code == 400
    assert (await client.get("/")).status_code == 200  # still signed in
    response = await post_form(client, "/logout", {})
    assert response.status_code == 302
    assert (await client.get("/")).status_code == 302


async def test_a_form_from_before_sign_in_is_refused_after_it(web) -> None:
    account = await create_partner_with_user(web.pool, "alpha")
    client = web.app.test_client()
    anonymous_token = await csrf_token_of(client)
    await post_form(client, "/login", {"email": account.email, "password": account.password})
    response = await client.post("/logout", form={"csrf_token": anonymous_token})
    assert response.status_code == 400


async def test_security_headers_on_every_response(web) -> None:
    client = web.app.test_client()
    for path in ("/login", "/", "/static/p88.css", "/no-such-page"):
        response = await client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


async def test_sign_in_returns_to_next_but_never_to_another_site(web) -> None:
    account = await create_partner_with_user(web.pool, "alpha")
    for target, expected in (
        ("/account?x=1", "/account?x=1"),
        ("//evil.example/steal", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ):
        client = web.app.test_client()
        response = await post_form(
            client, "/login", {"email": account.email, "password": account.password, "next": target}
        )
        assert response.status_code == 302
        assert response.headers["Location"] == expected, target


async def test_display_pages_may_opt_into_framing(web) -> None:
    from p88.web.auth import allow_framing

    bp = allow_framing(Blueprint("framed_probe", __name__))

    @bp.get("/framed-probe")
    async def framed() -> str:
        return "ok"

    web.app.register_blueprint(bp)
    response = await web.app.test_client().get("/framed-probe")
    assert "frame-ancestors" not in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Referrer-Policy"] == "same-origin"


async def test_cookies_are_secure_over_https(web) -> None:
    account = await create_partner_with_user(web.pool, "alpha")
    client = web.app.test_client()
    token = await csrf_token_of(client)
    response = await client.post(
        "/login",
        form={"email": account.email, "password": account.password, "csrf_token": token},
        scheme="https",
    )
    cookies = [v for k, v in response.headers.items() if k.lower() == "set-cookie"]
    session = next(c for c in cookies if c.startswith("p88_session="))
    assert "Secure" in session and "HttpOnly" in session and "SameSite=Lax" in session


async def test_sessions_end_after_idle_or_absolute_expiry(web) -> None:
    account = await create_partner_with_user(web.pool, "alpha")
    for column in ("idle_expires_at", "absolute_expires_at"):
        client = await signed_in_client(web.app, account)
        assert (await client.get("/")).status_code == 200
        async with web.pool.acquire() as conn:
            await conn.execute(
                f"UPDATE login_sessions SET {column} = now() - interval '1 second' "
                "WHERE user_id = $1 AND revoked_at IS NULL",
                account.user_id,
            )
        assert (await client.get("/")).status_code == 302, column
    async with web.pool.acquire() as conn:
        stored = await conn.fetch("SELECT token_hash FROM login_sessions")
    cookie_values = {c.value for c in client.cookie_jar}
    assert all(len(r[0]) == 64 and r[0] not in cookie_values for r in stored)  # sha256 only
