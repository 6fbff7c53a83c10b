"""Admin -> API keys: a key gets its scopes, an optional event and an expiry there, and the list
shows them; the key then works exactly as far as they say."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from tests.api.support import api, seed_event
from tests.web.support import create_partner_with_user, post_form, signed_in_client

SECRET = re.compile(r"data-secret>([^<]+)<")


async def test_a_key_made_on_the_page_has_its_scopes_event_and_expiry(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha", "admin")
    await seed_event(web.pool, owner.partner_id, "HARBOUR 5K")
    await seed_event(web.pool, owner.partner_id, "CITY 10K")
    client = await signed_in_client(web.app, owner)
    page = await (await client.get("/admin/api-keys")).get_data(as_text=True)
    assert 'value="stream"' in page and 'value="write:results"' in page
    assert '<option value="HARBOUR 5K">' in page
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    client_form = {"name": "scoreboard", "scope": "stream", "event": "HARBOUR 5K",
                   "expires": tomorrow}  # fmt: skip
    response = await post_form(client, "/admin/api-keys", client_form)
    body = await response.get_data(as_text=True)
    key = SECRET.search(body).group(1)
    async with web.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT scopes, event_name, expires_at FROM api_keys")
    assert row["scopes"] == ["stream"] and row["event_name"] == "HARBOUR 5K"
    assert row["expires_at"].date().isoformat() > tomorrow  # through the whole chosen day
    listing = await (await client.get("/admin/api-keys")).get_data(as_text=True)
    assert "HARBOUR 5K" in listing and ">stream<" in listing and "active" in listing
    refused = await api(web, "GET", "/api/v1/events", key)
    assert refused.status_code == 403  # a stream key cannot read lists


async def test_the_form_says_what_to_change(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha", "admin")
    client = await signed_in_client(web.app, owner)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    for form, says in (
        ({"name": "x"}, "tick at least one"),
        ({"name": "x", "scope": "write:everything"}, "tick at least one"),
        ({"name": "x", "scope": "read", "event": "NOPE"}, "no event 'NOPE'"),
        ({"name": "x", "scope": "read", "expires": "soon"}, "as a date"),
        ({"name": "x", "scope": "read", "expires": yesterday}, "has passed"),
        ({"name": "", "scope": "read"}, "a name of 1 to 100"),
    ):
        response = await post_form(client, "/admin/api-keys", form)
        assert response.status_code == 400, form
        assert says in html.unescape(await response.get_data(as_text=True)), form
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM api_keys") == 0


def test_an_api_key_never_reaches_a_log_line() -> None:
    from p88.logredact import redact

    key = "p88_" + "Ab3-_x" * 7
    assert redact(f"Authorization: Bearer {key} refused") == (
        "Authorization: Bearer p88_[redacted] refused"
    )
    assert redact("data/p88_data/x p88_short") == "data/p88_data/x p88_short"
    link = "GET /api/v1/public/Ab3-_x8Ab3-_x8Ab3-_x/results/12?q=x"
    assert redact(link) == "GET /api/v1/public/[redacted]/results/12?q=x"
