"""Sign-in done properly: argon2id, rehash, throttling, no enumeration, first-run setup."""

from __future__ import annotations

import argon2

from p88.commands.accounts import first_run_setup_link
from p88.db import throttle
from tests.web.support import create_partner_with_user, csrf_token_of, post_form, signed_in_client


async def sign_in(client, email: str, password: str):  # type: ignore[no-untyped-def]
    return await post_form(client, "/login", {"email": email, "password": password})


async def stored_hash(web, user_id: int) -> str:  # type: ignore[no-untyped-def]
    async with web.pool.acquire() as conn:
        return str(await conn.fetchval("SELECT password_hash FROM users WHERE id = $1", user_id))


async def test_passwords_are_argon2id(web) -> None:
    account = await create_partner_with_user(web.pool, "alpha")
    hashed = await stored_hash(web, account.user_id)
    assert hashed.startswith("$argon2id$")
    assert account.password not in hashed


async def test_a_stale_parameter_hash_is_rehashed_at_sign_in(web) -> None:
    account = await create_partner_with_user(web.pool, "alpha")
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    async with web.pool.acquire() as conn:
        await conn.execute(
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            account.user_id,
            weak.hash(account.password),
        )
    assert "m=8192,t=1,p=1" in await stored_hash(web, account.user_id)
    response = await sign_in(web.app.test_client(), account.email, account.password)
    assert response.status_code == 302
    rehashed = await stored_hash(web, account.user_id)
    assert rehashed.startswith("$argon2id$") and "m=8192,t=1,p=1" not in rehashed
    assert not argon2.PasswordHasher().check_needs_rehash(rehashed)
    assert argon2.PasswordHasher().verify(rehashed, account.password)


async def test_unknown_account_and_wrong_password_look_the_same(web) -> None:
    account = await create_partner_with_user(web.pool, "alpha")
    client = web.app.test_client()
    wrong = await sign_in(client, account.email, "not the password")
    unknown = await sign_in(client, "nobody@nowhere.example", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    body_wrong = (await wrong.get_data(as_text=True)).replace(account.email, "EMAIL")
    body_unknown = (await unknown.get_data(as_text=True)).replace("nobody@nowhere.example", "EMAIL")
    assert body_wrong == body_unknown
    assert "do not match" in body_wrong


async def test_throttle_locks_the_account_after_repeated_failures_and_success_resets(web) -> None:
    account = await create_partner_with_user(web.pool, "alpha")
    client = web.app.test_client()
    for _ in range(throttle.ACCOUNT_LIMIT - 1):
        assert (await sign_in(client, account.email, "wrong password")).status_code == 401
    # A success clears the count: the same number of failures again does not lock.
    assert (await sign_in(client, account.email, account.password)).status_code == 302
    client = web.app.test_client()
    for _ in range(throttle.ACCOUNT_LIMIT - 1):
        assert (await sign_in(client, account.email, "wrong password")).status_code == 401
    assert (await sign_in(client, account.email, account.password)).status_code == 302

    client = web.app.test_client()
    for _ in range(throttle.ACCOUNT_LIMIT):
        response = await sign_in(client, account.email, "wrong password")
    body = await response.get_data(as_text=True)
    assert "Too many failed sign-ins for this account" in body
    # Locked: even the right password is refused, with the same clear message.
    response = await sign_in(client, account.email, account.password)
    assert response.status_code == 401
    assert "Too many failed sign-ins for this account" in await response.get_data(as_text=True)
    # The lock is per account: another person on the same address still signs in.
    other = await create_partner_with_user(web.pool, "alpha", "viewer")
    assert (await sign_in(web.app.test_client(), other.email, other.password)).status_code == 302


async def test_throttle_also_counts_per_address(web) -> None:
    account = await create_partner_with_user(web.pool, "alpha")
    client = web.app.test_client()
    for i in range(throttle.ADDRESS_LIMIT):
        await sign_in(client, f"guess{i}@example.com", "wrong password")
    response = await sign_in(client, account.email, account.password)
    assert response.status_code == 401
    assert "from your network address" in await response.get_data(as_text=True)


async def test_unknown_accounts_are_throttled_like_known_ones(web) -> None:
    client = web.app.test_client()
    for _ in range(throttle.ACCOUNT_LIMIT):
        response = await sign_in(client, "ghost@example.com", "wrong password")
    assert "Too many failed sign-ins for this account" in await response.get_data(as_text=True)


async def test_sign_in_and_failures_are_audited(web) -> None:
    account = await create_partner_with_user(web.pool, "alpha")
    await sign_in(web.app.test_client(), account.email, "wrong password")
    await sign_in(web.app.test_client(), account.email, account.password)
    async with web.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT action, actor_email, address, partner_id FROM audit_log ORDER BY id"
        )
    # A failure is logged for the platform and for each company the person belongs to.
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("sign-in failed", account.email, None),
        ("sign-in failed", account.email, account.partner_id),
        ("sign-in", account.email, account.partner_id),
    ]
    assert all(r["address"] for r in rows)
    await sign_in(web.app.test_client(), "stranger@nowhere.example", "guess")
    owner = await signed_in_client(web.app, account)
    page = await (await owner.get("/admin/audit")).get_data(as_text=True)
    assert "sign-in failed" in page and "wrong email or password" in page
    assert "stranger@nowhere.example" not in page


async def test_first_run_setup_link_creates_the_platform_admin_once(web) -> None:
    link = await first_run_setup_link(web.pool, "http://example.test")
    assert link is not None and link.startswith("http://example.test/setup/")
    path = link.removeprefix("http://example.test")
    # A second start prints a new link; the first stops working.
    newer = await first_run_setup_link(web.pool, "http://example.test")
    assert newer is not None and newer != link
    client = web.app.test_client()
    assert (await client.get(path)).status_code == 404
    path = newer.removeprefix("http://example.test")
    page = await client.get(path)
    assert page.status_code == 200 and "Welcome to p88" in await page.get_data(as_text=True)
    form = {
        "email": "Root@Example.com",
        "name": "Root",
        "password": "a long password 1",
        "unauthenticated": "unassigned",  # the first-run question (tests/web/test_unassigned_pages)
    }
    response = await post_form(client, path, {**form, "password_again": "different one!!"})
    assert response.status_code == 400
    assert "differ" in await response.get_data(as_text=True)
    token = await csrf_token_of(client)
    response = await client.post(
        path, form={**form, "password_again": form["password"], "csrf_token": token}
    )
    assert response.status_code == 302
    page = await client.get("/")
    assert page.status_code == 200 and "Platform" in await page.get_data(as_text=True)
    # Replaying the same form (with a valid CSRF token): the link is used, nothing is created.
    replay = await post_form(
        web.app.test_client(),
        path,
        {**form, "email": "evil@example.com", "password_again": form["password"]},
    )
    assert replay.status_code == 404
    assert "already used" in await replay.get_data(as_text=True)
    async with web.pool.acquire() as conn:
        admins = await conn.fetch("SELECT email FROM users WHERE is_platform_admin")
    assert [r[0] for r in admins] == ["root@example.com"]
    assert await first_run_setup_link(web.pool, "http://example.test") is None
