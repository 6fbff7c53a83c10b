"""Where sign-in sends people (`next=`): only a clean path of this site, and a sign-in either
completes (session row, audit entry and cookie) or leaves nothing behind."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from p88.db.login_sessions import live_session
from p88.web.auth.identity import SESSION_COOKIE
from p88.web.views.signin import safe_next
from tests.web.support import TestAccount, create_partner_with_user, post_form, signed_in_client

UNSAFE = [
    "/x\r\nX-Injected: 1",  # header injection: a 500 once the session row was written
    "/x\nSet-Cookie: p88_session=attacker",
    "/\t/evil.example",  # browsers drop tabs and newlines: this is //evil.example
    "/\n/evil.example",
    "/x\x7f",
    "/x\x85y",  # C1 control (NEL)
    "//evil.example",
    "https://evil.example/",
    "/\\evil.example",
    "evil",
    "",
]


@pytest.mark.parametrize("target", UNSAFE)
def test_unsafe_targets_go_home(target: str) -> None:
    assert safe_next(target) == "/"


def test_safe_targets_are_kept_and_made_ascii() -> None:
    assert safe_next("/sessions/3?done=renamed") == "/sessions/3?done=renamed"
    assert safe_next("/participants?q=Zoë") == "/participants?q=Zo%C3%AB"


async def sessions_and_sign_ins(web: Any, account: TestAccount) -> tuple[int, int]:
    async with web.pool.acquire() as conn:
        sessions = await conn.fetchval(
            "SELECT count(*) FROM login_sessions WHERE user_id = $1", account.user_id
        )
        sign_ins = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE actor_id = $1 AND action = 'sign-in'",
            account.user_id,
        )
    return sessions, sign_ins


def session_cookie(client: Any) -> str | None:
    return next((c.value for c in client.cookie_jar if c.name == SESSION_COOKIE), None)


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/x\r\nX-Injected: 1", "/"),
        ("/\t/evil.example", "/"),
        ("/participants?q=Zoë", "/participants?q=Zo%C3%AB"),
        ("/sessions", "/sessions"),
    ],
)
async def test_signing_in_with_any_next_gives_the_cookie_of_the_one_session_it_made(
    web, target: str, location: str
) -> None:
    account = await create_partner_with_user(web.pool, "alpha")
    client = web.app.test_client()
    response = await post_form(
        client, "/login", {"email": account.email, "password": account.password, "next": target}
    )
    assert response.status_code == 302, await response.get_data(as_text=True)
    assert response.headers["Location"] == location
    assert "X-Injected" not in response.headers
    assert await sessions_and_sign_ins(web, account) == (1, 1)
    token = session_cookie(client)
    assert token is not None
    async with web.pool.acquire() as conn:
        found = await live_session(conn, token)
    assert found is not None and found.session.user_id == account.user_id


async def test_a_signed_in_visit_to_login_with_a_bad_next_goes_home(web) -> None:
    account = await create_partner_with_user(web.pool, "alpha")
    client = await signed_in_client(web.app, account)
    for target in ("/x\r\nX-Injected: 1", "/\t/evil.example"):
        response = await client.get(f"/login?next={quote(target)}")
        assert response.status_code == 302
        assert response.headers["Location"] == "/"
