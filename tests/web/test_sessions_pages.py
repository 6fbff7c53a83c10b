"""Sessions and participants pages through the Quart test client, on a real database."""

from __future__ import annotations

import trio
from werkzeug.datastructures import FileStorage

from tests.db.test_participants_import import MIXED
from tests.system.wsclient import WsClient
from tests.web.sessions_seed import seed_participant, seed_session, store_read
from tests.web.support import (
    create_partner_with_user,
    csrf_token_of,
    post_form,
    session_cookie,
    signed_in_client,
)


async def _alpha_and_bravo(web, role: str = "operator"):
    alpha = await create_partner_with_user(web.pool, "alpha", role=role)
    bravo = await create_partner_with_user(web.pool, "bravo")
    return alpha, bravo


async def test_sessions_list_shows_live_first_points_middleware_guns_and_unknown_tags(web) -> None:
    alpha, bravo = await _alpha_and_bravo(web)
    old, _ = await seed_session(web.pool, alpha.partner_id, "LAST-YEAR")
    async with web.pool.acquire() as conn:
        await conn.execute("UPDATE timing_sessions SET status = 'ended' WHERE id = $1", old)
    live, _ = await seed_session(
        web.pool,
        alpha.partner_id,
        "CITY-10K",
        [("START", "T1", "08:00:01"), ("FINISH", "T1", "08:40:00"), ("FINISH", "X9", "08:41:00")],
    )
    await seed_participant(web.pool, alpha.partner_id, "CITY-10K", "1", "T1", "Ann", "Lee")
    await seed_session(web.pool, bravo.partner_id, "BRAVO-SECRET-RACE")
    _, mine = web.stats.open_connection("10.0.0.5:50000")
    mine.partner, mine.event = "alpha", "CITY-10K"
    _, theirs = web.stats.open_connection("10.9.9.9:40000")
    theirs.partner, theirs.event = "bravo", "CITY-10K"
    client = await signed_in_client(web.app, alpha)
    await post_form(client, f"/sessions/{live}/guns", {"wave": "", "time": "08:00:00"})

    page = await (await client.get("/sessions")).get_data(as_text=True)
    assert page.index("CITY-10K") < page.index("LAST-YEAR")  # live first
    assert "START · 1" in page and "FINISH · 2" in page
    assert "10.0.0.5:50000" in page and "10.9.9.9" not in page
    assert "1 connected" in page
    assert "all 08:00:00.00" in page
    assert f'href="/sessions/{live}/unknown-tags">1</a>' in page
    assert "BRAVO-SECRET-RACE" not in page


async def test_session_detail_shows_latest_reads_unknown_tags_and_actions(web) -> None:
    alpha, _ = await _alpha_and_bravo(web)
    session, _ = await seed_session(
        web.pool,
        alpha.partner_id,
        "CITY-10K",
        [("FINISH", "T1", "08:40:00.25"), ("FINISH", "GHOST", "08:41:00")],
    )
    await seed_participant(web.pool, alpha.partner_id, "CITY-10K", "7", "T1", "Ann", "Lee")
    client = await signed_in_client(web.app, alpha)
    page = await (await client.get(f"/sessions/{session}")).get_data(as_text=True)
    assert "08:40:00.25" in page and "Ann Lee" in page
    assert "GHOST" in page and "unknown tag" in page
    assert f'action="/sessions/{session}/merge"' in page
    assert "sessions/live.js" in page and "<script>" not in page
    tags = await (await client.get(f"/sessions/{session}/unknown-tags")).get_data(as_text=True)
    assert "GHOST" in tags and '<td class="mono">T1</td>' not in tags


async def test_operator_renames_ends_sets_guns_and_merges(web) -> None:
    alpha, _ = await _alpha_and_bravo(web)
    a, _ = await seed_session(web.pool, alpha.partner_id, "RACE", [("FINISH", "T1", "08:40:00")])
    b, _ = await seed_session(
        web.pool, alpha.partner_id, "RACE-BOX2", [("FINISH", "T2", "08:41:00")]
    )
    client = await signed_in_client(web.app, alpha)

    r = await post_form(client, f"/sessions/{a}/rename", {"name": "City 10K"})
    assert r.status_code == 303
    r = await post_form(client, f"/sessions/{a}/guns", {"wave": "Elite", "time": "07:55:00.5"})
    assert r.status_code == 303
    r = await post_form(client, f"/sessions/{a}/guns", {"wave": "Elite", "time": "7 o'clock"})
    assert r.status_code == 400
    assert "HH:MM:SS" in await r.get_data(as_text=True)
    r = await post_form(client, f"/sessions/{a}/merge", {"other": str(b)})
    assert r.status_code == 400  # not confirmed
    r = await post_form(client, f"/sessions/{a}/merge", {"other": str(b), "confirm": "yes"})
    assert r.status_code == 303
    r = await post_form(client, f"/sessions/{a}/status", {"status": "ended"})
    assert r.status_code == 303
    page = await (await client.get(f"/sessions/{a}?done=ended")).get_data(as_text=True)
    assert "City 10K" in page and "Session marked ended." in page
    assert "07:55:00.50" in page and "Elite" in page
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM timing_sessions") == 1
        assert (
            await conn.fetchval("SELECT count(*) FROM timing_reads WHERE session_id = $1", a) == 2
        )
        assert await conn.fetchval("SELECT status FROM timing_sessions WHERE id = $1", a) == "ended"


