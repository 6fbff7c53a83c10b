"""Corrections through the data API: a manual time and a status, taken by the results at once
(and by whoever listens to them: screens, public pages), audited as the corrections page does
with the API key as who, done once per Idempotency-Key, listed, undone; bad ones refused.

The race (tests/web/public_results_seed.py): bib 4 is on the course, bib 3 finished third.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import trio

from tests.api.support import api, make_key, problem
from tests.web.public_results_seed import seed_race
from tests.web.support import create_partner_with_user, signed_in_client

WRITER = ("read", "write:results")


async def world(web: Any) -> tuple[Any, Any, str]:
    owner = await create_partner_with_user(web.pool, "alpha", "owner")
    race = await seed_race(web.pool, owner.partner_id)
    key = await make_key(web.pool, owner.partner_id, scopes=WRITER, name="timing desk")
    return owner, race, key


async def runner(web: Any, race: Any, key: str, bib: str) -> dict[str, Any]:
    url = f"/api/v1/sessions/{race.session_id}/results/{bib}"
    found: dict[str, Any] = await (await api(web, "GET", url, key)).get_json()
    return found


async def places(web: Any, race: Any, key: str) -> dict[str, int]:
    url = f"/api/v1/sessions/{race.session_id}/results"
    rows = (await (await api(web, "GET", url, key)).get_json())["data"]
    return {row["bib"]: row["place_overall"] for row in rows if row["place_overall"]}


async def test_a_manual_finish_is_taken_at_once_and_audited_as_the_key(web) -> None:
    owner, race, key = await world(web)
    results = await web.results.get(race.partner_id, race.session_id)
    listener = web.results.listen(results)
    finish = (race.gun + timedelta(minutes=20)).strftime("%H:%M:%S") + ".00"
    url = f"/api/v1/sessions/{race.session_id}/corrections"
    body = {"kind": "manual_time", "bib": "4", "point": "FINISH", "time": finish}
    response = await api(web, "POST", url, key, json=body)
    assert response.status_code == 201, await response.get_data(as_text=True)
    made = await response.get_json()
    assert made["created_by"] == "API key timing desk" and made["kind"] == "manual_time"
    assert made["before"] == "FINISH no time" and "(manual)" in made["after"]
    with trio.fail_after(5):
        changed, _, _ = await listener.wait()  # screens and public pages follow the engine
    assert "4" in changed
    now = await runner(web, race, key, "4")
    assert now["status"] == "finished" and now["finish_time"] == finish
    listed = await api(web, "GET", f"/api/v1/sessions/{race.session_id}/results?bib=eq.4", key)
    assert (await listed.get_json())["data"][0]["status"] == "finished"
    async with web.pool.acquire() as conn:
        audit = await conn.fetchrow("SELECT actor_email, action, detail FROM audit_log")
    assert audit["actor_email"] == "API key timing desk"
    assert audit["action"] == "results correction"
    assert f"#{made['id']} Manual time 4: FINISH no time → FINISH" in audit["detail"]
    client = await signed_in_client(web.app, owner)
    page = await client.get(f"/sessions/{race.session_id}/results/corrections")
    assert "API key timing desk" in await page.get_data(as_text=True)


async def test_a_status_needs_a_reason_and_an_undo_brings_the_result_back(web) -> None:
    _, race, key = await world(web)
    url = f"/api/v1/sessions/{race.session_id}/corrections"
    no_reason = await api(
        web, "POST", url, key, json={"kind": "status", "bib": "3", "status": "dq"}
    )
    assert no_reason.status_code == 422 and "reason" in (await problem(no_reason))["detail"]
    assert await places(web, race, key) == {"2": 1, "1": 2, "3": 3, "6": 4}
    body = {"kind": "status", "bib": "3", "status": "dq", "reason": "cut the course"}
    made = await (await api(web, "POST", url, key, json=body)).get_json()
    assert made["after"] == "DQ" and made["reason"] == "cut the course"
    assert (await runner(web, race, key, "3"))["status"] == "dq"
    assert await places(web, race, key) == {"2": 1, "1": 2, "6": 3}  # the list follows at once
    listed = await (await api(web, "GET", url, key)).get_json()
    assert [c["id"] for c in listed["data"]] == [made["id"]]
    undo = await api(web, "DELETE", f"{url}/{made['id']}", key)
    assert undo.status_code == 200
    undone = await undo.get_json()
    assert undone["undone_by"] == "API key timing desk" and undone["undone_at"]
    again = await runner(web, race, key, "3")
    assert again["status"] == "finished" and again["place_overall"] == 3
    assert await places(web, race, key) == {"2": 1, "1": 2, "3": 3, "6": 4}
    twice = await api(web, "DELETE", f"{url}/{made['id']}", key)
    assert twice.status_code == 200 and (await twice.get_json())["undone_at"] == undone["undone_at"]
    async with web.pool.acquire() as conn:
        actions = await conn.fetch("SELECT action FROM audit_log ORDER BY id")
    assert [a["action"] for a in actions] == ["results correction", "results correction undone"]


async def test_an_idempotency_key_makes_one_correction(web) -> None:
    _, race, key = await world(web)
    url = f"/api/v1/sessions/{race.session_id}/corrections"
    body = {"kind": "status", "bib": "1", "status": "dnf", "reason": "stopped at HALF"}
    headers = {"Idempotency-Key": "retry-1"}
    first = await api(web, "POST", url, key, json=body, headers=headers)
    retry = await api(web, "POST", url, key, json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert await retry.get_json() == await first.get_json()
    other = await api(web, "POST", url, key, json={**body, "bib": "2"}, headers=headers)
    assert other.status_code == 422 and "Idempotency-Key" in (await problem(other))["detail"]
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM results_corrections") == 1
        assert await conn.fetchval("SELECT count(*) FROM audit_log") == 1


async def test_corrections_that_could_do_nothing_are_refused(web) -> None:
    _, race, key = await world(web)
    url = f"/api/v1/sessions/{race.session_id}/corrections"
    manual: dict[str, object] = {"kind": "manual_time", "bib": "4", "point": "FINISH"}
    manual["time"] = "08:00:00"
    cases: list[tuple[dict[str, object], str]] = [
        ({**manual, "bib": "999"}, "not in this event"),
        ({**manual, "point": "MOON"}, "not a point of course 5K"),
        ({**manual, "time": "25:99"}, "not a time of day"),
        ({**manual, "time": None}, "not a time of day"),
        ({"kind": "status", "bib": "4", "status": "dnf", "reason": " "}, "reason"),
    ]
    for body, says in cases:
        response = await api(web, "POST", url, key, json=body)
        assert response.status_code == 422, body
        assert says in (await problem(response))["detail"], body
    shapes: list[tuple[dict[str, object], str]] = [
        ({**manual, "kind": "teleport"}, "/kind"),
        ({**manual, "bib": 4}, "/bib"),
        ({**manual, "status": "late"}, "/status"),
        ({**manual, "reason": "x" * 501}, "/reason"),
        ({**manual, "colour": "red"}, "/colour"),
        ({"kind": "status"}, "/bib"),
    ]
    for body, pointer in shapes:
        response = await api(web, "POST", url, key, json=body)
        assert response.status_code == 422, body
        assert pointer in [e["pointer"] for e in (await problem(response))["errors"]], body
    missing = await api(web, "DELETE", f"{url}/999999", key)
    assert missing.status_code == 404
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM results_corrections") == 0


async def test_a_next_page_continues_after_its_place_when_rows_move(web) -> None:
    _, race, key = await world(web)
    results = f"/api/v1/sessions/{race.session_id}/results"
    first = await (await api(web, "GET", f"{results}?limit=2", key)).get_json()
    assert [row["bib"] for row in first["data"]] == ["2", "1"]
    body = {"kind": "status", "bib": "1", "status": "dq", "reason": "no bib shown"}
    url = f"/api/v1/sessions/{race.session_id}/corrections"
    assert (await api(web, "POST", url, key, json=body)).status_code == 201
    rest: list[str] = []
    link = first["next"]
    while link:
        page = await (await api(web, "GET", link, key)).get_json()
        rest += [row["bib"] for row in page["data"]]
        link = page["next"]
    # After second place: 3 (now second), 6, the runner on course, the DQ, the DNS.
    assert rest == ["3", "6", "4", "1", "5"]
