"""Isolation of the timing sessions pages: partner A gets a 404 for every sessions route with
partner B's ids (pages, operator actions and the live preview websocket), and B's data is
untouched."""

from __future__ import annotations

import pytest

from tests.web.sessions_seed import seed_participant, seed_session
from tests.web.support import (
    create_partner_with_user,
    post_form,
    refused_status,
    signed_in_client,
)

# Every sessions rule, each requested by partner A with partner B's ids (every method it has).
COVERED_RULES: set[str] = {
    "/sessions",  # list: B's sessions and collector connections never appear
    "/sessions/<int:session_id>",
    "/sessions/<int:session_id>/unknown-tags",
    "/sessions/<int:session_id>/rename",
    "/sessions/<int:session_id>/status",
    "/sessions/<int:session_id>/guns",
    "/sessions/<int:session_id>/guns/<int:gun_id>/delete",
    "/sessions/<int:session_id>/merge",  # B's session as target, and as the one merged in
    "/sessions/<int:session_id>/live",  # websocket: refused with 404
}

GET_ROUTES = ["/sessions/{s}", "/sessions/{s}/unknown-tags"]
POST_ROUTES = [
    ("/sessions/{s}/rename", {"name": "stolen"}),
    ("/sessions/{s}/status", {"status": "ended"}),
    ("/sessions/{s}/guns", {"wave": "", "time": "08:00:00"}),
    ("/sessions/{s}/guns/{g}/delete", {}),
    ("/sessions/{s}/merge", {"other": "{mine}", "confirm": "yes"}),
]


@pytest.fixture
async def two_partners(web):
    alpha = await create_partner_with_user(web.pool, "alpha", role="owner")
    bravo = await create_partner_with_user(web.pool, "bravo", role="owner")
    mine, _ = await seed_session(
        web.pool, alpha.partner_id, "ALPHA-RACE", [("FINISH", "A1", "08:00:00")]
    )
    theirs, _ = await seed_session(
        web.pool, bravo.partner_id, "BRAVO-RACE", [("FINISH", "B-GHOST", "08:00:00")]
    )
    await seed_participant(web.pool, bravo.partner_id, "BRAVO-RACE", "9", "B9", "Secret", "Runner")
    async with web.pool.acquire() as conn:
        gun = await conn.fetchval(
            "INSERT INTO gun_times (partner_id, session_id, local_time, wave, source) "
            "VALUES ($1, $2, '2021-05-08 08:00:00', 'W', 'manual') RETURNING id",
            bravo.partner_id,
            theirs,
        )
    client = await signed_in_client(web.app, alpha)
    return web, client, {"s": theirs, "g": gun, "mine": mine}


async def _bravo_unchanged(web, ids) -> None:
    async with web.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT name, status FROM timing_sessions WHERE id = $1", ids["s"]
        )
        assert (row["name"], row["status"]) == ("BRAVO-RACE", "live")
        assert (
            await conn.fetchval("SELECT count(*) FROM timing_reads WHERE session_id = $1", ids["s"])
            == 1
        )
        assert (
            await conn.fetchval("SELECT count(*) FROM gun_times WHERE session_id = $1", ids["s"])
            == 1
        )


@pytest.mark.parametrize("route", GET_ROUTES)
async def test_pages_of_another_partners_session_are_404(two_partners, route) -> None:
    _web, client, ids = two_partners
    response = await client.get(route.format(**ids))
    assert response.status_code == 404
    body = await response.get_data(as_text=True)
    assert "BRAVO-RACE" not in body and "B-GHOST" not in body


@pytest.mark.parametrize(("route", "form"), POST_ROUTES)
async def test_actions_on_another_partners_session_are_404(two_partners, route, form) -> None:
    web, client, ids = two_partners
    data = {k: v.format(**ids) for k, v in form.items()}
    response = await post_form(client, route.format(**ids), data)
    assert response.status_code == 404
    await _bravo_unchanged(web, ids)


async def test_merging_another_partners_session_into_mine_is_404(two_partners) -> None:
    web, client, ids = two_partners
    response = await post_form(
        client, f"/sessions/{ids['mine']}/merge", {"other": str(ids["s"]), "confirm": "yes"}
    )
    assert response.status_code == 404
    await _bravo_unchanged(web, ids)


async def test_live_preview_of_another_partners_session_is_refused(two_partners) -> None:
    web, client, ids = two_partners
    assert await refused_status(web, client, f"/sessions/{ids['s']}/live") == 404
    assert web.hub.subscriber_count() == 0


async def test_lists_show_only_own_sessions_and_connections(two_partners) -> None:
    web, client, _ids = two_partners
    _, theirs = web.stats.open_connection("10.9.9.9:40000")
    theirs.partner, theirs.event = "bravo", "ALPHA-RACE"
    page = await (await client.get("/sessions")).get_data(as_text=True)
    assert "ALPHA-RACE" in page
    assert "BRAVO-RACE" not in page and "10.9.9.9" not in page and "B-GHOST" not in page


async def test_signed_out_visitors_are_sent_to_sign_in(two_partners) -> None:
    web, _, ids = two_partners
    anonymous = web.app.test_client()
    response = await anonymous.get(f"/sessions/{ids['s']}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert await refused_status(web, anonymous, f"/sessions/{ids['s']}/live") == 401
