"""People and roles: invitations, role changes, reset links, the account page."""

from __future__ import annotations

import re
from dataclasses import replace

from tests.web.support import (
    add_user,
    create_partner_with_user,
    make_platform_admin,
    post_form,
    signed_in_client,
)

LINK = re.compile(r"data-secret>https?://[^/]+(/[a-z]+/[A-Za-z0-9_-]+)<")


def link_in(body: str) -> str:
    found = LINK.search(body)
    assert found, "no one-time link on the page"
    return found.group(1)


async def role_of(web, user_id: int, partner_id: int) -> str | None:  # type: ignore[no-untyped-def]
    async with web.pool.acquire() as conn:
        return await conn.fetchval(
            "SELECT role FROM memberships WHERE user_id = $1 AND partner_id = $2",
            user_id,
            partner_id,
        )


async def test_invitation_makes_a_new_member_once(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha")
    client = await signed_in_client(web.app, owner)
    page = await post_form(
        client, "/admin/invitations", {"email": "Ana@Example.com", "role": "operator"}
    )
    path = link_in(await page.get_data(as_text=True))
    guest = web.app.test_client()
    form = await guest.get(path)
    body = await form.get_data(as_text=True)
    assert "Join Alpha Timing" in body and "operator" in body and "ana@example.com" in body
    response = await post_form(
        guest,
        path,
        {"name": "Ana", "password": "ana's long password", "password_again": "ana's long password"},
    )
    assert response.status_code == 302
    home = await guest.get("/")
    assert "Alpha Timing" in await home.get_data(as_text=True)
    async with web.pool.acquire() as conn:
        user_id = await conn.fetchval("SELECT id FROM users WHERE email = 'ana@example.com'")
    assert await role_of(web, user_id, owner.partner_id) == "operator"
    again = await post_form(
        web.app.test_client(), path, {"name": "X", "password": "x" * 12, "password_again": "x" * 12}
    )
    assert again.status_code == 404
    assert "already accepted" in await again.get_data(as_text=True)
    listing = await (await client.get("/admin/invitations")).get_data(as_text=True)
    assert "accepted" in listing


async def test_an_existing_account_accepts_by_signing_in(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha")
    other = await create_partner_with_user(web.pool, "bravo", "viewer")
    client = await signed_in_client(web.app, owner)
    page = await post_form(client, "/admin/invitations", {"email": other.email, "role": "admin"})
    path = link_in(await page.get_data(as_text=True))
    anonymous = await web.app.test_client().get(path)
    assert "Sign in to accept" in await anonymous.get_data(as_text=True)
    member = await signed_in_client(web.app, other)
    response = await post_form(member, path, {})
    assert response.status_code == 302
    assert await role_of(web, other.user_id, owner.partner_id) == "admin"
    assert await role_of(web, other.user_id, other.partner_id) == "viewer"  # still bravo's viewer
    switch = await (await member.get("/switch-partner")).get_data(as_text=True)
    assert "Alpha Timing" in switch and "Bravo Timing" in switch


async def test_withdrawn_and_expired_invitations_do_not_work(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha")
    client = await signed_in_client(web.app, owner)
    first = link_in(
        await (
            await post_form(
                client, "/admin/invitations", {"email": "a@x.example", "role": "viewer"}
            )
        ).get_data(as_text=True)
    )
    second = link_in(
        await (
            await post_form(
                client, "/admin/invitations", {"email": "b@x.example", "role": "viewer"}
            )
        ).get_data(as_text=True)
    )
    async with web.pool.acquire() as conn:
        first_id = await conn.fetchval("SELECT id FROM invitations WHERE email = 'a@x.example'")
        await conn.execute(
            "UPDATE invitations SET expires_at = now() - interval '1 minute' "
            "WHERE email = 'b@x.example'"
        )
    assert (await post_form(client, f"/admin/invitations/{first_id}/revoke", {})).status_code == 302
    for path, words in ((first, "withdrawn"), (second, "expired")):
        response = await web.app.test_client().get(path)
        assert response.status_code == 404
        assert words in await response.get_data(as_text=True)
        response = await post_form(
            web.app.test_client(), path, {"password": "y" * 12, "password_again": "y" * 12}
        )
        assert response.status_code == 404
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM users WHERE email LIKE '%@x.example'") == 0


async def test_role_changes_follow_the_rules(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha")
    admin = await add_user(web.pool, owner, "admin")
    operator = await add_user(web.pool, owner, "operator")
    as_admin = await signed_in_client(web.app, admin)
    # An admin may promote an operator to admin, but not make an owner or touch the owner.
    response = await post_form(as_admin, f"/admin/users/{operator.user_id}/role", {"role": "admin"})
    assert response.status_code == 302
    assert await role_of(web, operator.user_id, owner.partner_id) == "admin"
    response = await post_form(as_admin, f"/admin/users/{operator.user_id}/role", {"role": "owner"})
    assert response.status_code == 403
    assert "Only an owner" in await response.get_data(as_text=True)
    response = await post_form(as_admin, f"/admin/users/{owner.user_id}/role", {"role": "viewer"})
    assert response.status_code == 403
    response = await post_form(as_admin, f"/admin/users/{admin.user_id}/role", {"role": "owner"})
    assert response.status_code == 403
    assert await role_of(web, owner.user_id, owner.partner_id) == "owner"
    assert await role_of(web, admin.user_id, owner.partner_id) == "admin"
    # Nobody changes their own role, so the only owner cannot demote themselves.
    as_owner = await signed_in_client(web.app, owner)
    response = await post_form(as_owner, f"/admin/users/{owner.user_id}/role", {"role": "admin"})
    assert response.status_code == 403
    # An owner makes a second owner; then the first may be demoted by the second.
    assert (
        await post_form(as_owner, f"/admin/users/{admin.user_id}/role", {"role": "owner"})
    ).status_code == 302
    as_second = await signed_in_client(web.app, admin)
    assert (
        await post_form(as_second, f"/admin/users/{owner.user_id}/role", {"role": "viewer"})
    ).status_code == 302
    assert await role_of(web, owner.user_id, owner.partner_id) == "viewer"
    # The demoted person's next page load sees the new role at once.
    page = await as_owner.get("/admin/users")
    assert page.status_code == 403
    assert "You need the admin role" in await page.get_data(as_text=True)
    # Remove someone: their access ends.
    assert (
        await post_form(as_second, f"/admin/users/{operator.user_id}/remove", {})
    ).status_code == 302
    assert await role_of(web, operator.user_id, owner.partner_id) is None
    async with web.pool.acquire() as conn:
        actions = [
            r[0]
            for r in await conn.fetch(
                "SELECT action FROM audit_log WHERE partner_id = $1 ORDER BY id", owner.partner_id
            )
        ]
    assert actions.count("role changed") == 3 and "member removed" in actions


async def test_viewers_and_operators_cannot_open_admin_pages(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha")
    for role in ("viewer", "operator"):
        account = await add_user(web.pool, owner, role)
        client = await signed_in_client(web.app, account)
        for path in ("/admin/users", "/admin/collectors", "/admin/api-keys", "/admin/plan"):
            assert (await client.get(path)).status_code == 403, (role, path)
        response = await post_form(
            client, "/admin/invitations", {"email": "x@y.example", "role": "owner"}
        )
        assert response.status_code == 403
    admin = await add_user(web.pool, owner, "admin")
    client = await signed_in_client(web.app, admin)
    # Billing is for owners.
    response = await client.get("/admin/plan")
    assert response.status_code == 403 and "owner role" in await response.get_data(as_text=True)
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM invitations") == 0


async def test_reset_link_sets_a_new_password_and_ends_old_sessions(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha")
    operator = await add_user(web.pool, owner, "operator")
    operator_client = await signed_in_client(web.app, operator)
    client = await signed_in_client(web.app, owner)
    page = await post_form(client, f"/admin/users/{operator.user_id}/reset-link", {})
    path = link_in(await page.get_data(as_text=True))
    fresh = web.app.test_client()
    response = await post_form(
        fresh, path, {"password": "brand new password", "password_again": "brand new password"}
    )
    assert response.status_code == 302
    assert (await operator_client.get("/")).status_code == 302  # old session ended
    assert (await fresh.get("/")).status_code == 200
    replay = await post_form(
        web.app.test_client(),
        path,
        {"password": "another password!", "password_again": "another password!"},
    )
    assert replay.status_code == 404 and "already used" in await replay.get_data(as_text=True)
    signin = await post_form(
        web.app.test_client(), "/login", {"email": operator.email, "password": "brand new password"}
    )
    assert signin.status_code == 302


async def test_expired_reset_link_is_refused(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha")
    operator = await add_user(web.pool, owner, "operator")
    client = await signed_in_client(web.app, owner)
    path = link_in(
        await (await post_form(client, f"/admin/users/{operator.user_id}/reset-link", {})).get_data(
            as_text=True
        )
    )
    async with web.pool.acquire() as conn:
        await conn.execute("UPDATE account_tokens SET expires_at = now() - interval '1 second'")
    response = await post_form(
        web.app.test_client(),
        path,
        {"password": "brand new password", "password_again": "brand new password"},
    )
    assert response.status_code == 404 and "expired" in await response.get_data(as_text=True)
    assert (
        await post_form(
            web.app.test_client(),
            "/login",
            {"email": operator.email, "password": operator.password},
        )
    ).status_code == 302


async def test_reset_links_for_people_of_other_companies_need_the_platform_admin(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha")
    shared = await create_partner_with_user(web.pool, "bravo", "owner")
    async with web.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO memberships (user_id, partner_id, role) VALUES ($1, $2, 'viewer')",
            shared.user_id,
            owner.partner_id,
        )
    client = await signed_in_client(web.app, owner)
    response = await post_form(client, f"/admin/users/{shared.user_id}/reset-link", {})
    assert response.status_code == 403
    assert "platform administrator" in await response.get_data(as_text=True)
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM account_tokens") == 0


async def test_account_page_password_change_and_sign_out_everywhere(web) -> None:
    account = await create_partner_with_user(web.pool, "alpha")
    laptop = await signed_in_client(web.app, account)
    phone = await signed_in_client(web.app, account)
    page = await (await laptop.get("/account")).get_data(as_text=True)
    assert page.count("/revoke") == 2 and "this browser" in page
    response = await post_form(
        laptop,
        "/account/password",
        {"current": "wrong", "new": "a new long password", "again": "a new long password"},
    )
    assert (
        response.status_code == 400
        and "current password is not right" in await response.get_data(as_text=True)
    )
    response = await post_form(
        laptop,
        "/account/password",
        {"current": account.password, "new": "a new long password", "again": "a new long password"},
    )
    assert response.status_code == 302
    assert (await laptop.get("/account")).status_code == 200  # this browser stays signed in
    assert (await phone.get("/account")).status_code == 302  # every other one is signed out
    tablet = await signed_in_client(web.app, replace(account, password="a new long password"))
    assert (await post_form(laptop, "/account/sign-out-everywhere", {})).status_code == 302
    assert (await laptop.get("/account")).status_code == 302
    assert (await tablet.get("/account")).status_code == 302


async def test_revoking_one_session_from_the_list(web) -> None:
    account = await create_partner_with_user(web.pool, "alpha")
    laptop = await signed_in_client(web.app, account)
    phone = await signed_in_client(web.app, account)
    async with web.pool.acquire() as conn:
        ids = [
            r[0]
            for r in await conn.fetch(
                "SELECT id FROM login_sessions WHERE user_id = $1 ORDER BY id", account.user_id
            )
        ]
    assert (await post_form(laptop, f"/account/sessions/{ids[1]}/revoke", {})).status_code == 302
    assert (await phone.get("/")).status_code == 302
    assert (await laptop.get("/")).status_code == 200


async def test_platform_admin_adds_a_partner_with_an_owner_invitation(web) -> None:
    admin = await make_platform_admin(web.pool)
    client = await signed_in_client(web.app, admin)
    page = await post_form(
        client,
        "/platform/partners",
        {"slug": "fast", "name": "Fast Timing", "owner_email": "boss@fast.example"},
    )
    body = await page.get_data(as_text=True)
    assert "Fast Timing is added" in body
    path = link_in(body)
    boss = web.app.test_client()
    response = await post_form(
        boss,
        path,
        {"name": "Boss", "password": "boss long password", "password_again": "boss long password"},
    )
    assert response.status_code == 302
    home = await (await boss.get("/")).get_data(as_text=True)
    assert "Fast Timing" in home and "owner" in home


async def test_a_person_switches_between_companies_with_different_roles(web) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", "viewer")
    bravo = await create_partner_with_user(web.pool, "bravo")
    async with web.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO memberships (user_id, partner_id, role) VALUES ($1, $2, 'admin')",
            alpha.user_id,
            bravo.partner_id,
        )
    client = await signed_in_client(web.app, alpha)
    assert "Alpha Timing · viewer" in await (await client.get("/")).get_data(as_text=True)
    assert (await client.get("/admin/users")).status_code == 403
    response = await post_form(client, "/switch-partner", {"partner_id": bravo.partner_id})
    assert response.status_code == 302
    assert "Bravo Timing · admin" in await (await client.get("/")).get_data(as_text=True)
    people = await (await client.get("/admin/users")).get_data(as_text=True)
    assert bravo.email in people and alpha.email in people


async def test_the_platform_admin_can_work_in_any_company_as_owner(web) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha")
    admin = await make_platform_admin(web.pool)
    client = await signed_in_client(web.app, admin)
    assert "No company" in await (await client.get("/")).get_data(as_text=True)
    assert (await client.get("/admin/users")).status_code == 403
    await post_form(client, "/switch-partner", {"partner_id": alpha.partner_id})
    page = await (await client.get("/admin/users")).get_data(as_text=True)
    assert alpha.email in page and "Alpha Timing · owner" in page


async def test_the_platform_admin_picks_any_company_but_not_a_missing_one(web) -> None:
    await create_partner_with_user(web.pool, "alpha")
    bravo = await create_partner_with_user(web.pool, "bravo")
    admin = await make_platform_admin(web.pool)
    client = await signed_in_client(web.app, admin)
    menu = await (await client.get("/switch-partner")).get_data(as_text=True)
    assert "Alpha Timing" in menu and "Bravo Timing" in menu
    assert f'value="{bravo.partner_id}"' in menu
    async with web.pool.acquire() as conn:
        missing = await conn.fetchval("SELECT max(id) + 1 FROM partners")
    response = await post_form(client, "/switch-partner", {"partner_id": missing})
    assert response.status_code == 404
    assert "No company" in await (await client.get("/")).get_data(as_text=True)


async def test_a_company_keeps_its_last_owner_and_nobody_removes_themselves(web) -> None:
    """The platform admin works in a company as its owner without being one: the company's
    only owner can be neither demoted nor removed by them. An owner cannot remove themselves."""
    alpha = await create_partner_with_user(web.pool, "alpha")
    admin = await make_platform_admin(web.pool)
    client = await signed_in_client(web.app, admin)
    await post_form(client, "/switch-partner", {"partner_id": alpha.partner_id})
    for path, form in (("role", {"role": "admin"}), ("remove", {})):
        response = await post_form(client, f"/admin/users/{alpha.user_id}/{path}", form)
        assert response.status_code == 403
        assert "needs at least one owner" in await response.get_data(as_text=True)
    as_owner = await signed_in_client(web.app, alpha)
    response = await post_form(as_owner, f"/admin/users/{alpha.user_id}/remove", {})
    assert response.status_code == 403
    assert "You cannot remove yourself" in await response.get_data(as_text=True)
    assert await role_of(web, alpha.user_id, alpha.partner_id) == "owner"