async def test_viewers_cannot_change_and_forms_need_the_csrf_token(web) -> None:
    viewer, _ = await _alpha_and_bravo(web, role="viewer")
    session, _ = await seed_session(web.pool, viewer.partner_id, "RACE")
    client = await signed_in_client(web.app, viewer)
    assert (await client.get(f"/sessions/{session}")).status_code == 200
    r = await post_form(client, f"/sessions/{session}/rename", {"name": "Mine now"})
    assert r.status_code == 403
    operator = await create_partner_with_user(web.pool, "alpha", role="operator")
    op_client = await signed_in_client(web.app, operator)
    r = await op_client.post(f"/sessions/{session}/rename", form={"name": "no token"})
    assert r.status_code == 400
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT name FROM timing_sessions") == "RACE"


async def test_live_preview_sends_backlog_then_new_reads_joined_with_participants(web) -> None:
    alpha, _ = await _alpha_and_bravo(web)
    session, locations = await seed_session(
        web.pool, alpha.partner_id, "RACE", [("FINISH", "T0", "08:39:00")]
    )
    other, other_locations = await seed_session(
        web.pool, alpha.partner_id, "OTHER", [("FINISH", "Z1", "08:39:30")]
    )
    await seed_participant(web.pool, alpha.partner_id, "RACE", "42", "T42", "Zoë", "Åberg")
    client = await signed_in_client(web.app, alpha)
    ws = await live_socket(web, client, f"/sessions/{session}/live")
    try:
        with trio.fail_after(10):
            first = await ws.message()
            assert first["type"] == "backlog"
            assert [(r["tag"], r["time"]) for r in first["reads"]] == [("T0", "08:39:00.00")]
            # A read of another session is never sent; this session's reads are, in order.
            stray = await store_read(
                web.pool,
                alpha.partner_id,
                other,
                other_locations["FINISH"],
                "FINISH",
                "Z2",
                "08:40:00",
            )
            read = await store_read(
                web.pool,
                alpha.partner_id,
                session,
                locations["FINISH"],
                "FINISH",
                "T42",
                "08:40:01.5",
            )
            web.hub.publish([stray, read])
            message = await ws.message()
    finally:
        await ws.aclose()
    assert message["type"] == "reads"
    assert message["reads"] == [
        {
            "id": read.id,
            "location": "FINISH",
            "tag": "T42",
            "time": "08:40:01.50",
            "bib": "42",
            "name": "Zoë Åberg",
        }
    ]
    with trio.fail_after(10):  # the preview unsubscribes when the socket closes
        while web.hub.subscriber_count():
            await trio.sleep(0.02)


async def live_socket(web, client, path: str) -> WsClient:
    """The sessions page's live socket, opened as the page would (same site, its cookie)."""
    origin = {"Origin": web.push_url}
    return await WsClient.connect(web.push_url, path, cookie=session_cookie(client), headers=origin)


async def _upload(client, event: str, data: bytes, name: str = "runners.csv"):
    token = await csrf_token_of(client)
    return await client.post(
        "/participants/import",
        form={"event": event, "csrf_token": token},
        files={
            "file": FileStorage(
                stream=__import__("io").BytesIO(data), filename=name, content_type="text/csv"
            )
        },
    )


