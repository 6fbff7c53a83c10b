"""Platform -> Unassigned reads, the first-run question, and the dashboard's banner, through the
real app on a real database."""

from __future__ import annotations

import html
import time

from p88.db.partners import partner_by_slug
from p88.db.unassigned import chosen_partner
from tests.web.sessions_seed import seed_session
from tests.web.support import (
    create_partner_with_user,
    csrf_token_of,
    make_platform_admin,
    post_form,
    signed_in_client,
)

HELD_READS = [("START", "11", "08:00:01.00"), ("FINISH", "11", "08:40:00.00"),
              ("FINISH", "12", "08:41:00.00")]  # fmt: skip


async def held_session(web) -> tuple[int, int]:
    """The holding company (`default`) and a session of it with three reads."""
    async with web.pool.acquire() as conn:
        holding = await partner_by_slug(conn, "default")
    session_id, _ = await seed_session(web.pool, holding.id, "21ROTM", HELD_READS)
    return holding.id, session_id


async def text(response) -> str:
    """The page as a person reads it (entities such as &#39; turned back into characters)."""
    return html.unescape(await response.get_data(as_text=True))


async def audit_of(web, partner_id: int) -> list[tuple[str, str]]:
    async with web.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT action, detail FROM audit_log WHERE partner_id = $1 ORDER BY id", partner_id
        )
    return [(r[0], r[1]) for r in rows]


async def test_the_admin_sees_held_sessions_and_hands_one_over(web) -> None:
    holding_id, session_id = await held_session(web)
    fast = await create_partner_with_user(web.pool, "fast", "owner", name="Fast Timing")
    admin = await signed_in_client(web.app, await make_platform_admin(web.pool))
    page = await text(await admin.get("/platform/unassigned/"))
    assert "21ROTM" in page and "START · 1" in page and "FINISH · 2" in page
    assert "belongs to nobody yet" in page and "Fast Timing" in page

    confirm = await admin.get(
        f"/platform/unassigned/{session_id}/hand-over?partner_id={fast.partner_id}"
    )
    body = await text(confirm)
    assert confirm.status_code == 200
    assert "21ROTM → Fast Timing" in body and "3 reads" in body
    assert "has no session of this event and day" in body
    done = await post_form(
        admin, f"/platform/unassigned/{session_id}/hand-over", {"partner_id": fast.partner_id}
    )
    body = await text(done)
    assert done.status_code == 200, body
    assert "now belongs to Fast Timing: 3 reads, 2 points, 0 gun times, 0 displays" in body
    assert "No reads are held for nobody" in body

    owner = await signed_in_client(web.app, fast)
    sessions = await text(await owner.get("/sessions"))
    assert "21ROTM" in sessions and "3 reads" in sessions
    assert [a for a, _ in await audit_of(web, holding_id)] == ["session handed over"]
    received = [d for a, d in await audit_of(web, fast.partner_id) if a == "session received"]
    assert len(received) == 1 and "21ROTM" in received[0] and "3 reads" in received[0]
    # Handed over already: the same request again is a 404 now.
    again = await post_form(
        admin, f"/platform/unassigned/{session_id}/hand-over", {"partner_id": fast.partner_id}
    )
    assert again.status_code == 404


async def test_the_confirmation_says_when_the_company_has_that_event_and_day(web) -> None:
    _, session_id = await held_session(web)
    fast = await create_partner_with_user(web.pool, "fast", "owner", name="Fast Timing")
    await seed_session(web.pool, fast.partner_id, "21ROTM", [("FINISH", "12", "08:41:00.00")])
    admin = await signed_in_client(web.app, await make_platform_admin(web.pool))
    body = await text(
        await admin.get(f"/platform/unassigned/{session_id}/hand-over?partner_id={fast.partner_id}")
    )
    assert "already has a session of this event and day" in body and "merged" in body
    done = await post_form(
        admin, f"/platform/unassigned/{session_id}/hand-over", {"partner_id": fast.partner_id}
    )
    body = await text(done)
    assert "merged into Fast Timing's session" in body
    assert "1 reads it had already (kept once)" in body


