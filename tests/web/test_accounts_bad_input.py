"""Bad input on the accounts pages: a clear message, and nothing changes."""

from __future__ import annotations

import pytest

from p88.db import account_tokens
from tests.web.support import (
    WebHarness,
    create_partner_with_user,
    csrf_token_of,
    make_platform_admin,
    post_form,
    signed_in_client,
)


async def counts(web) -> dict[str, int]:  # type: ignore[no-untyped-def]
    tables = ("users", "memberships", "invitations", "api_keys", "collector_credentials",
              "plans", "subscriptions", "payments", "partners")  # fmt: skip
    async with web.pool.acquire() as conn:
        return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in tables}


async def expect(response, status: int, words: str) -> None:  # type: ignore[no-untyped-def]
    body = await response.get_data(as_text=True)
    assert response.status_code == status, body[-800:]
    assert words in body, body[-800:]


async def test_over_long_fields(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha")
    client = await signed_in_client(web.app, owner)
    before = await counts(web)
    await expect(
        await post_form(
            client, "/admin/invitations", {"email": "a" * 5000 + "@x.example", "role": "viewer"}
        ),
        400,
        "not an email address",
    )
    await expect(
        await post_form(client, "/admin/api-keys", {"name": "k" * 101}), 400, "1 to 100 characters"
    )
    await expect(
        await post_form(client, "/admin/collectors", {"username": "u" * 65}),
        400,
        "not a valid collector user",
    )
    await expect(await post_form(client, "/account/profile", {"name": "n" * 201}), 400, "too long")
    long_pw = "p" * 1001
    await expect(
        await post_form(
            client,
            "/account/password",
            {"current": owner.password, "new": long_pw, "again": long_pw},
        ),
        400,
        "too long",
    )
    await expect(
        await post_form(
            web.app.test_client(), "/login", {"email": "e" * 100_000, "password": "x" * 100_000}
        ),
        401,
        "do not match",
    )
    assert await counts(web) == before
    assert (
        await post_form(
            web.app.test_client(), "/login", {"email": owner.email, "password": owner.password}
        )
    ).status_code == 302


PAYMENTS = "/platform/partners/{pid}/payments"
SUBSCRIPTION = "/platform/partners/{pid}/subscription"
PAID = {"paid_on": "2026-01-01", "amount": "5", "currency": "EUR", "method": "cash"}
SUBSCRIBED = {"plan_id": "1", "status": "active", "starts_on": "2026-01-01"}

# (who posts, where ({pid}: the owner's company, {other}: a viewer of it), the form, what the
# 400 page must say)
WRONG = [
    pytest.param(
        "owner", "/admin/users/{other}/role", {"role": "superuser"}, "not a role", id="role"
    ),
    pytest.param(
        "owner",
        "/admin/invitations",
        {"email": "x@y.example", "role": ["owner", "x"]},
        "not a role",
        id="invitation-two-roles",
    ),
    pytest.param("admin", PAYMENTS, {**PAID, "amount": "abc"}, "amount as a number", id="amount"),
    pytest.param("admin", PAYMENTS, {**PAID, "paid_on": "yesterday"}, "YYYY-MM-DD", id="paid-on"),
    pytest.param("admin", PAYMENTS, {**PAID, "amount": "-5"}, "between 0", id="negative"),
    pytest.param("admin", PAYMENTS, {**PAID, "currency": "euro"}, "three-letter", id="currency"),
    pytest.param(
        "admin", SUBSCRIPTION, {**SUBSCRIBED, "plan_id": "x"}, "choose one of the plans", id="plan"
    ),
    pytest.param(
        "admin", SUBSCRIPTION, {**SUBSCRIBED, "status": "free"}, "choose a status", id="status"
    ),
    pytest.param(
        "admin",
        SUBSCRIPTION,
        {**SUBSCRIBED, "starts_on": "2026-02-01", "ends_on": "2026-01-01"},
        "ends before it starts",
        id="ends-first",
    ),
    pytest.param(
        "admin",
        "/platform/plans",
        {"slug": "big", "name": "Big", "max_active_displays": "lots", "read_retention_days": "30"},
        "whole number",
        id="plan-limit",
    ),
    pytest.param(
        "admin",
        "/platform/plans",
        {"slug": "big", "name": "Big", "read_retention_days": "0"},
        "at least 1 day",
        id="plan-retention",
    ),
    pytest.param(
        "admin",
        "/platform/plans",
        {"slug": "Big Plan", "name": "Big", "read_retention_days": "3"},
        "lower-case",
        id="plan-slug",
    ),
    pytest.param(
        "admin",
        "/platform/partners",
        {"slug": "Not A Slug", "name": "X"},
        "not a valid partner slug",
        id="partner-slug",
    ),
    pytest.param(
        "admin",
        "/platform/partners",
        {"slug": "alpha", "name": "Again"},
        "already exists",
        id="partner-taken",
    ),
    pytest.param(
        "admin",
        "/platform/partners",
        {"slug": "gamma", "name": "G", "owner_email": "nope"},
        "not an email",
        id="partner-owner",
    ),
]


@pytest.mark.parametrize(("who", "path", "form", "words"), WRONG)
async def test_wrong_types_and_values(
    web: WebHarness, who: str, path: str, form: dict[str, object], words: str
) -> None:
    owner = await create_partner_with_user(web.pool, "alpha")
    other = await create_partner_with_user(web.pool, "alpha", "viewer")
    poster = owner if who == "owner" else await make_platform_admin(web.pool)
    client = await signed_in_client(web.app, poster)
    before = await counts(web)
    target = path.format(pid=owner.partner_id, other=other.user_id)
    await expect(await post_form(client, target, form), 400, words)
    assert await counts(web) == before


async def test_unknown_ids_are_404(web) -> None:
    admin = await signed_in_client(web.app, await make_platform_admin(web.pool))
    for path in ("/platform/partners/999999", "/platform/partners/abc"):
        await expect(await admin.get(path), 404, "Not found")
    await expect(
        await post_form(
            admin, "/platform/plans/999999", {"slug": "x", "name": "x", "read_retention_days": "1"}
        ),
        404,
        "no such plan",
    )
    await expect(
        await post_form(admin, "/platform/partners/999999/payments", {}),
        404,
        "no such timing company",
    )


async def test_expired_and_unknown_setup_links(web) -> None:
    async with web.pool.acquire() as conn:
        token = await account_tokens.issue_setup(conn)
        await conn.execute("UPDATE account_tokens SET expires_at = now() - interval '1 second'")
    client = web.app.test_client()
    await expect(await client.get(f"/setup/{token}"), 404, "has expired")
    await expect(await client.get("/setup/nonsense"), 404, "not valid")
    await expect(await client.get("/reset/" + "x" * 5000), 404, "not valid")
    await expect(await client.get("/invite/unknown"), 404, "not valid")
    assert (await counts(web))["users"] == 0


async def test_replayed_forms_change_nothing_the_second_time(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha", "admin")
    client = await signed_in_client(web.app, owner)
    await post_form(client, "/admin/api-keys", {"name": "one", "scope": "read"})
    async with web.pool.acquire() as conn:
        key_id = await conn.fetchval("SELECT id FROM api_keys")
    assert (await post_form(client, f"/admin/api-keys/{key_id}/revoke", {})).status_code == 302
    async with web.pool.acquire() as conn:
        revoked_at = await conn.fetchval("SELECT revoked_at FROM api_keys")
    await expect(
        await post_form(client, f"/admin/api-keys/{key_id}/revoke", {}),
        404,
        "no such active API key",
    )
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT revoked_at FROM api_keys") == revoked_at
    # A form captured before signing out is refused after signing in again.
    old_token = await csrf_token_of(client)
    await post_form(client, "/logout", {})
    client = await signed_in_client(web.app, owner)
    await expect(
        await client.post("/admin/api-keys", form={"name": "two", "csrf_token": old_token}),
        400,
        "form expired",
    )
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM api_keys") == 1
