"""The operator's publish section (/sessions/<id>/results/publish) and the public page's live
socket (/r/<token>/ws): publish makes the link once, withdraw makes it 404 (and closes open
pages), final drops the provisional banner; a crossing reaches an open page."""

from __future__ import annotations

import re
from datetime import timedelta

from p88.db.audit import partner_entries
from p88.db.tenancy import tenant_transaction
from tests.system.wsclient import WsClient
from tests.web.public_results_seed import seed_race, store_crossing
from tests.web.support import (
    add_user,
    create_partner_with_user,
    post_form,
    signed_in_client,
    web_app,
)

LINK = re.compile(r'id="results-url" type="text" readonly value="http://[^"]+/r/([A-Za-z0-9_-]+)"')


async def test_publish_withdraw_final_and_provisional(dsn: str, tmp_path) -> None:
    async with web_app(dsn, tmp_path) as web:
        alpha = await create_partner_with_user(web.pool, "alpha", "operator")
        race = await seed_race(web.pool, alpha.partner_id)
        client = await signed_in_client(web.app, alpha)
        url = f"/sessions/{race.session_id}/results/publish"
        page = await (await client.get(url)).get_data(as_text=True)
        assert "Draft" in page and "results-url" not in page
        response = await post_form(client, url, {"action": "publish"})
        assert response.status_code == 303
        page = await (await client.get(response.headers["Location"])).get_data(as_text=True)
        assert "Results published" in page and 'src="data:image/svg+xml;base64,' in page
        token = LINK.search(page).group(1)
        public = web.app.test_client()
        html = await (await public.get(f"/r/{token}")).get_data(as_text=True)
        assert "Provisional." in html
        await post_form(client, url, {"action": "final"})
        html = await (await public.get(f"/r/{token}")).get_data(as_text=True)
        assert "Final results" in html and "Provisional." not in html
        await post_form(client, url, {"action": "provisional"})
        assert "Provisional." in await (await public.get(f"/r/{token}")).get_data(as_text=True)
        await post_form(client, url, {"action": "unpublish"})
        assert (await public.get(f"/r/{token}")).status_code == 404
        page = await (await client.get(url)).get_data(as_text=True)
        assert "Draft" in page and LINK.search(page).group(1) == token  # kept for next time
        await post_form(client, url, {"action": "publish"})
        assert (await public.get(f"/r/{token}")).status_code == 200
        async with tenant_transaction(web.pool, alpha.partner_id) as conn:
            actions = [e.action for e in await partner_entries(conn, alpha.partner_id)]
        assert actions[:5] == [
            "results published",
            "results withdrawn",
            "results marked provisional",
            "results marked final",
            "results published",
        ]


async def test_publishing_needs_a_saved_setup_the_operator_role_and_csrf(dsn, tmp_path) -> None:
    async with web_app(dsn, tmp_path) as web:
        alpha = await create_partner_with_user(web.pool, "alpha", "operator")
        race = await seed_race(web.pool, alpha.partner_id, saved=False)
        url = f"/sessions/{race.session_id}/results/publish"
        client = await signed_in_client(web.app, alpha)
        response = await post_form(client, url, {"action": "publish"})
        body = await response.get_data(as_text=True)
        assert response.status_code == 400 and "Save the results setup first" in body
        response = await post_form(client, url, {"action": "launch"})
        assert response.status_code == 400
        assert (await client.post(url, form={"action": "publish"})).status_code == 400  # no CSRF
        viewer = await signed_in_client(web.app, await add_user(web.pool, alpha, "viewer"))
        assert (await viewer.get(url)).status_code == 403
        assert (await post_form(viewer, url, {"action": "publish"})).status_code == 403
        async with web.pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM results_setups") == 0


async def test_a_setup_the_engine_cannot_use_is_not_published(dsn, tmp_path) -> None:
    async with web_app(dsn, tmp_path) as web:
        alpha = await create_partner_with_user(web.pool, "alpha", "operator")
        race = await seed_race(web.pool, alpha.partner_id)
        async with web.pool.acquire() as conn:
            await conn.execute(
                "UPDATE results_setups SET document = '{\"courses\": []}' WHERE session_id = $1",
                race.session_id,
            )
        client = await signed_in_client(web.app, alpha)
        url = f"/sessions/{race.session_id}/results/publish"
        response = await post_form(client, url, {"action": "publish"})
        body = await response.get_data(as_text=True)
        assert response.status_code == 400 and "needs at least one course" in body
        async with web.pool.acquire() as conn:
            assert await conn.fetchval("SELECT published_at FROM results_setups") is None


async def test_an_open_page_hears_of_a_crossing_and_of_a_withdrawal(dsn, tmp_path) -> None:
    async with web_app(dsn, tmp_path) as web:
        alpha = await create_partner_with_user(web.pool, "alpha", "operator")
        race = await seed_race(web.pool, alpha.partner_id)
        client = await signed_in_client(web.app, alpha)
        url = f"/sessions/{race.session_id}/results/publish"
        await post_form(client, url, {"action": "publish"})
        token = LINK.search(await (await client.get(url)).get_data(as_text=True)).group(1)
        socket = await WsClient.connect(web.push_url, f"/r/{token}/ws")
        hello = await socket.message()
        assert hello["type"] == "hello" and hello["final"] is False and hello["version"] >= 1
        # Dan finishes.
        read = await store_crossing(web.pool, race, "FINISH", "4", race.gun + timedelta(minutes=29))
        web.results.publish([read])
        changed = await socket.message()
        assert changed["type"] == "changed" and changed["bibs"] == ["4"] and changed["shifted"]
        assert changed["version"] > hello["version"]
        assert "1 page open now" in await (await client.get(url)).get_data(as_text=True)
        await post_form(client, url, {"action": "final"})
        assert (await socket.message())["final"] is True
        await post_form(client, url, {"action": "unpublish"})
        assert await socket.close_code() == 4404
        again = await WsClient.connect(web.push_url, f"/r/{token}/ws")
        assert await again.close_code() == 4404  # accepted, then told why: the page stops
        unknown = await WsClient.connect(web.push_url, "/r/no-such-results-link/ws")
        assert await unknown.close_code() == 4404
