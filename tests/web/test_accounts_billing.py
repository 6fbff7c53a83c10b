"""Collector credentials, API keys, plans and limits, usage, payments and the audit log."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from p88.db.api_keys import authenticate
from p88.db.plans import check_limit
from p88.db.tenancy import tenant_transaction
from p88.db.usage import record_api_request, record_display_usage
from p88.passwords import verify_secret
from tests.web.isolation import seed_partner
from tests.web.sessions_seed import seed_session
from tests.web.support import (
    add_user,
    create_partner_with_user,
    make_platform_admin,
    post_form,
    signed_in_client,
)

SECRET = re.compile(r"data-secret>([^<]+)<")
CARD = re.compile(r'<div class="label">([^<]+)</div><div class="value">([^<]+)</div>')


async def test_collector_secret_is_shown_once_and_rotation_replaces_it(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha", "admin")
    client = await signed_in_client(web.app, owner)
    body = await (await post_form(client, "/admin/collectors", {"username": "finish-1"})).get_data(
        as_text=True
    )
    first = SECRET.search(body).group(1)
    listing = await (await client.get("/admin/collectors")).get_data(as_text=True)
    assert "finish-1" in listing and first not in listing
    async with web.pool.acquire() as conn:
        cred_id, stored = await conn.fetchrow(
            "SELECT id, secret_hash FROM collector_credentials WHERE username = 'finish-1'"
        )
    assert first not in stored and verify_secret(stored, first)
    body = await (await post_form(client, f"/admin/collectors/{cred_id}/rotate", {})).get_data(
        as_text=True
    )
    second = SECRET.search(body).group(1)
    async with web.pool.acquire() as conn:
        stored = await conn.fetchval(
            "SELECT secret_hash FROM collector_credentials WHERE id = $1", cred_id
        )
    assert second != first and verify_secret(stored, second) and not verify_secret(stored, first)
    duplicate = await post_form(client, "/admin/collectors", {"username": "finish-1"})
    assert duplicate.status_code == 400 and "Rotate" in await duplicate.get_data(as_text=True)
    assert (await post_form(client, f"/admin/collectors/{cred_id}/revoke", {})).status_code == 302
    async with web.pool.acquire() as conn:
        assert await conn.fetchval(
            "SELECT revoked_at IS NOT NULL FROM collector_credentials WHERE id = $1", cred_id
        )


async def test_collector_name_of_another_partner_is_refused(web) -> None:
    a = await create_partner_with_user(web.pool, "alpha", "admin")
    b = await create_partner_with_user(web.pool, "bravo", "admin")
    await post_form(await signed_in_client(web.app, b), "/admin/collectors", {"username": "mat"})
    response = await post_form(
        await signed_in_client(web.app, a), "/admin/collectors", {"username": "mat"}
    )
    assert response.status_code == 400
    async with web.pool.acquire() as conn:
        assert (
            await conn.fetchval(
                "SELECT partner_id FROM collector_credentials WHERE username = 'mat'"
            )
            == b.partner_id
        )


async def test_api_key_is_shown_once_stored_hashed_and_records_use(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha", "admin")
    client = await signed_in_client(web.app, owner)
    body = await (
        await post_form(client, "/admin/api-keys", {"name": "results site", "scope": "read"})
    ).get_data(as_text=True)
    key = SECRET.search(body).group(1)
    assert key.startswith("p88_") and len(key) > 40
    listing = await (await client.get("/admin/api-keys")).get_data(as_text=True)
    never_used = 'data-label="Last used">never'
    assert key not in listing and never_used in listing
    async with web.pool.acquire() as conn:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM api_keys WHERE key_hash = $1 OR prefix = $1", key
            )
            == 0
        )
        caller = (await authenticate(conn, key, datetime.now(UTC))).caller
        assert caller is not None and caller.partner_id == owner.partner_id
        assert (await authenticate(conn, key + "x", datetime.now(UTC))).refusal == "unknown"
        key_id = caller.key_id
    listing = await (await client.get("/admin/api-keys")).get_data(as_text=True)
    assert never_used not in listing
    assert (await post_form(client, f"/admin/api-keys/{key_id}/revoke", {})).status_code == 302
    async with web.pool.acquire() as conn:
        assert (await authenticate(conn, key, datetime.now(UTC))).refusal == "revoked"
        assert (
            await conn.fetchval(
                "SELECT api_requests FROM usage_daily WHERE partner_id = $1", owner.partner_id
            )
            == 1
        )


async def subscribe(web, partner_id: int, plan_slug: str) -> None:  # type: ignore[no-untyped-def]
    admin = await make_platform_admin(web.pool)
    client = await signed_in_client(web.app, admin)
    async with web.pool.acquire() as conn:
        plan_id = await conn.fetchval("SELECT id FROM plans WHERE slug = $1", plan_slug)
    response = await post_form(
        client, f"/platform/partners/{partner_id}/subscription",
        {"plan_id": plan_id, "status": "active", "starts_on": "2020-01-01"},
    )  # fmt: skip
    assert response.status_code == 302


async def test_limits_bite_with_a_message_naming_the_limit(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha")
    async with tenant_transaction(web.pool, owner.partner_id) as conn:
        free = await check_limit(conn, owner.partner_id, "active_displays", used=50)
    assert free.allowed and free.limit is None
    await subscribe(web, owner.partner_id, "starter")
    async with tenant_transaction(web.pool, owner.partner_id) as conn:
        room = await check_limit(conn, owner.partner_id, "active_displays", used=1)
        full = await check_limit(conn, owner.partner_id, "active_displays", used=2)
        api = await check_limit(conn, owner.partner_id, "api_requests_per_day")
    assert room.allowed and not room.over
    assert not full.allowed and not full.over and full.limit == 2
    assert "Starter allows 2 active displays at a time" in full.message
    assert "platform administrator" in full.message
    assert api.allowed and api.used == 0
    # The subscription is in its history, on the owner's plan page and the platform's.
    admin = await signed_in_client(web.app, await make_platform_admin(web.pool))
    mine = await signed_in_client(web.app, owner)
    for client, path in ((mine, "/admin/plan"), (admin, f"/platform/partners/{owner.partner_id}")):
        page = await (await client.get(path)).get_data(as_text=True)
        assert "Subscription history" in page and "<td>2020-01-01</td>" in page


async def test_sessions_over_the_limit_are_flagged_not_refused(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha")
    async with web.pool.acquire() as conn:
        await conn.execute("UPDATE plans SET max_sessions_per_month = 0 WHERE slug = 'starter'")
    await subscribe(web, owner.partner_id, "starter")
    await seed_partner(web.pool, owner)  # a timing session with a read, as ingest stores it
    async with tenant_transaction(web.pool, owner.partner_id) as conn:
        status = await check_limit(conn, owner.partner_id, "sessions_per_month", adding=0)
        assert await conn.fetchval("SELECT count(*) FROM timing_reads") == 1
    assert status.over and status.used == 1
    client = await signed_in_client(web.app, owner)
    page = await (await client.get("/admin/plan")).get_data(as_text=True)
    assert "Over the limit" in page and "still stored" in page


async def test_usage_table_and_chart_show_the_day(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha")
    await seed_partner(web.pool, owner)  # one read received now
    async with tenant_transaction(web.pool, owner.partner_id) as conn:
        await record_api_request(conn, owner.partner_id, 7)
        await record_display_usage(conn, owner.partner_id, active_displays=3, viewers=40)
        await record_display_usage(conn, owner.partner_id, active_displays=2, viewers=90)
    client = await signed_in_client(web.app, owner)
    page = await (await client.get("/admin/plan")).get_data(as_text=True)
    cells = "".join(rf"<td[^>]*>{v}</td>" for v in (r"\d{4}-\d\d-\d\d", 1, 7, 3, 90))
    row = re.search(cells, page)
    assert row, "today's usage row: 1 read, 7 API requests, peak 3 displays, peak 90 viewers"
    assert page.count('<rect class="bar"') == 30
    assert "<script" not in page


async def test_payments_recorded_by_the_platform_admin_are_seen_by_that_owner_only(web) -> None:
    a = await create_partner_with_user(web.pool, "alpha")
    b = await create_partner_with_user(web.pool, "bravo")
    admin = await signed_in_client(web.app, await make_platform_admin(web.pool))
    response = await post_form(
        admin, f"/platform/partners/{a.partner_id}/payments",
        {"paid_on": "2026-03-01", "amount": "249,00", "currency": "eur", "method": "bank transfer",
         "reference": "INV-77", "period_start": "2026-03-01", "period_end": "2027-02-28"},
    )  # fmt: skip
    assert response.status_code == 302
    page_a = await (await (await signed_in_client(web.app, a)).get("/admin/payments")).get_data(
        as_text=True
    )
    page_b = await (await (await signed_in_client(web.app, b)).get("/admin/payments")).get_data(
        as_text=True
    )
    assert "249.00 EUR" in page_a and "INV-77" in page_a and "2027-02-28" in page_a
    assert "INV-77" not in page_b and "No payments recorded" in page_b
    everything = await (await admin.get("/platform/payments")).get_data(as_text=True)
    assert "INV-77" in everything and "Alpha Timing" in everything


async def test_audit_log_owner_sees_own_platform_admin_sees_all(web) -> None:
    a = await create_partner_with_user(web.pool, "alpha")
    b = await create_partner_with_user(web.pool, "bravo")
    client_a = await signed_in_client(web.app, a)
    await post_form(client_a, "/admin/api-keys", {"name": "alpha-key", "scope": "read"})
    await post_form(
        await signed_in_client(web.app, b),
        "/admin/api-keys",
        {"name": "bravo-key", "scope": "read"},
    )
    await post_form(
        web.app.test_client(), "/login", {"email": "nobody@x.example", "password": "guess"}
    )
    page = await (await client_a.get("/admin/audit")).get_data(as_text=True)
    assert "API key created" in page and "alpha-key" in page and a.email in page
    assert "bravo-key" not in page and "nobody@x.example" not in page
    admin = await signed_in_client(web.app, await make_platform_admin(web.pool))
    everything = await (await admin.get("/platform/audit")).get_data(as_text=True)
    for text in ("alpha-key", "bravo-key", "sign-in failed", "nobody@x.example", "&lt;local&gt;"):
        assert text in everything, text


async def test_the_dashboard_counts_only_the_partners_own_sessions_reads_and_people(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha", "admin")
    await add_user(web.pool, owner, "viewer")
    other = await create_partner_with_user(web.pool, "bravo")
    finish = [("FINISH", "t1", "10:00:00.00"), ("FINISH", "t2", "10:00:01.00")]
    await seed_session(web.pool, owner.partner_id, "Spring 10K", finish)
    await seed_session(web.pool, other.partner_id, "Elsewhere", [("FINISH", "t9", "10:00:00.00")])
    client = await signed_in_client(web.app, owner)
    await post_form(client, "/admin/collectors", {"username": "finish-1"})
    cards = dict(CARD.findall(await (await client.get("/")).get_data(as_text=True)))
    assert cards["Live sessions"] == "1" and cards["Reads today"] == "2"
    assert cards["Collector credentials"] == "1" and cards["People"] == "2"
