"""Isolation, area `builder preview`: the template builder's live-session menu and preview socket.

Partner A's menu lists only A's live sessions; A's preview socket for B's session is refused
with 404 before any feed is attached; signed-out visitors get 401. A viewer may list.
"""

from __future__ import annotations

from tests.system.wsclient import WsClient
from tests.web.isolation import two_partners
from tests.web.support import add_user, refused_status, session_cookie, signed_in_client

COVERED_RULES: set[str] = {
    "/templates/preview/sessions",  # GET: the partner's own live sessions only
    "/templates/preview/sessions/<int:session_id>/ws",  # websocket: B's id refused with 404
}


async def test_the_menu_lists_only_own_live_sessions(web) -> None:
    pair = await two_partners(web)
    viewer = await add_user(web.pool, pair.a, "viewer")
    client = await signed_in_client(web.app, viewer)
    async with web.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO timing_sessions (partner_id, event_name, day, timezone, name, status)"
            " VALUES ($1, 'OLD RACE', '2026-05-01', 'UTC', 'Old race', 'ended')",
            pair.a.partner_id,
        )
    response = await client.get("/templates/preview/sessions")
    assert response.status_code == 200
    listed = (await response.get_json())["sessions"]
    assert [s["id"] for s in listed] == [pair.a_ids["timing_session_id"]]
    assert listed[0]["name"] == "RACE-ALPHA"
    body = await response.get_data(as_text=True)
    assert "BRAVO" not in body and "Old race" not in body


async def test_another_partners_session_is_refused_with_404(web) -> None:
    pair = await two_partners(web)
    client = await signed_in_client(web.app, pair.a)
    theirs = pair.b_ids["timing_session_id"]
    assert await refused_status(web, client, f"/templates/preview/sessions/{theirs}/ws") == 404
    # A resume (after=<event id>) is no way around it either.
    resume = f"/templates/preview/sessions/{theirs}/ws?after=1"
    assert await refused_status(web, client, resume) == 404
    assert web.hub.subscriber_count() == 0


async def test_signed_out_visitors_are_refused(web) -> None:
    pair = await two_partners(web)
    anonymous = web.app.test_client()
    assert (await anonymous.get("/templates/preview/sessions")).status_code in (302, 401)
    mine = pair.a_ids["timing_session_id"]
    assert await refused_status(web, anonymous, f"/templates/preview/sessions/{mine}/ws") == 401


async def test_a_page_of_another_site_cannot_use_the_operators_cookies(web) -> None:
    pair = await two_partners(web)
    client = await signed_in_client(web.app, pair.a)
    mine = pair.a_ids["timing_session_id"]
    path = f"/templates/preview/sessions/{mine}/ws"
    evil = {"Origin": "https://evil.example"}
    assert await refused_status(web, client, path, headers=evil) == 401
    # The operator's own page (same origin as the host it talks to) is let in: the socket is
    # accepted, and (no hub runs in this app-only fixture) told to come back later (1001).
    host = web.push_url.split("://", 1)[1]
    page = await WsClient.connect(
        web.push_url, path, cookie=session_cookie(client), headers={"Origin": f"http://{host}"}
    )
    assert await page.close_code() == 1001
