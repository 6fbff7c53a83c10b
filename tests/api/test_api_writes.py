"""The data API's writes: participants (create, change, bulk upsert through the CSV import's
checks) and a display's new link, each idempotent by its natural key or an Idempotency-Key."""

from __future__ import annotations

from typing import Any

import trio

from p88.displays.tokens import token_hash
from tests.api.support import api, make_key, problem, seed_event
from tests.web.support import create_partner_with_user

EVENT = "WRITE RUN"


async def world(web: Any) -> tuple[str, dict[str, Any], int]:
    owner = await create_partner_with_user(web.pool, "alpha", "owner")
    ids = await seed_event(web.pool, owner.partner_id, EVENT, runners=3)
    return await make_key(web.pool, owner.partner_id), ids, owner.partner_id


async def stored_bibs(web: Any) -> dict[str, dict[str, Any]]:
    async with web.pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM participants WHERE event_name = $1", EVENT)
    return {row["bib"]: dict(row) for row in rows}


async def test_a_bulk_upsert_stores_the_good_rows_and_reports_each_bad_one(web) -> None:
    key, _, _ = await world(web)
    rows = [
        {"bib": "1", "first_name": "Renamed", "tag": "T1"},  # known bib: replaced
        {"bib": "10", "first_name": "Ana", "gender": "female", "age": 34, "vip": True},
        {"bib": "11", "age": "thirty"},
        {"bib": "10", "first_name": "Twice"},
        {"bib": "12", "colour": "red"},
        {"first_name": "No bib"},
        {"bib": "13", "full_name": "Mary Ann Lee", "date_of_birth": "1990-02-03"},
        {"bib": "14", "tag": "2"},  # bib 2 keeps its tag 2
        {"bib": "15", "city": {"name": "Lyon"}},
    ]
    body = {"event": EVENT, "rows": rows}
    response = await api(web, "POST", "/api/v1/participants/upsert", key, json=body)
    assert response.status_code == 200
    report = await response.get_json()
    assert (report["inserted"], report["updated"]) == (2, 1)
    assert report["rejected_count"] == 6
    reasons = {item["row"]: item["reason"] for item in report["rejected"]}
    assert sorted(reasons) == [2, 3, 4, 5, 7, 8]
    assert "age 'thirty'" in reasons[2]
    assert "already appears in row 1" in reasons[3]
    assert "unknown field 'colour'" in reasons[4]
    assert "no bib" in reasons[5]
    assert "already worn by bib 2" in reasons[7]
    assert "city must be" in reasons[8]
    stored = await stored_bibs(web)
    assert stored["10"]["gender"] == "F" and stored["10"]["vip"] and stored["10"]["age"] == 34
    assert (stored["13"]["first_name"], stored["13"]["last_name"]) == ("Mary Ann", "Lee")
    assert stored["1"]["first_name"] == "Renamed" and stored["1"]["tag"] == "T1"
    assert set(stored) == {"1", "2", "3", "10", "13"}
    again = await api(web, "POST", "/api/v1/participants/upsert", key, json=body)
    assert (await again.get_json())["inserted"] == 0  # the same request: nothing new
    assert set(await stored_bibs(web)) == set(stored)


async def test_create_is_409_on_a_taken_bib_and_replays_with_its_key(web) -> None:
    key, _, _ = await world(web)
    body = {"event": EVENT, "bib": "20", "first_name": "Lu", "wave": "2"}
    headers = {"Idempotency-Key": "create-20"}
    first = await api(web, "POST", "/api/v1/participants", key, json=body, headers=headers)
    assert first.status_code == 201
    created = await first.get_json()
    assert first.headers["Location"] == f"/api/v1/participants/{created['id']}"
    again = await api(web, "POST", "/api/v1/participants", key, json=body, headers=headers)
    assert again.status_code == 201 and await again.get_json() == created
    assert again.headers["Idempotent-Replayed"] == "true"
    taken = await api(web, "POST", "/api/v1/participants", key, json=body)
    assert taken.status_code == 409 and "PATCH" in (await problem(taken))["detail"]
    other = await api(
        web, "POST", "/api/v1/participants", key, json={**body, "bib": "21"}, headers=headers
    )
    assert other.status_code == 422
    assert "different request" in (await problem(other))["detail"]
    clash = await api(
        web, "POST", "/api/v1/participants", key, json={"event": EVENT, "bib": "22", "tag": "1"}
    )
    assert clash.status_code == 409 and "Tag 1" in (await problem(clash))["detail"]
    assert set(await stored_bibs(web)) == {"1", "2", "3", "20"}


