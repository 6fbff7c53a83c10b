"""`POST /api/v1/ask` over the demo race set (tests/ask/demo_races.py) with the real Ask
service: answers as the Ask page gives them, for the key's company (and the key's event), as
JSON or CSV, kept in the history and audit log with the key as the asker; bad input is a 4xx
problem; a language model that is down leaves the answer to the built-in engine, and says so."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest

from p88.ask.service import Asker
from p88.web.services import services_of
from tests.api.support import api, make_key, problem
from tests.ask.fake_llm import closed_port_url
from tests.ask.questionset import load
from tests.web.support import WebHarness, web_app

FINISHED_2025 = "How many runners finished the Shamrock Marathon 2025?"
NOT_GRAMMAR = "How many runners wore green shirts?"


def gold(question: str) -> list[list[Any]]:
    """The hand-written answer of a question of tests/ask/questions.yaml."""
    found = [q for q in load().questions if q.ask == question]
    assert found and found[0].answer is not None, question
    return [list(row) for row in found[0].answer]


async def partner_ids(web: WebHarness) -> dict[str, int]:
    rows = await web.pool.fetch("SELECT slug, id FROM partners")
    return {r["slug"]: r["id"] for r in rows}


@pytest.fixture
async def demo_web(demo_dsn: str, tmp_path: Any) -> AsyncIterator[WebHarness]:
    async with web_app(demo_dsn, tmp_path) as harness:
        yield harness


async def ask(web: WebHarness, key: str, body: Any, query: str = "", **kwargs: Any) -> Any:
    return await api(web, "POST", f"/api/v1/ask{query}", key, json=body, **kwargs)


async def test_a_question_is_answered_for_the_keys_company_and_kept(demo_web) -> None:
    web = demo_web
    partners = await partner_ids(web)
    key = await make_key(web.pool, partners["big-river"], scopes=("read",), name="results site")
    response = await ask(web, key, {"question": FINISHED_2025, "engine": "builtin"})
    assert response.status_code == 200, await response.get_data(as_text=True)
    answer = await response.get_json()
    assert answer["outcome"] == "answered" and answer["engine"] == "builtin"
    assert answer["rows"] == gold(FINISHED_2025) and answer["row_count"] == 1
    assert answer["columns"][0]["type"] == "int8"
    assert "ask_results" in answer["sql"] and answer["understood"]
    assert any("Shamrock Marathon 2025" in line for line in answer["understood"])
    assert answer["notice"] is None and answer["id"] is not None
    history = await services_of(web.app).ask.history(partners["big-river"])
    assert (history[0].id, history[0].asked_by) == (answer["id"], "API key results site")
    audit = await web.pool.fetchval(
        "SELECT actor_email || ' ' || detail FROM audit_log WHERE action = 'ask' "
        "AND partner_id = $1 ORDER BY id DESC LIMIT 1",
        partners["big-river"],
    )
    assert audit.startswith("API key #") and FINISHED_2025 in audit and "1 rows" in audit


async def test_the_table_as_csv(demo_web) -> None:
    web = demo_web
    key = await make_key(web.pool, (await partner_ids(web))["big-river"], scopes=("read",))
    question = {"question": "Which events did we time in 2025?"}
    as_json = await (await ask(web, key, question)).get_json()
    by_format = await ask(web, key, question, "?format=csv")
    by_accept = await ask(web, key, question, headers={"Accept": "text/csv"})
    for response in (by_format, by_accept):
        assert response.status_code == 200 and response.mimetype == "text/csv"
        header, *rows = list(csv.reader(io.StringIO(await response.get_data(as_text=True))))
        assert header == [c["name"] for c in as_json["columns"]]
        assert rows == [[str(v) for v in row] for row in as_json["rows"]] and len(rows) >= 2
    unanswered = await ask(web, key, {"question": NOT_GRAMMAR}, "?format=csv")
    assert unanswered.status_code == 422
    assert "no table" in (await problem(unanswered))["detail"]
    assert (await ask(web, key, question, "?format=ndjson")).status_code == 400


async def test_a_question_not_understood_gets_suggestions(demo_web) -> None:
    web = demo_web
    key = await make_key(web.pool, (await partner_ids(web))["big-river"], scopes=("read",))
    answer = await (await ask(web, key, {"question": NOT_GRAMMAR})).get_json()
    assert answer["outcome"] == "not_understood" and answer["rows"] == []
    assert answer["message"] and answer["suggestions"]
    assert any("Shamrock" in s or "Big River" in s for s in answer["suggestions"])


async def test_a_key_limited_to_one_event_asks_about_that_event_only(demo_web) -> None:
    web = demo_web
    partners = await partner_ids(web)
    limited = await make_key(web.pool, partners["big-river"], event="Big River 10K 2025")
    whole = await make_key(web.pool, partners["big-river"])
    question = {"question": "Which events did we time in 2025?"}
    everything = await (await ask(web, whole, question)).get_json()
    assert len(everything["rows"]) >= 2  # the Shamrock Marathon and the Big River 10K
    only = await (await ask(web, limited, question)).get_json()
    assert only["outcome"] == "answered"
    assert [row[0] for row in only["rows"]] == ["Big River 10K 2025"]
    other = await (await ask(web, limited, {"question": FINISHED_2025})).get_json()
    assert gold(FINISHED_2025) not in (other["rows"], [])  # no Shamrock count leaks
    assert "Shamrock" not in str(other["rows"])


async def test_bad_questions_are_problems_never_500(demo_web) -> None:
    web = demo_web
    key = await make_key(web.pool, (await partner_ids(web))["big-river"], scopes=("read",))
    cases: list[tuple[Any, int, str]] = [
        ({}, 422, "/question"),
        ({"question": 42}, 422, "/question"),
        ({"question": ["How many?"]}, 422, "/question"),
        ({"question": ""}, 422, "/question"),
        ({"question": "   \n "}, 422, "empty"),
        ({"question": "x" * 1001}, 422, "1000"),
        ({"question": FINISHED_2025, "engine": "gpt"}, 422, "/engine"),
        ({"question": FINISHED_2025, "colour": "red"}, 422, "/colour"),
        ({"question": "runners\x00"}, 400, "NUL"),
        ("How many runners?", 422, "/"),
        (None, 415, "application/json"),
    ]
    for body, status, says in cases:
        response = await ask(web, key, body)
        document = await problem(response)
        assert response.status_code == status, (body, document)
        assert says in document["detail"] + str(document.get("errors")), (body, document)
    huge = b'{"question": "' + b"x" * (9 * 1024 * 1024) + b'"}'
    response = await api(web, "POST", "/api/v1/ask", key, data=huge,
                         headers={"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 413 and (await problem(response))["status"] == 413
    asked = await web.pool.fetchval("SELECT count(*) FROM ask_questions")
    assert asked == 0  # nothing refused reached the history


async def test_a_key_without_read_or_with_ask_off_is_refused(demo_web) -> None:
    web = demo_web
    partner_id = (await partner_ids(web))["big-river"]
    writer = await make_key(web.pool, partner_id, scopes=("write:participants",))
    refused = await ask(web, writer, {"question": FINISHED_2025})
    assert refused.status_code == 403 and "'read'" in (await problem(refused))["detail"]
    reader = await make_key(web.pool, partner_id, scopes=("read",))
    services_of(web.app).ask = None
    off = await ask(web, reader, {"question": FINISHED_2025})
    assert off.status_code == 503 and "Ask is off" in (await problem(off))["detail"]
    history = await api(web, "GET", "/api/v1/ask/history", reader)
    assert history.status_code == 200 and (await history.get_json())["data"] == []


async def test_a_model_that_is_down_leaves_the_answer_to_the_grammar(
    demo_dsn: str, tmp_path: Any
) -> None:
    url = await closed_port_url()
    settings = {"backend": "ollama", "url": url, "model": "llama3.1:8b", "timeout": 5.0}
    async with web_app(demo_dsn, tmp_path, ask=settings) as web:
        key = await make_key(web.pool, (await partner_ids(web))["big-river"], scopes=("read",))
        response = await ask(web, key, {"question": FINISHED_2025, "engine": "llm"})
    answer = await response.get_json()
    assert response.status_code == 200 and answer["outcome"] == "answered"
    assert answer["engine"] == "builtin" and answer["rows"] == gold(FINISHED_2025)
    assert "it cannot be reached" in answer["notice"]
    assert "built-in engine answered instead" in answer["notice"]


async def test_the_history_lists_the_companys_questions_newest_first(demo_web) -> None:
    web = demo_web
    partners = await partner_ids(web)
    ask_service = services_of(web.app).ask
    person = Asker(partners["big-river"], email="timer@big-river.example")
    await ask_service.ask(person, "Show me our active events")
    site = await make_key(web.pool, partners["big-river"], scopes=("read",), name="site")
    await ask(web, site, {"question": FINISHED_2025})
    await ask(web, site, {"question": NOT_GRAMMAR})
    rival = await make_key(web.pool, partners["rival"], scopes=("read",))
    await ask(web, rival, {"question": "Show me our events"})
    response = await api(web, "GET", "/api/v1/ask/history", site)
    assert response.status_code == 200
    data = (await response.get_json())["data"]
    assert [q["question"] for q in data] == [
        NOT_GRAMMAR,
        FINISHED_2025,
        "Show me our active events",
    ]
    assert [q["outcome"] for q in data] == ["not_understood", "answered", "answered"]
    assert data[1]["asked_by"] == "API key site" and data[1]["row_count"] == 1
    assert "ask_results" in data[1]["sql"] and data[1]["understood"] and data[0]["sql"] is None
    one = await (await api(web, "GET", "/api/v1/ask/history?limit=1", site)).get_json()
    assert [q["question"] for q in one["data"]] == [NOT_GRAMMAR]
    for bad in ("0", "101", "abc", "-1", "9" * 30):
        refused = await api(web, "GET", f"/api/v1/ask/history?limit={bad}", site)
        assert refused.status_code == 400 and "limit" in (await problem(refused))["detail"]


async def test_the_api_guide_shows_how_to_ask(demo_web) -> None:
    guide = await (await demo_web.app.test_client().get("/api")).get_data(as_text=True)
    assert 'id="ask"' in guide and "/api/v1/ask" in guide and "format=csv" in guide


async def test_asking_for_the_model_when_there_is_none_says_so(demo_web) -> None:
    web = demo_web
    key = await make_key(web.pool, (await partner_ids(web))["big-river"], scopes=("read",))
    answer = await (await ask(web, key, {"question": FINISHED_2025, "engine": "llm"})).get_json()
    assert answer["engine"] == "builtin" and answer["rows"] == gold(FINISHED_2025)
    assert "No language model is set up" in answer["notice"]
