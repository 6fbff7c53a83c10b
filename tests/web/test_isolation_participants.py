"""Isolation of the participants pages: partner A gets a 404 for every participants route with
partner B's ids (a participant, a pending upload), and never sees B's runners or events."""

from __future__ import annotations

import pytest

from tests.web.sessions_seed import seed_participant
from tests.web.support import create_partner_with_user, post_form, signed_in_client

# Every participants rule, each requested by partner A with partner B's ids (every method).
COVERED_RULES: set[str] = {
    "/participants",  # list, search and event choices: B's runners and events never appear
    "/participants/import",  # GET: B's events not offered; POST: lands in A even on B's name
    "/participants/import/<int:upload_id>",  # GET and POST with B's pending upload
    "/participants/<int:participant_id>",  # GET and POST with B's runner
}


@pytest.fixture
async def two_partners(web):
    alpha = await create_partner_with_user(web.pool, "alpha", role="owner")
    bravo = await create_partner_with_user(web.pool, "bravo", role="owner")
    theirs = await seed_participant(
        web.pool, bravo.partner_id, "SHARED-NAME", "1", "T1", "Bea", "Secret"
    )
    async with web.pool.acquire() as conn:
        upload = await conn.fetchval(
            "INSERT INTO participant_uploads (partner_id, event_name, filename, data) "
            "VALUES ($1, 'SHARED-NAME', 'b.csv', $2) RETURNING id",
            bravo.partner_id,
            b"Bib,First Name\n5,Hidden\n",
        )
    client = await signed_in_client(web.app, alpha)
    return web, client, {"p": theirs, "u": upload}


async def _bravo_unchanged(web, ids) -> None:
    async with web.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT first_name, tag FROM participants WHERE id = $1", ids["p"]
        )
        assert (row["first_name"], row["tag"]) == ("Bea", "T1")
        assert await conn.fetchval("SELECT count(*) FROM participants") == 1
        assert (
            await conn.fetchval("SELECT count(*) FROM participant_uploads WHERE id = $1", ids["u"])
            == 1
        )


@pytest.mark.parametrize("route", ["/participants/{p}", "/participants/import/{u}"])
async def test_pages_with_another_partners_ids_are_404(two_partners, route) -> None:
    _web, client, ids = two_partners
    response = await client.get(route.format(**ids))
    assert response.status_code == 404
    body = await response.get_data(as_text=True)
    assert "Secret" not in body and "Hidden" not in body


@pytest.mark.parametrize(
    ("route", "form"),
    [
        ("/participants/{p}", {"bib": "1", "tag": "T1", "first_name": "Hacked"}),
        ("/participants/import/{u}", {"map_bib": "0", "map_first_name": "1", "action": "import"}),
        ("/participants/import/{u}", {"map_bib": "0", "action": "check"}),
    ],
)
async def test_actions_with_another_partners_ids_are_404(two_partners, route, form) -> None:
    web, client, ids = two_partners
    response = await post_form(client, route.format(**ids), form)
    assert response.status_code == 404
    await _bravo_unchanged(web, ids)


async def test_lists_and_searches_show_only_own_runners(two_partners) -> None:
    _web, client, _ids = two_partners
    for url in ("/participants", "/participants?event=SHARED-NAME&q=Bea", "/participants/import"):
        body = await (await client.get(url)).get_data(as_text=True)
        assert "Secret" not in body and "SHARED-NAME</option>" not in body


async def test_an_import_under_the_same_event_name_stays_in_its_partner(two_partners) -> None:
    import io

    from werkzeug.datastructures import FileStorage

    from tests.web.support import csrf_token_of

    web, client, _ids = two_partners
    response = await client.post(
        "/participants/import",
        form={"event": "SHARED-NAME", "csrf_token": await csrf_token_of(client)},
        files={"file": FileStorage(io.BytesIO(b"Bib,Tag,First Name\n1,T1,Mine\n"), "a.csv")},
    )
    report = await post_form(
        client,
        response.headers["Location"],
        {"map_bib": "0", "map_tag": "1", "map_first_name": "2", "action": "import"},
    )
    assert '<div class="value" id="count-inserted">1</div>' in await report.get_data(as_text=True)
    await_rows = None
    async with web.pool.acquire() as conn:
        await_rows = await conn.fetch("SELECT partner_id, first_name FROM participants ORDER BY id")
    assert [r["first_name"] for r in await_rows] == ["Bea", "Mine"]