async def test_bad_choices_change_nothing(web) -> None:
    holding_id, session_id = await held_session(web)
    admin = await signed_in_client(web.app, await make_platform_admin(web.pool))
    for target in ("", "abc", "999999", str(holding_id)):
        confirm = await admin.get(
            f"/platform/unassigned/{session_id}/hand-over?partner_id={target}"
        )
        assert confirm.status_code == 400 and "Choose the company" in await text(confirm)
        done = await post_form(
            admin, f"/platform/unassigned/{session_id}/hand-over", {"partner_id": target}
        )
        assert done.status_code == 400 and "Not handed over" in await text(done)
    owner = await post_form(admin, "/platform/unassigned/owner", {"partner_id": "999999"})
    assert owner.status_code == 400 and "Nothing was changed" in await text(owner)
    async with web.pool.acquire() as conn:
        assert (
            await conn.fetchval("SELECT partner_id FROM timing_sessions WHERE id = $1", session_id)
            == holding_id
        )
        assert await chosen_partner(conn) is None


async def test_the_admin_chooses_the_company_of_unauthenticated_middleware(web) -> None:
    fast = await create_partner_with_user(web.pool, "fast", "owner", name="Fast Timing")
    admin = await signed_in_client(web.app, await make_platform_admin(web.pool))
    done = await post_form(admin, "/platform/unassigned/owner", {"partner_id": fast.partner_id})
    assert "now belongs to Fast Timing" in await text(done)
    async with web.pool.acquire() as conn:
        assert (await chosen_partner(conn)).id == fast.partner_id
    assert "belongs to <strong>Fast Timing</strong>" in await text(
        await admin.get("/platform/unassigned/")
    )
    assert ("unauthenticated middleware assigned", "to this company") in await audit_of(
        web, fast.partner_id
    )
    done = await post_form(admin, "/platform/unassigned/owner", {"partner_id": "unassigned"})
    assert "kept unassigned" in await text(done)
    async with web.pool.acquire() as conn:
        assert await chosen_partner(conn) is None


async def test_company_people_are_refused(web) -> None:
    _, session_id = await held_session(web)
    fast = await create_partner_with_user(web.pool, "fast", "owner")
    owner = await signed_in_client(web.app, fast)
    for path in ("/platform/unassigned/", f"/platform/unassigned/{session_id}/hand-over"):
        assert (await owner.get(f"{path}?partner_id={fast.partner_id}")).status_code == 403
    for path in ("/platform/unassigned/owner", f"/platform/unassigned/{session_id}/hand-over"):
        response = await post_form(owner, path, {"partner_id": fast.partner_id})
        assert response.status_code == 403
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM timing_sessions WHERE partner_id = $1",
                                   fast.partner_id) == 0  # fmt: skip
        assert await chosen_partner(conn) is None


def _streaming(web, slug: str, event: str) -> None:
    """An open collector connection of `slug` streaming `event`, as the collector notes it."""
    _, info = web.stats.open_connection("10.1.2.3:5000")
    info.partner, info.event, info.last_read_at = slug, event, time.time()
    info.locations["FINISH"] = 3


