"""The results resources: a session's results from its engine (order, filters, search, pages,
formats, ETag), one runner with places and splits, a session without a results setup, and
published results without a key.

The race (tests/web/public_results_seed.py): course 5K, placed 2, 1, 3, 6; bib 4 on the
course; bib 5 never seen (DNS).
"""

from __future__ import annotations

import json
from typing import Any

from p88.db import results as results_db
from p88.db.tenancy import tenant_transaction
from p88.web.services import services_of
from tests.api.support import api, make_key, problem
from tests.web.public_results_seed import publish, seed_race
from tests.web.support import create_partner_with_user

ORDER = ["2", "1", "3", "6", "4", "5"]


async def race_and_key(web: Any, **key: Any) -> tuple[Any, str]:
    owner = await create_partner_with_user(web.pool, "alpha", "owner")
    race = await seed_race(web.pool, owner.partner_id)
    return race, await make_key(web.pool, owner.partner_id, **key)


def bibs(rows: list[dict[str, Any]]) -> list[str]:
    return [row["bib"] for row in rows]


async def all_pages(web: Any, url: str, key: str | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while url:
        response = await api(web, "GET", url, key)
        assert response.status_code == 200, await response.get_data(as_text=True)
        page = await response.get_json()
        rows += page["data"]
        url = page["next"]
    return rows


async def test_results_come_in_results_order_with_places(web) -> None:
    race, key = await race_and_key(web)
    url = f"/api/v1/sessions/{race.session_id}/results"
    page = await (await api(web, "GET", url, key)).get_json()
    assert bibs(page["data"]) == ORDER and page["next"] is None
    first = page["data"][0]
    assert first["name"] == "Bea Fast" and first["chip_time"] == "0:18:30.00"
    assert (first["place_overall"], first["place_gender"], first["status"]) == (1, 1, "finished")
    assert first["last_point"] == "FINISH" and first["flags"] == []
    by_bib = {row["bib"]: row for row in page["data"]}
    assert by_bib["4"]["status"] == "running" and by_bib["4"]["last_point"] == "HALF"
    assert by_bib["5"]["status"] == "dns" and by_bib["5"]["place_overall"] is None
    assert by_bib["6"]["flags"] == ["no-start-read"]


async def test_filters_search_and_pages(web) -> None:
    race, key = await race_and_key(web)
    url = f"/api/v1/sessions/{race.session_id}/results"
    for query, expected in (
        ("gender=eq.F", ["2", "1", "5"]),
        ("status=eq.dns", ["5"]),
        ("status=in.(running,dns)", ["4", "5"]),
        ("bib=neq.2&gender=eq.F", ["1", "5"]),
        ("name=like.*Steady", ["3"]),
        ("q=bEA", ["2"]),
        ("q=4", ["4"]),
        ("course=eq.10K", []),
        ("age_group=eq.F40-44", ["2"]),
    ):
        found = await all_pages(web, f"{url}?{query}", key)
        assert bibs(found) == expected, query
    paged = await all_pages(web, f"{url}?limit=4", key)
    assert bibs(paged) == ORDER
    two = await (await api(web, "GET", f"{url}?limit=2&gender=eq.F", key)).get_json()
    assert bibs(two["data"]) == ["2", "1"] and "gender=eq.F" in two["next"]
    rest = await (await api(web, "GET", two["next"], key)).get_json()
    assert bibs(rest["data"]) == ["5"] and rest["next"] is None
    whole = await (await api(web, "GET", f"{url}?limit=3&gender=eq.F", key)).get_json()
    assert bibs(whole["data"]) == ["2", "1", "5"] and whole["next"] is None  # no empty page


async def test_ndjson_and_csv_stream_the_json_rows(web) -> None:
    race, key = await race_and_key(web)
    url = f"/api/v1/sessions/{race.session_id}/results"
    rows = (await (await api(web, "GET", url, key)).get_json())["data"]
    lines = await (await api(web, "GET", f"{url}?format=ndjson", key)).get_data(as_text=True)
    assert [json.loads(line) for line in lines.splitlines()] == rows
    text = await (await api(web, "GET", f"{url}?format=csv", key)).get_data(as_text=True)
    header, *lines = text.splitlines()
    assert header.split(",") == list(rows[0]) and len(lines) == len(rows)
    assert lines[3].split(",")[1] == "6" and lines[3].endswith("no-start-read,FINISH")
    page = await api(web, "GET", f"{url}?format=csv&limit=2", key)
    assert 'rel="next"' in page.headers["Link"]


async def test_a_list_has_an_etag_and_answers_304(web) -> None:
    race, key = await race_and_key(web)
    url = f"/api/v1/sessions/{race.session_id}/results"
    first = await api(web, "GET", url, key)
    again = await api(web, "GET", url, key, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not await again.get_data()


async def test_one_runner_has_places_pace_and_splits(web) -> None:
    race, key = await race_and_key(web)
    runner = await (
        await api(web, "GET", f"/api/v1/sessions/{race.session_id}/results/2", key)
    ).get_json()
    assert runner["name"] == "Bea Fast" and runner["gun_time"] == "0:18:36.00"
    assert runner["places"]["overall"] == {"place": 1, "of": 4, "provisional": False}
    assert runner["pace_km"] == "3:42 /km"
    half, finish = runner["splits"]
    assert (half["point"], half["distance"], half["elapsed"]) == ("HALF", "2.5 km", "0:09:00.00")
    assert half["pace"] == "3:36 /km" and finish["point"] == "Finish"
    out = await api(web, "GET", f"/api/v1/sessions/{race.session_id}/results/999", key)
    assert out.status_code == 404 and "999" in (await problem(out))["detail"]


async def test_a_session_without_results_setup_is_409_saying_what_to_do(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha", "owner")
    key = await make_key(web.pool, owner.partner_id)
    async with web.pool.acquire() as conn:
        session_id = await conn.fetchval(
            "INSERT INTO timing_sessions (partner_id, event_name, day, timezone, name)"
            " VALUES ($1, 'NO SETUP', '2026-05-08', 'UTC', 'x') RETURNING id",
            owner.partner_id,
        )
        await conn.execute(
            "INSERT INTO timing_locations (partner_id, session_id, name) VALUES ($1, $2, 'MAT1')",
            owner.partner_id,
            session_id,
        )
    for url in (f"/api/v1/sessions/{session_id}/results",
                f"/api/v1/sessions/{session_id}/results/1"):  # fmt: skip
        response = await api(web, "GET", url, key)
        assert response.status_code == 409
        assert "Results setup" in (await problem(response))["detail"]


async def test_published_results_need_no_key_and_show_what_the_pages_show(web) -> None:
    race, _ = await race_and_key(web)
    token = "T" * 22
    base = f"/api/v1/public/{token}/results"
    assert (await api(web, "GET", base, None)).status_code == 404  # not published yet
    await publish(web.pool, race, token)
    rows = await all_pages(web, f"{base}?limit=4", None)
    assert bibs(rows) == ORDER
    brave = next(row for row in rows if row["bib"] == "1")
    assert brave["name"] == "Zoë <b>Brave</b>" and brave["overall"]["place"] == 2
    assert brave["status_label"] == "Finished" and set(brave) >= {"notes", "progress"}
    assert "age" not in brave  # the public pages show the age group only
    page = await web.app.test_client().get(f"/r/{token}/bib/1")
    html = await page.get_data(as_text=True)
    runner = await (await api(web, "GET", f"{base}/1", None)).get_json()
    for shown in (runner["chip"], runner["gun"], runner["pace_km"], runner["splits"][0]["elapsed"]):
        assert shown and shown in html
    found = await (await api(web, "GET", f"{base}?q=brave", None)).get_json()
    assert bibs(found["data"]) == ["1"]
    assert (await api(web, "GET", f"{base}/999", None)).status_code == 404
    async with tenant_transaction(web.pool, race.partner_id) as conn:
        await results_db.publish(conn, race.partner_id, race.session_id, False, token)
    await services_of(web.app).public_results.republished(web.pool, race.session_id, None)
    withdrawn = await api(web, "GET", base, None)
    assert withdrawn.status_code == 404 and "published" in (await problem(withdrawn))["detail"]
