"""Display operator pages: create, link + QR, rotate, revoke, delete; each partner sees only its
own displays (another partner's id is a 404), viewers cannot change anything, CSRF applies."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from p88.db.templates import create_template
from p88.db.tenancy import tenant_transaction
from p88.demo import ensure_session
from p88.displays import store
from p88.displays.tokens import token_hash
from p88.layouts.presets import sample_document
from tests.web.sessions_seed import seed_session
from tests.web.support import (
    TestAccount,
    WebHarness,
    add_user,
    create_partner_with_user,
    post_form,
    signed_in_client,
)

# Every rule here is requested as partner A with partner B's ids (404) or, for the list and the
# create form, checked for B's rows and for a create that names B's session (refused).
COVERED_RULES: set[str] = {
    "/displays",
    "/displays/new",
    "/displays/<int:display_id>",
    "/displays/<int:display_id>/rotate",
    "/displays/<int:display_id>/revoke",
    "/displays/<int:display_id>/delete",
    "/d/<token>/images/<int:image_id>",
}

LINK = re.compile(r'value="(http://[^"]+/d/([A-Za-z0-9_-]{32}))"')


async def session_of(web: WebHarness, account: TestAccount, event: str = "RIVER RUN") -> int:
    async with tenant_transaction(web.pool, account.partner_id) as conn:
        return await ensure_session(conn, account.partner_id, event, date(2021, 5, 8), "UTC")


def form(session_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Finish TV",
        "session_id": str(session_id),
        "locations": "FINISH",
        "mode": "finish",
        "min_on_screen_ms": "1000",
        "group_window_ms": "1500",
        "max_group": "4",
        "max_queue": "30",
        "ignore_window_s": "5",
        "min_lap_s": "300",
        "clock_offset_ms": "0",
        "vip_first": "1",
        **extra,
    }


async def create(client: Any, session_id: int, **extra: Any) -> tuple[int, str]:
    response = await post_form(client, "/displays/new", form(session_id, **extra))
    body = (await response.get_data()).decode()
    assert response.status_code == 200, body
    match = LINK.search(body)
    assert match, "the new link is shown"
    assert 'src="data:image/svg+xml;base64,' in body, "with its QR code"
    listing = (await (await client.get("/displays")).get_data()).decode()
    found = re.search(r'href="/displays/(\d+)"', listing)
    assert found
    return int(found.group(1)), match.group(2)


async def test_create_shows_the_link_once_and_stores_only_its_hash(web: WebHarness) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    client = await signed_in_client(web.app, alpha)
    display_id, token = await create(client, await session_of(web, alpha))
    async with web.pool.acquire() as conn:
        stored = await conn.fetchval("SELECT token_hash FROM displays WHERE id = $1", display_id)
        assert bytes(stored) == token_hash(token)
        found = await store.display_for_token(conn, token)
    assert found is not None and found.id == display_id and found.options.min_on_screen_ms == 1000
    assert token not in (await (await client.get("/displays")).get_data()).decode()
    edit = (await (await client.get(f"/displays/{display_id}")).get_data()).decode()
    assert token not in edit and "Rotate link" in edit
    page = await web.app.test_client().get(f"/d/{token}")
    assert page.status_code == 200
    assert b'data-mode="finish"' in await page.get_data()


async def test_bad_input_is_refused_with_a_reason_and_changes_nothing(web: WebHarness) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    bravo = await create_partner_with_user(web.pool, "bravo", role="operator")
    client = await signed_in_client(web.app, alpha)
    mine = await session_of(web, alpha)
    theirs = await session_of(web, bravo)
    cases = [
        (form(theirs), "timing session does not exist"),
        (form(mine, name=""), "name"),
        (form(mine, mode="party"), "mode must be one of"),
        (form(mine, min_on_screen_ms="-5"), "min_on_screen_ms must be between"),
        (form(mine, max_group="lots"), "max_group must be a number"),
        (form(mine, ignore_window_s="600", min_lap_s="60"), "minimum lap time"),
        (form(mine, expires_at="tomorrow"), "expiry must be a date"),
        (form(mine, template_id="99999"), "template does not exist"),
    ]
    for data, reason in cases:
        response = await post_form(client, "/displays/new", data)
        assert response.status_code == 400
        assert reason in (await response.get_data()).decode()
    no_csrf = await client.post("/displays/new", form=form(mine))
    assert no_csrf.status_code == 400
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM displays") == 0


async def test_another_partners_display_is_404_everywhere(web: WebHarness) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    bravo = await create_partner_with_user(web.pool, "bravo", role="owner")
    alpha_client = await signed_in_client(web.app, alpha)
    display_id, token = await create(alpha_client, await session_of(web, alpha))
    bravo_client = await signed_in_client(web.app, bravo)
    listing = (await (await bravo_client.get("/displays")).get_data()).decode()
    assert "Finish TV" not in listing
    assert (await bravo_client.get(f"/displays/{display_id}")).status_code == 404
    bravo_session = await session_of(web, bravo)
    for path, data in (
        (f"/displays/{display_id}", form(bravo_session, name="Hijacked")),
        (f"/displays/{display_id}/rotate", {}),
        (f"/displays/{display_id}/revoke", {}),
        (f"/displays/{display_id}/delete", {}),
    ):
        response = await post_form(bravo_client, path, data)
        assert response.status_code == 404, path
    async with web.pool.acquire() as conn:
        found = await store.display_for_token(conn, token)
    assert (
        found is not None and found.name == "Finish TV" and found.state(found.created_at) == "live"
    )


async def test_viewers_see_the_list_but_change_nothing(web: WebHarness) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    operator = await signed_in_client(web.app, alpha)
    display_id, _ = await create(operator, await session_of(web, alpha))
    viewer = await signed_in_client(web.app, await add_user(web.pool, alpha, "viewer"))
    listing = await viewer.get("/displays")
    assert listing.status_code == 200 and "Finish TV" in (await listing.get_data()).decode()
    assert (await viewer.get("/displays/new")).status_code == 403
    for path in (f"/displays/{display_id}/rotate", f"/displays/{display_id}/revoke"):
        assert (await post_form(viewer, path, {})).status_code == 403
    anonymous = web.app.test_client()
    assert (await anonymous.get("/displays")).status_code == 302


async def test_rotate_replaces_the_link_and_revoke_stops_it(web: WebHarness) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    client = await signed_in_client(web.app, alpha)
    display_id, old = await create(client, await session_of(web, alpha))
    response = await post_form(client, f"/displays/{display_id}/rotate", {})
    body = (await response.get_data()).decode()
    match = LINK.search(body)
    assert response.status_code == 200 and match and "old one has stopped" in body
    new = match.group(2)
    assert new != old
    public = web.app.test_client()
    assert (await public.get(f"/d/{old}")).status_code == 404
    assert (await public.get(f"/d/{new}")).status_code == 200
    assert (await post_form(client, f"/displays/{display_id}/revoke", {})).status_code == 302
    gone = await public.get(f"/d/{new}")
    assert gone.status_code == 410 and b"revoked" in await gone.get_data()
    # Editing keeps the link; deleting removes it.
    assert (await post_form(client, f"/displays/{display_id}/delete", {})).status_code == 302
    assert (await public.get(f"/d/{new}")).status_code == 404


async def test_a_display_link_serves_only_its_own_partners_images(web: WebHarness) -> None:
    from p88.db import templates as templates_db
    from tests.web.test_templates_pages import png_bytes

    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    bravo = await create_partner_with_user(web.pool, "bravo", role="operator")
    async with tenant_transaction(web.pool, alpha.partner_id) as conn:
        mine = await templates_db.add_image(
            conn, alpha.partner_id, "logo.png", "image/png", png_bytes()
        )
    async with tenant_transaction(web.pool, bravo.partner_id) as conn:
        theirs = await templates_db.add_image(
            conn, bravo.partner_id, "secret.png", "image/png", png_bytes() + b"\0"
        )
    client = await signed_in_client(web.app, alpha)
    _, token = await create(client, await session_of(web, alpha))
    public = web.app.test_client()
    own = await public.get(f"/d/{token}/images/{mine.id}")
    assert own.status_code == 200 and own.content_type == "image/png"
    assert (await public.get(f"/d/{token}/images/{theirs.id}")).status_code == 404
    assert (await public.get(f"/d/{token}/images/999999")).status_code == 404
    assert (await public.get(f"/d/{'x' * 32}/images/{mine.id}")).status_code == 404


async def test_the_plan_limit_on_active_displays_is_enforced_with_a_reason(web: WebHarness) -> None:
    from p88.db.plans import add_subscription, save_plan

    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    async with web.pool.acquire() as conn:
        plan = await save_plan(
            conn,
            None,
            {
                "slug": "tiny", "name": "Tiny", "max_active_displays": 1,
                "max_sessions_per_month": None, "max_participants_per_event": None,
                "max_api_requests_per_day": None, "read_retention_days": 30, "price_note": "",
            },
        )  # fmt: skip
        await add_subscription(conn, alpha.partner_id, plan, date(2020, 1, 1), None, "active")
    client = await signed_in_client(web.app, alpha)
    session_id = await session_of(web, alpha)
    await create(client, session_id)
    refused = await post_form(client, "/displays/new", form(session_id, name="Second screen"))
    assert refused.status_code == 400
    assert "allows 1 active displays" in (await refused.get_data()).decode()
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM displays") == 1


async def test_an_expired_link_stops_working(web: WebHarness) -> None:
    from datetime import UTC, datetime, timedelta

    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    session_id = await session_of(web, alpha)
    async with tenant_transaction(web.pool, alpha.partner_id) as conn:
        _, live = await store.create_display(
            conn, alpha.partner_id, name="Tomorrow", session_id=session_id,
            expires_at=datetime.now(UTC) + timedelta(days=1),
        )  # fmt: skip
        _, old = await store.create_display(
            conn, alpha.partner_id, name="Yesterday", session_id=session_id,
            expires_at=datetime.now(UTC) - timedelta(minutes=1),
        )  # fmt: skip
    public = web.app.test_client()
    assert (await public.get(f"/d/{live}")).status_code == 200
    expired = await public.get(f"/d/{old}")
    assert expired.status_code == 410 and b"expired" in await expired.get_data()
    client = await signed_in_client(web.app, alpha)
    listing = (await (await client.get("/displays")).get_data()).decode()
    assert "expired" in listing and "until" in listing


async def test_the_create_form_offers_only_the_partners_own_sessions_points_and_templates(
    web: WebHarness,
) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    bravo = await create_partner_with_user(web.pool, "bravo", role="operator")
    for account, event, point, template in (
        (alpha, "RIVER RUN", "FINISH", "Alpha board"),
        (bravo, "HILL CLIMB", "SUMMIT", "Bravo board"),
    ):
        await seed_session(web.pool, account.partner_id, event, [(point, "t1", "10:00:00.00")])
        async with tenant_transaction(web.pool, account.partner_id) as conn:
            await create_template(
                conn, account.partner_id, template, sample_document("finish"), None
            )
    client = await signed_in_client(web.app, alpha)
    page = (await (await client.get("/displays/new")).get_data()).decode()
    assert "RIVER RUN" in page and "(FINISH)" in page and "Alpha board" in page
    assert '<option value="FINISH">' in page
    assert "HILL CLIMB" not in page and "SUMMIT" not in page and "Bravo board" not in page