async def test_the_banner_tells_the_admin_and_the_expected_company_only(web) -> None:
    await held_session(web)  # read just now
    fast = await create_partner_with_user(web.pool, "fast", "owner", name="Fast Timing")
    admin = await signed_in_client(web.app, await make_platform_admin(web.pool))
    banner = "unassigned-banner"
    body = await text(await admin.get("/"))
    assert banner in body and "Reads arrived unassigned" in body and "21ROTM (2021-05-08)" in body
    # The install's only company is the one such hardware most likely belongs to.
    owner = await signed_in_client(web.app, fast)
    body = await text(await owner.get("/"))
    assert banner in body and "ask your platform admin to hand them to Fast Timing" in body
    # With a second company and no choice, neither company is told; with a choice, that one is.
    other = await create_partner_with_user(web.pool, "other", "owner")
    other_client = await signed_in_client(web.app, other)
    assert banner not in await text(await owner.get("/"))
    assert banner not in await text(await other_client.get("/"))
    await post_form(admin, "/platform/unassigned/owner", {"partner_id": other.partner_id})
    assert banner in await text(await other_client.get("/"))
    assert banner not in await text(await owner.get("/"))
    # Older than RECENT_MINUTES: no banner.
    async with web.pool.acquire() as conn:
        await conn.execute("UPDATE timing_sessions SET last_read_at = now() - interval '1 hour'")
    assert banner not in await text(await admin.get("/"))


async def test_a_company_sees_the_unauthenticated_connection_of_a_session_it_received(web) -> None:
    _, session_id = await held_session(web)
    fast = await create_partner_with_user(web.pool, "fast", "owner", name="Fast Timing")
    other = await create_partner_with_user(web.pool, "other", "owner")
    _streaming(web, "default", "21ROTM")
    owner = await signed_in_client(web.app, fast)
    other_client = await signed_in_client(web.app, other)
    assert "10.1.2.3:5000" not in await text(await owner.get("/"))
    admin = await signed_in_client(web.app, await make_platform_admin(web.pool))
    await post_form(
        admin, f"/platform/unassigned/{session_id}/hand-over", {"partner_id": fast.partner_id}
    )
    assert "10.1.2.3:5000" in await text(await owner.get("/"))
    assert "10.1.2.3:5000" not in await text(await other_client.get("/"))


SETUP = {"email": "root@example.com", "name": "Root", "password": "a long password 1",
         "password_again": "a long password 1"}  # fmt: skip


async def setup_path(web) -> str:
    from p88.commands.accounts import first_run_setup_link

    link = await first_run_setup_link(web.pool, "http://example.test")
    return link.removeprefix("http://example.test")


async def test_first_run_gives_unauthenticated_middleware_to_the_new_company(web) -> None:
    path = await setup_path(web)
    client = web.app.test_client()
    page = await text(await client.get(path))
    assert "Timing hardware without a collector user" in page and 'value="unassigned"' in page
    for form, problem in (
        ({}, "choose where reads"),
        ({"unauthenticated": "company"}, "enter the company's short name"),
        ({"unauthenticated": "company", "company_slug": "fast"}, "both a short name and a name"),
        ({"unauthenticated": "company", "company_slug": "Bad Slug!", "company_name": "X"},
         "not a valid partner slug"),
    ):  # fmt: skip
        response = await post_form(client, path, {**SETUP, **form})
        assert response.status_code == 400 and problem in await text(response), form
    token = await csrf_token_of(client)
    response = await client.post(
        path,
        form={**SETUP, "company_slug": "fast", "company_name": "Fast Timing",
              "unauthenticated": "company", "csrf_token": token},
    )  # fmt: skip
    assert response.status_code == 302
    dashboard = await text(await client.get("/"))
    assert "Fast Timing" in dashboard and "Platform" in dashboard
    async with web.pool.acquire() as conn:
        fast = await partner_by_slug(conn, "fast")
        assert (await chosen_partner(conn)).id == fast.id
        role = await conn.fetchval(
            "SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id "
            "WHERE u.email = 'root@example.com' AND m.partner_id = $1",
            fast.id,
        )
        assert role == "owner"


async def test_first_run_can_keep_them_unassigned_without_a_company(web) -> None:
    path = await setup_path(web)
    client = web.app.test_client()
    response = await post_form(client, path, {**SETUP, "unauthenticated": "unassigned"})
    assert response.status_code == 302
    async with web.pool.acquire() as conn:
        assert await chosen_partner(conn) is None
        assert await conn.fetchval("SELECT count(*) FROM platform_settings") == 1
        assert await conn.fetchval("SELECT count(*) FROM partners") == 1  # `default` alone