async def test_participant_import_flow_shows_mapping_then_reports_every_bad_row(web) -> None:
    alpha, _ = await _alpha_and_bravo(web)
    client = await signed_in_client(web.app, alpha)
    r = await _upload(client, "SPRING 10K", MIXED)
    assert r.status_code == 303
    mapping_url = r.headers["Location"]
    page = await (await client.get(mapping_url)).get_data(as_text=True)
    assert "RunSignUp-style export" in page
    assert "Ignored columns: Registration ID, Shirt Size, Email" in page
    assert '<option value="1" selected>Bib</option>' in page
    form = {
        "map_bib": "1",
        "map_tag": "2",
        "map_first_name": "3",
        "map_last_name": "4",
        "map_gender": "5",
        "map_age": "6",
        "map_city": "7",
        "action": "import",
    }
    report = await post_form(client, mapping_url, form)
    body = await report.get_data(as_text=True)
    assert report.status_code == 200
    assert '<div class="value" id="count-inserted">3</div>' in body
    for line in (3, 5, 6, 7, 8):
        assert f'<td class="num">{line}</td>' in body
    assert "bib 101 already appears on line 2" in body
    # The upload is gone once imported: the same URL is now a 404.
    assert (await client.get(mapping_url)).status_code == 404
    listing = await (await client.get("/participants?event=SPRING+10K&q=Zo")).get_data(as_text=True)
    assert "Zoë Åberg" in listing and "Sam Vale" not in listing


async def test_unreadable_upload_and_missing_bib_column_are_explained(web) -> None:
    alpha, _ = await _alpha_and_bravo(web)
    client = await signed_in_client(web.app, alpha)
    r = await _upload(client, "RACE", b"")
    assert r.status_code == 400 and "empty" in await r.get_data(as_text=True)
    r = await _upload(client, "RACE", b"Name,Town\nAnn Lee,Boston\n")
    url = r.headers["Location"]
    r = await post_form(client, url, {"map_full_name": "0", "action": "import"})
    assert r.status_code == 400
    assert "choose the column that holds the bib number" in await r.get_data(as_text=True)


async def test_participant_edit_saves_and_refuses_a_stolen_tag(web) -> None:
    alpha, _ = await _alpha_and_bravo(web)
    ann = await seed_participant(web.pool, alpha.partner_id, "RACE", "1", "T1", "Ann", "Lee")
    await seed_participant(web.pool, alpha.partner_id, "RACE", "2", "T2", "Bob", "Roy")
    client = await signed_in_client(web.app, alpha)
    page = await (await client.get(f"/participants/{ann}")).get_data(as_text=True)
    assert 'value="Ann"' in page
    fields = {
        "bib": "1",
        "tag": "T1",
        "first_name": "Anne",
        "last_name": "Lee",
        "gender": "f",
        "age": "33",
        "vip": "yes",
        "pronunciation": "AN lee",
    }
    r = await post_form(client, f"/participants/{ann}", fields)
    assert r.status_code == 200 and "Saved." in await r.get_data(as_text=True)
    r = await post_form(client, f"/participants/{ann}", {**fields, "tag": "T2"})
    assert r.status_code == 400
    assert "already worn by bib 2" in await r.get_data(as_text=True)
    r = await post_form(client, f"/participants/{ann}", {**fields, "age": "-3"})
    assert r.status_code == 400
    async with web.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM participants WHERE id = $1", ann)
    assert (row["first_name"], row["gender"], row["age"], row["vip"], row["tag"]) == (
        "Anne",
        "F",
        33,
        True,
        "T1",
    )
    assert row["pronunciation"] == "AN lee"


async def test_live_preview_that_falls_behind_is_told_to_resync_and_gets_the_newest(web) -> None:
    alpha, _ = await _alpha_and_bravo(web)
    session, locations = await seed_session(
        web.pool, alpha.partner_id, "RACE", [("FINISH", "T0", "08:39:00")]
    )
    web.hub.buffer_size = 2  # a tiny per-subscriber buffer, so five reads overflow it
    client = await signed_in_client(web.app, alpha)
    ws = await live_socket(web, client, f"/sessions/{session}/live")
    try:
        with trio.fail_after(10):
            assert (await ws.message())["type"] == "backlog"
            burst = [
                await store_read(
                    web.pool,
                    alpha.partner_id,
                    session,
                    locations["FINISH"],
                    "FINISH",
                    f"T{i}",
                    f"08:40:0{i}",
                )
                for i in range(1, 6)
            ]
            web.hub.publish(burst)
            messages = [await ws.message() for _ in range(3)]
    finally:
        await ws.aclose()
    assert [m["type"] for m in messages] == ["reads", "resync", "backlog"]
    # What fitted (the buffer, plus one handed straight to the waiting reader) came in order.
    sent = [r["tag"] for r in messages[0]["reads"]]
    assert 2 <= len(sent) < 5 and sent == ["T1", "T2", "T3", "T4", "T5"][: len(sent)]
    # After the resync the newest stored reads arrive, including those the buffer dropped.
    assert [r["tag"] for r in messages[2]["reads"]] == ["T0", "T1", "T2", "T3", "T4", "T5"]
