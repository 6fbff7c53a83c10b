"""Isolation of the accounts pages: as partner A, B's ids are 404 and B's data never shows."""

from __future__ import annotations

from typing import Any

from tests.web.isolation import assert_404, two_partners
from tests.web.support import signed_in_client

COVERED_RULES = {
    "/",
    "/account",
    "/account/sessions/<session_id>/revoke",
    "/switch-partner",
    "/admin/",
    "/admin/users",
    "/admin/users/<user_id>/role",
    "/admin/users/<user_id>/remove",
    "/admin/users/<user_id>/reset-link",
    "/admin/invitations",
    "/admin/invitations/<invitation_id>/revoke",
    "/admin/collectors",
    "/admin/collectors/<credential_id>/rotate",
    "/admin/collectors/<credential_id>/revoke",
    "/admin/api-keys",
    "/admin/api-keys/<key_id>/revoke",
    "/admin/plan",
    "/admin/payments",
    "/admin/audit",
    # Platform pages: a partner's people get 403 there, whatever the id (tested below).
    "/platform/",
    "/platform/partners",
    "/platform/partners/<partner_id>",
    "/platform/partners/<partner_id>/subscription",
    "/platform/partners/<partner_id>/payments",
    "/platform/plans",
    "/platform/plans/<plan_id>",
    "/platform/payments",
    "/platform/audit",
}


async def test_b_ids_are_404_for_a_and_change_nothing(web) -> None:
    pair = await two_partners(web)
    b = pair.b_ids
    client = await signed_in_client(web.app, pair.a)
    attempts: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", f"/account/sessions/{b['member_login_session_id']}/revoke", {}),
        ("POST", f"/admin/users/{b['member_user_id']}/role", {"role": "owner"}),
        ("POST", f"/admin/users/{pair.b.user_id}/role", {"role": "viewer"}),
        ("POST", f"/admin/users/{b['member_user_id']}/remove", {}),
        ("POST", f"/admin/users/{b['member_user_id']}/reset-link", {}),
        ("POST", f"/admin/invitations/{b['invitation_id']}/revoke", {}),
        ("POST", f"/admin/collectors/{b['credential_id']}/rotate", {}),
        ("POST", f"/admin/collectors/{b['credential_id']}/revoke", {}),
        ("POST", f"/admin/api-keys/{b['api_key_id']}/revoke", {}),
        ("POST", "/switch-partner", {"partner_id": pair.b.partner_id}),
    ]
    for method, url, data in attempts:
        await assert_404(client, method, url, data)

    async with web.pool.acquire() as conn:
        state = await conn.fetchrow(
            """
            SELECT
              (SELECT role FROM memberships WHERE user_id = $1 AND partner_id = $2) AS viewer_role,
              (SELECT role FROM memberships WHERE user_id = $3 AND partner_id = $2) AS owner_role,
              (SELECT revoked_at IS NULL FROM login_sessions WHERE id = $4) AS session_live,
              (SELECT revoked_at IS NULL FROM invitations WHERE id = $5) AS invitation_open,
              (SELECT revoked_at IS NULL FROM collector_credentials WHERE id = $6) AS cred_live,
              (SELECT revoked_at IS NULL FROM api_keys WHERE id = $7) AS key_live,
              (SELECT count(*) FROM account_tokens WHERE user_id = $1) AS reset_links
            """,
            b["member_user_id"],
            pair.b.partner_id,
            pair.b.user_id,
            b["member_login_session_id"],
            b["invitation_id"],
            b["credential_id"],
            b["api_key_id"],
        )
    assert dict(state) == {
        "viewer_role": "viewer",
        "owner_role": "owner",
        "session_live": True,
        "invitation_open": True,
        "cred_live": True,
        "key_live": True,
        "reset_links": 0,
    }
    # Still working in partner A after the refused switch.
    assert "Alpha Timing" in await (await client.get("/")).get_data(as_text=True)


async def test_unknown_and_malformed_ids_are_404_too(web) -> None:
    pair = await two_partners(web)
    client = await signed_in_client(web.app, pair.a)
    for bad in ("999999999", "abc", "-1", "99999999999999999999999", "0"):
        await assert_404(client, "POST", f"/admin/api-keys/{bad}/revoke")
        await assert_404(client, "POST", f"/admin/users/{bad}/role", {"role": "viewer"})
        await assert_404(client, "POST", f"/admin/collectors/{bad}/rotate")
    await assert_404(client, "POST", "/switch-partner", {"partner_id": "x"})


async def test_a_pages_never_show_b_data(web) -> None:
    pair = await two_partners(web)
    client = await signed_in_client(web.app, pair.a)
    # Make B's audit log, payments and usage non-empty too.
    admin_b = await signed_in_client(web.app, pair.b)
    await admin_b.get("/admin/users")
    b_markers = ["bravo", "Bravo", "mat-bravo", "key-bravo", "invitee@bravo", pair.b.email]
    for path in (
        "/",
        "/account",
        "/admin/users",
        "/admin/invitations",
        "/admin/collectors",
        "/admin/api-keys",
        "/admin/plan",
        "/admin/payments",
        "/admin/audit",
        "/switch-partner",
    ):
        response = await client.get(path)
        body = await response.get_data(as_text=True)
        assert response.status_code == 200, path
        for marker in b_markers:
            assert marker not in body, f"{path} shows {marker!r}"
    response = await client.get("/admin/")
    assert response.status_code == 302


async def test_platform_pages_are_refused_to_partner_people(web) -> None:
    pair = await two_partners(web)
    client = await signed_in_client(web.app, pair.a)
    b_id = pair.b.partner_id
    for path in (
        "/platform/",
        f"/platform/partners/{b_id}",
        "/platform/plans",
        "/platform/payments",
        "/platform/audit",
    ):
        response = await client.get(path)
        assert response.status_code == 403, path
        assert "platform admin" in await response.get_data(as_text=True)
    from tests.web.support import post_form

    for path, data in (
        ("/platform/partners", {"slug": "evil", "name": "Evil"}),
        (f"/platform/partners/{b_id}/subscription", {"plan_id": 1, "status": "active"}),
        (f"/platform/partners/{b_id}/payments", {"amount": "1"}),
        ("/platform/plans", {"slug": "x"}),
        ("/platform/plans/1", {"slug": "x"}),
    ):
        response = await post_form(client, path, data)
        assert response.status_code == 403, path
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM partners WHERE slug = 'evil'") == 0
        assert await conn.fetchval("SELECT count(*) FROM subscriptions") == 0
        assert await conn.fetchval("SELECT count(*) FROM payments") == 0
