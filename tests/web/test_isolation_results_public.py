"""Public results never cross companies: a company's publish section refuses another's session
(404), a results link shows its own session's runners only (same event name and bibs at the
other company or not), and an unpublished session's link answers 404 everywhere."""

from __future__ import annotations

from tests.system.wsclient import WsClient
from tests.web.isolation import assert_404
from tests.web.public_results_seed import add_runner, publish, seed_race
from tests.web.support import create_partner_with_user, post_form, signed_in_client, web_app

COVERED_RULES: set[str] = {
    "/sessions/<int:session_id>/results/publish",
    "/r/<token>",
    "/r/<token>/bib/<bib>",
    "/r/<token>/awards",
    "/r/<token>/histogram",
    "/r/<token>/ws",
}

ALPHA_LINK = "alpha-river-results-link"
BRAVO_LINK = "bravo-river-results-link"


async def test_results_links_and_publishing_never_cross_companies(dsn: str, tmp_path) -> None:
    async with web_app(dsn, tmp_path) as web:
        alpha = await create_partner_with_user(web.pool, "alpha", "owner")
        bravo = await create_partner_with_user(web.pool, "bravo", "owner")
        a_race = await seed_race(web.pool, alpha.partner_id)
        b_race = await seed_race(web.pool, bravo.partner_id)  # same event name, same bibs
        async with web.pool.acquire() as conn:
            await conn.execute(
                "UPDATE participants SET first_name = 'Secret', last_name = 'Bravo'"
                " WHERE partner_id = $1",
                bravo.partner_id,
            )
            await add_runner(conn, bravo.partner_id, "77", "Only", "AtBravo", "F", 40)
        await publish(web.pool, a_race, ALPHA_LINK)

        # Alpha's owner cannot see or change Bravo's publication.
        client = await signed_in_client(web.app, alpha)
        b_url = f"/sessions/{b_race.session_id}/results/publish"
        await assert_404(client, "GET", b_url)
        for action in ("publish", "unpublish", "final", "provisional"):
            await assert_404(client, "POST", b_url, {"action": action})
        async with web.pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT public_token, published_at, final_at FROM results_setups"
                " WHERE session_id = $1",
                b_race.session_id,
            )
        assert tuple(row) == (None, None, None)

        # Alpha's link shows Alpha's runners only.
        public = web.app.test_client()
        for path in ("", "?q=bravo", "/awards", "/histogram", "/bib/1"):
            response = await public.get(f"/r/{ALPHA_LINK}{path}")
            body = await response.get_data(as_text=True)
            assert response.status_code == 200 and "Secret" not in body and "Bravo" not in body
        await assert_404(public, "GET", f"/r/{ALPHA_LINK}/bib/77")

        # Bravo's session, not published: its link is a 404 everywhere, socket included.
        async with web.pool.acquire() as conn:
            await conn.execute(
                "UPDATE results_setups SET public_token = $2 WHERE session_id = $1",
                b_race.session_id,
                BRAVO_LINK,
            )
        for path in ("", "/bib/77", "/bib/1", "/awards", "/histogram"):
            await assert_404(public, "GET", f"/r/{BRAVO_LINK}{path}")
        socket = await WsClient.connect(web.push_url, f"/r/{BRAVO_LINK}/ws")
        assert await socket.close_code() == 4404

        # Published, Bravo's link shows Bravo's runners, and Alpha's still only Alpha's.
        bravo_client = await signed_in_client(web.app, bravo)
        response = await post_form(bravo_client, b_url, {"action": "publish"})
        assert response.status_code == 303
        body = await (await public.get(f"/r/{BRAVO_LINK}/bib/77")).get_data(as_text=True)
        assert "Only AtBravo" in body
        body = await (await public.get(f"/r/{ALPHA_LINK}")).get_data(as_text=True)
        assert "Secret" not in body and "AtBravo" not in body
