"""Isolation of Platform -> Unassigned reads: company people get 403 whatever the id, and even a
platform admin can hand over only the holding company's sessions (a company's session id is a
404 and stays where it is)."""

from __future__ import annotations

from tests.web.isolation import assert_404, two_partners
from tests.web.support import make_platform_admin, post_form, signed_in_client

COVERED_RULES = {
    "/platform/unassigned/",
    "/platform/unassigned/owner",
    "/platform/unassigned/<int:session_id>/hand-over",
}


async def test_partner_people_get_403_and_change_nothing(web) -> None:
    pair = await two_partners(web)
    client = await signed_in_client(web.app, pair.a)
    b_session = pair.b_ids["timing_session_id"]
    for path in ("/platform/unassigned/", f"/platform/unassigned/{b_session}/hand-over"):
        response = await client.get(f"{path}?partner_id={pair.a.partner_id}")
        assert response.status_code == 403, path
        assert "platform admin" in await response.get_data(as_text=True)
    for path in ("/platform/unassigned/owner", f"/platform/unassigned/{b_session}/hand-over"):
        response = await post_form(client, path, {"partner_id": pair.a.partner_id})
        assert response.status_code == 403, path
    async with web.pool.acquire() as conn:
        owner = await conn.fetchval(
            "SELECT partner_id FROM timing_sessions WHERE id = $1", b_session
        )
        assert owner == pair.b.partner_id
        assert await conn.fetchval("SELECT count(*) FROM platform_settings") == 0


async def test_a_company_session_is_not_the_admins_to_hand_over(web) -> None:
    pair = await two_partners(web)
    admin = await signed_in_client(web.app, await make_platform_admin(web.pool))
    b_session = pair.b_ids["timing_session_id"]
    target = {"partner_id": pair.a.partner_id}
    await assert_404(admin, "GET", f"/platform/unassigned/{b_session}/hand-over?partner_id=1")
    await assert_404(admin, "POST", f"/platform/unassigned/{b_session}/hand-over", target)
    for bad in ("999999999", "0", "99999999999999999999999", "abc"):
        await assert_404(admin, "POST", f"/platform/unassigned/{bad}/hand-over", target)
    body = await (await admin.get("/platform/unassigned/")).get_data(as_text=True)
    assert "RACE-BRAVO" not in body and "RACE-ALPHA" not in body  # not held: not listed
    async with web.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT partner_id, (SELECT count(*) FROM timing_reads WHERE session_id = $1) "
            "FROM timing_sessions WHERE id = $1",
            b_session,
        )
        assert tuple(row) == (pair.b.partner_id, 1)
        assert await conn.fetchval("SELECT count(*) FROM session_handovers") == 0