async def test_concurrent_retries_of_one_create_write_once(web) -> None:
    key, _, _ = await world(web)
    body = {"event": EVENT, "bib": "30"}
    answers: list[int] = []

    async def post() -> None:
        response = await api(
            web, "POST", "/api/v1/participants", key, json=body, headers={"Idempotency-Key": "x30"}
        )
        answers.append(response.status_code)

    async with trio.open_nursery() as nursery:
        for _ in range(3):
            nursery.start_soon(post)
    assert answers == [201, 201, 201]
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM api_idempotency") == 1


async def test_patch_changes_only_what_it_names(web) -> None:
    key, ids, _ = await world(web)
    url = f"/api/v1/participants/{ids['participant_id']}"
    changed = await api(web, "PATCH", url, key, json={"city": "Porto", "vip": True})
    assert changed.status_code == 200
    person = await changed.get_json()
    assert (person["city"], person["vip"], person["first_name"]) == ("Porto", True, "First1")
    again = await (await api(web, "PATCH", url, key, json={"city": "Porto"})).get_json()
    assert {**again, "updated_at": None} == {**person, "updated_at": None}
    taken = await api(web, "PATCH", url, key, json={"bib": "2"})
    assert taken.status_code == 409 and "bib 2" in (await problem(taken))["detail"]


async def test_rotating_a_display_is_idempotent_and_stops_the_old_link(web) -> None:
    key, ids, _ = await world(web)
    url = f"/api/v1/displays/{ids['display_id']}/rotate"
    missing = await api(web, "POST", url, key)
    assert missing.status_code == 400 and "Idempotency-Key" in (await problem(missing))["detail"]
    first = await api(web, "POST", url, key, headers={"Idempotency-Key": "r1"})
    rotated = await first.get_json()
    assert rotated["url"].endswith(f"/d/{rotated['token']}") and len(rotated["token"]) == 32
    retry = await api(web, "POST", url, key, headers={"Idempotency-Key": "r1"})
    assert await retry.get_json() == rotated  # the same link again, not a third one
    async with web.pool.acquire() as conn:
        stored = bytes(
            await conn.fetchval("SELECT token_hash FROM displays WHERE id = $1", ids["display_id"])
        )
        remembered = await conn.fetchval("SELECT body FROM api_idempotency")
    assert stored == token_hash(rotated["token"]) and rotated["token"] not in remembered
    page = await web.app.test_client().get(f"/d/{rotated['token']}")
    assert page.status_code == 200
    second = await (await api(web, "POST", url, key, headers={"Idempotency-Key": "r2"})).get_json()
    assert second["token"] != rotated["token"]
    assert (await web.app.test_client().get(f"/d/{rotated['token']}")).status_code == 404
    stale = await api(web, "POST", url, key, headers={"Idempotency-Key": "r1"})
    assert stale.status_code == 409 and "rotated again" in (await problem(stale))["detail"]
    other_key = await make_key(web.pool, (await world_partner(web)), name="second key")
    replay_elsewhere = await api(web, "POST", url, other_key, headers={"Idempotency-Key": "r2"})
    assert (await replay_elsewhere.get_json())["token"] != second["token"]  # keys are per key


async def world_partner(web: Any) -> int:
    async with web.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT id FROM partners WHERE slug = 'alpha'"))
