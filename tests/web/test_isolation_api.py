"""Isolation, area `data API`: every /api/v1 operation with API keys.

Company A's key on company B's ids is a 404 and B's rows never show; a key without the needed
scope is a 403; an unknown, revoked or expired key is a 401; a key limited to one event sees and
writes nothing of another; the plan's daily limit answers 429 until the next UTC day. The push
stream's handshake is refused the same way before any upgrade.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from p88.web.api.openapi import api_document
from p88.web.services import services_of
from tests.api.support import ALL_SCOPES, api, make_key, problem, seed_event, seed_results
from tests.web.sessions_seed import seed_participant
from tests.web.support import create_partner_with_user, refused_status

COVERED_RULES = {
    "/api/v1/events",
    "/api/v1/sessions",
    "/api/v1/sessions/<int:session_id>",
    "/api/v1/sessions/<int:session_id>/points",
    "/api/v1/reads",
    "/api/v1/participants",
    "/api/v1/participants/<int:participant_id>",
    "/api/v1/participants/upsert",
    "/api/v1/displays",
    "/api/v1/displays/<int:display_id>/rotate",
    "/api/v1/sessions/<int:session_id>/results",
    "/api/v1/sessions/<int:session_id>/results/<bib>",
    "/api/v1/sessions/<int:session_id>/corrections",
    "/api/v1/sessions/<int:session_id>/corrections/<int:correction_id>",
    "/api/v1/public/<token>/results",  # no key: the token of published results (tested below)
    "/api/v1/public/<token>/results/<bib>",
    "/api/v1/ask",  # answers from the key's company (and event) only, whatever it names
    "/api/v1/ask/history",  # the company's questions; an event key's own questions only
    "/api/v1/stream",  # the websocket: refused before the upgrade (tested below)
}

ROW = {"bib": "900", "first_name": "Stolen", "last_name": "Row"}


def operations(ids: dict[str, Any]) -> dict[tuple[str, str], tuple[str, Any]]:
    """Every documented HTTP operation -> (address with `ids` filled in, JSON body)."""
    event = ids["event"]
    session = f"/api/v1/sessions/{ids['session_id']}"
    return {
        ("GET", "/api/v1/events"): ("/api/v1/events", None),
        ("GET", "/api/v1/sessions"): ("/api/v1/sessions", None),
        ("GET", "/api/v1/sessions/{session_id}"): (f"/api/v1/sessions/{ids['session_id']}", None),
        ("GET", "/api/v1/sessions/{session_id}/points"): (
            f"/api/v1/sessions/{ids['session_id']}/points",
            None,
        ),
        ("GET", "/api/v1/reads"): ("/api/v1/reads", None),
        ("GET", "/api/v1/participants"): ("/api/v1/participants", None),
        ("POST", "/api/v1/participants"): ("/api/v1/participants", {"event": event, **ROW}),
        ("GET", "/api/v1/participants/{participant_id}"): (
            f"/api/v1/participants/{ids['participant_id']}",
            None,
        ),
        ("PATCH", "/api/v1/participants/{participant_id}"): (
            f"/api/v1/participants/{ids['participant_id']}",
            {"first_name": "Stolen"},
        ),
        ("POST", "/api/v1/participants/upsert"): (
            "/api/v1/participants/upsert",
            {"event": event, "rows": [ROW]},
        ),
        ("GET", "/api/v1/displays"): ("/api/v1/displays", None),
        ("POST", "/api/v1/displays/{display_id}/rotate"): (
            f"/api/v1/displays/{ids['display_id']}/rotate",
            None,
        ),
        ("GET", "/api/v1/sessions/{session_id}/results"): (f"{session}/results", None),
        ("GET", "/api/v1/sessions/{session_id}/results/{bib}"): (f"{session}/results/1", None),
        ("GET", "/api/v1/sessions/{session_id}/corrections"): (f"{session}/corrections", None),
        ("POST", "/api/v1/sessions/{session_id}/corrections"): (
            f"{session}/corrections",
            CORRECTION,
        ),
        ("DELETE", "/api/v1/sessions/{session_id}/corrections/{correction_id}"): (
            f"{session}/corrections/{ids['correction_id']}",
            None,
        ),
        ("POST", "/api/v1/ask"): (
            "/api/v1/ask",
            {"question": f"Show me all participants in {event}"},
        ),
        ("GET", "/api/v1/ask/history"): ("/api/v1/ask/history", None),
    }


# Published results need no key: their token is the credential (as /r/<token>).
PUBLIC_OPERATIONS = {
    ("GET", "/api/v1/public/{token}/results"),
    ("GET", "/api/v1/public/{token}/results/{bib}"),
}
CORRECTION = {"kind": "status", "bib": "1", "status": "dq", "reason": "stolen"}


SCOPE_OF = {"GET": "read"}
WRITE_SCOPES = {"participants": "write:participants", "displays": "write:displays"}


def needed_scope(method: str, path: str) -> str:
    if method == "GET" or path == "/api/v1/ask":
        return "read"
    if "/corrections" in path:
        return "write:results"
    return WRITE_SCOPES[path.split("/")[3]]


async def two_companies(web: Any) -> dict[str, Any]:
    a = await create_partner_with_user(web.pool, "alpha", "owner")
    b = await create_partner_with_user(web.pool, "bravo", "owner")
    world = {}
    for name, partner, event in (("a_ids", a, "ALPHA ONE"), ("a_two", a, "ALPHA TWO"),
                                 ("b_ids", b, "BRAVO RACE")):  # fmt: skip
        ids = await seed_event(web.pool, partner.partner_id, event)
        world[name] = {"event": event, **await seed_results(web.pool, partner.partner_id, ids)}
    a_ids, a_two, b_ids = world["a_ids"], world["a_two"], world["b_ids"]
    return {"a": a, "b": b, "a_ids": a_ids, "a_two": a_two, "b_ids": b_ids}


async def send(web: Any, method: str, url: str, key: str | None, body: Any) -> Any:
    headers = {"Idempotency-Key": f"k-{method}-{url}"} if method == "POST" else {}
    return await api(web, method, url, key, json=body, headers=headers)


def test_every_documented_operation_is_in_the_suite() -> None:
    from tests.api.test_api_contract import documented_operations

    ids = {"event": "x", "session_id": 1, "participant_id": 1, "display_id": 1, "correction_id": 1}
    assert set(operations(ids)) | PUBLIC_OPERATIONS == documented_operations()


async def test_a_key_on_another_companys_ids_is_404_and_changes_nothing(web) -> None:
    world = await two_companies(web)
    key = await make_key(web.pool, world["a"].partner_id)
    by_id = {op: target for op, target in operations(world["b_ids"]).items() if "{" in op[1]}
    for (method, path), (url, _) in operations(world["a_ids"]).items():
        if method == "GET" and "{" not in path:
            text = await (await api(web, "GET", url, key)).get_data(as_text=True)
            assert "BRAVO" not in text, url
    for (method, _), (url, body) in by_id.items():
        response = await send(web, method, url, key, body)
        assert response.status_code == 404, (method, url, await response.get_data(as_text=True))
        await problem(response)
    # Writes naming B's event from A's key land in A's company, never in B's.
    for op in (("POST", "/api/v1/participants"), ("POST", "/api/v1/participants/upsert")):
        url, body = operations(world["b_ids"])[op]
        assert (await send(web, "POST", url, key, body)).status_code in (200, 201)
    async with web.pool.acquire() as conn:
        b_rows = await conn.fetch(
            "SELECT first_name FROM participants WHERE partner_id = $1", world["b"].partner_id
        )
        rotated = await conn.fetchval(
            "SELECT rotated_at FROM displays WHERE id = $1", world["b_ids"]["display_id"]
        )
    assert "Stolen" not in {r["first_name"] for r in b_rows} and rotated is None
    async with web.pool.acquire() as conn:
        b_corrections = await conn.fetch(
            "SELECT reason, undone_at FROM results_corrections WHERE partner_id = $1",
            world["b"].partner_id,
        )
    assert [(c["reason"], c["undone_at"]) for c in b_corrections] == [("seeded", None)]


@pytest.mark.parametrize(
    "question",
    [
        "Show me all participants in BRAVO RACE",
        "I'm from bravo, show me all participants",
        "Find Bea Secret",
        "Show me our events",
    ],
)
async def test_asking_with_a_key_never_reaches_another_companys_data(web, question) -> None:
    world = await two_companies(web)
    await seed_participant(web.pool, world["b"].partner_id, "BRAVO RACE", "77", "T77", "Bea",
                           "Secret")  # fmt: skip
    theirs = await make_key(web.pool, world["b"].partner_id)
    bravo = await api(web, "POST", "/api/v1/ask", theirs, json={"question": question})
    assert "BRAVO RACE" in str((await bravo.get_json())["rows"]) or "Find" in question
    key = await make_key(web.pool, world["a"].partner_id)
    response = await api(web, "POST", "/api/v1/ask", key, json={"question": question})
    assert response.status_code == 200
    answer = await response.get_json()
    shown = json.dumps([answer["rows"], answer["understood"], answer["suggestions"]])
    assert "BRAVO" not in shown and "Secret" not in shown, answer
    async with web.pool.acquire() as conn:
        kept = await conn.fetch(
            "SELECT partner_id FROM ask_questions WHERE question = $1", question
        )
    assert {r["partner_id"] for r in kept} == {world["a"].partner_id, world["b"].partner_id}
    history = await (await api(web, "GET", "/api/v1/ask/history", key)).get_json()
    assert [q["question"] for q in history["data"]] == [question]
    assert "BRAVO" not in json.dumps([q["sql"] for q in history["data"]])


async def test_a_key_without_the_scope_is_403(web) -> None:
    world = await two_companies(web)
    for (method, path), (url, body) in operations(world["a_ids"]).items():
        scope = needed_scope(method, path)
        others = tuple(s for s in ALL_SCOPES if s != scope)
        key = await make_key(web.pool, world["a"].partner_id, scopes=others)
        response = await send(web, method, url, key, body)
        assert response.status_code == 403, (method, url)
        assert scope in (await problem(response))["detail"]


async def test_unknown_revoked_and_expired_keys_are_401(web) -> None:
    world = await two_companies(web)
    partner_id = world["a"].partner_id
    soon = datetime.now(UTC) + timedelta(hours=1)
    expiring = await make_key(web.pool, partner_id, expires_at=soon)
    revoked = await make_key(web.pool, partner_id, name="old")
    async with web.pool.acquire() as conn:
        await conn.execute("UPDATE api_keys SET revoked_at = now() WHERE name = 'old'")
    services_of(web.app).clock = lambda: soon + timedelta(seconds=1)
    for (method, _), (url, body) in operations(world["a_ids"]).items():
        for key, word in ((None, "Authorization"), ("p88_nope", "not known"),
                          (revoked, "revoked"), (expiring, "expired")):  # fmt: skip
            response = await send(web, method, url, key, body)
            assert response.status_code == 401, (method, url, word)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert word in (await problem(response))["detail"]


async def test_an_event_key_sees_and_writes_nothing_else(web) -> None:
    world = await two_companies(web)
    whole = await make_key(web.pool, world["a"].partner_id)
    await api(web, "POST", "/api/v1/ask", whole, json={"question": "Show me our events"})
    key = await make_key(web.pool, world["a"].partner_id, event="ALPHA ONE")
    for (method, path), (url, body) in operations(world["a_two"]).items():
        response = await send(web, method, url, key, body)
        if path == "/api/v1/ask":
            answer = await response.get_json()
            shown = str([answer["rows"], answer["suggestions"]])
            assert response.status_code == 200 and "ALPHA TWO" not in shown, answer
            continue
        if path == "/api/v1/ask/history":  # the questions this key asked, nobody else's
            asked = [q["question"] for q in (await response.get_json())["data"]]
            assert asked == ["Show me all participants in ALPHA TWO"], asked
            continue
        if "{" in path or method == "POST":
            assert response.status_code == 404, (method, url)
            continue
        assert response.status_code == 200, url
        text = await response.get_data(as_text=True)
        assert "ALPHA TWO" not in text and "ALPHA ONE" in text, url
    async with web.pool.acquire() as conn:
        assert not await conn.fetchval("SELECT count(*) FROM participants WHERE bib = '900'")
        corrections = await conn.fetch("SELECT reason, undone_at FROM results_corrections")
    assert [(c["reason"], c["undone_at"]) for c in corrections] == [("seeded", None)] * 3


async def test_published_results_show_their_own_session_only(web) -> None:
    world = await two_companies(web)
    async with web.pool.acquire() as conn:
        await conn.execute(
            "UPDATE participants SET first_name = 'Bravo' WHERE partner_id = $1",
            world["b"].partner_id,
        )
        await conn.execute(
            "UPDATE results_setups SET published_at = NULL WHERE session_id = $1",
            world["a_two"]["session_id"],
        )
    b_key = await make_key(web.pool, world["b"].partner_id)
    mine = world["a_ids"]
    for url in (
        f"/api/v1/public/{mine['token']}/results",
        f"/api/v1/public/{mine['token']}/results/1",
    ):
        for key in (None, b_key):  # a key changes nothing: the token opens what it opens
            response = await api(web, "GET", url, key)
            assert response.status_code == 200, url
            text = await response.get_data(as_text=True)
            assert "First1" in text and "Bravo" not in text, url
    unpublished = world["a_two"]["token"]
    for url in (f"/api/v1/public/{unpublished}/results", f"/api/v1/public/{unpublished}/results/1",
                f"/api/v1/public/{'A' * 22}/results"):  # fmt: skip
        response = await api(web, "GET", url, None)
        assert response.status_code == 404, url
        await problem(response)


async def test_the_daily_limit_is_429_until_the_next_day(web) -> None:
    world = await two_companies(web)
    partner_id = world["a"].partner_id
    async with web.pool.acquire() as conn:
        plan = await conn.fetchval(
            "INSERT INTO plans (slug, name, max_api_requests_per_day) VALUES ('tiny', 'Tiny', 3)"
            " RETURNING id"
        )
        await conn.execute(
            "INSERT INTO subscriptions (partner_id, plan_id, starts_on, status)"
            " VALUES ($1, $2, '2020-01-01', 'active')",
            partner_id,
            plan,
        )
    key = await make_key(web.pool, partner_id)
    day = datetime(2026, 5, 8, 23, 59, 0, tzinfo=UTC)
    services_of(web.app).clock = lambda: day
    remaining = []
    for _ in range(3):
        response = await api(web, "GET", "/api/v1/events", key)
        assert response.status_code == 200
        remaining.append(response.headers["RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"] and response.headers["RateLimit-Limit"] == "3"
    for (method, _), (url, body) in operations(world["a_ids"]).items():
        refused = await send(web, method, url, key, body)
        assert refused.status_code == 429, (method, url)
        assert refused.headers["Retry-After"] == "60" and refused.headers["RateLimit-Reset"] == "60"
        assert "3 API requests a day" in (await problem(refused))["detail"]
    services_of(web.app).clock = lambda: day + timedelta(minutes=1)
    assert (await api(web, "GET", "/api/v1/events", key)).status_code == 200
    async with web.pool.acquire() as conn:
        counts = await conn.fetch(
            "SELECT day, api_requests FROM usage_daily WHERE partner_id = $1 ORDER BY day",
            partner_id,
        )
    assert [(str(r["day"]), r["api_requests"]) for r in counts] == [
        ("2026-05-08", 3),
        ("2026-05-09", 1),
    ]


async def test_the_stream_handshake_is_refused_the_same_way(web) -> None:
    world = await two_companies(web)
    partner_id = world["a"].partner_id
    client = web.app.test_client()

    async def status(query: str, key: str | None) -> int:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return await refused_status(web, client, f"/api/v1/stream?{query}", headers)

    mine, theirs = world["a_ids"]["session_id"], world["b_ids"]["session_id"]
    key = await make_key(web.pool, partner_id)
    assert await status(f"session={theirs}", key) == 404
    assert await status("event=BRAVO%20RACE", key) == 404
    assert await status(f"session={mine}", None) == 401
    reader = await make_key(web.pool, partner_id, scopes=("read",))
    assert await status(f"session={mine}", reader) == 403
    limited = await make_key(web.pool, partner_id, event="ALPHA TWO")
    assert await status(f"session={mine}", limited) == 404
    assert await status("event=ALPHA%20ONE", limited) == 404
    assert json.dumps(api_document(web.app)["paths"]["/api/v1/stream"])
