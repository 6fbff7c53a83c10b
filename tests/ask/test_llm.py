"""The LLM path against fake Ollama and OpenAI-compatible servers speaking the real wire
formats over real sockets: answers, the one retry with the error, and every way a model can
fail (slow, down, HTTP errors, no JSON), each falling back to the built-in engine."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.ask.conftest import asking
from tests.ask.fake_llm import Drop, Hang, Raw, Say, Status, closed_port_url, fake_llm, sql_reply

MODEL = "llama3.1:8b"
NOT_GRAMMAR = "How many runners wore green shirts?"  # the built-in engine does not understand it
UNDERSTOOD = "How many runners finished the Shamrock Marathon 2025?"
WOMEN = "SELECT count(*) AS women FROM ask_results WHERE gender = 'F'"


def settings(backend: str, url: str, timeout: float = 5.0) -> dict[str, Any]:
    return {"backend": backend, "url": url, "model": MODEL, "timeout": timeout}


async def count(demo, slug: str, sql: str) -> int:
    async with demo.pool.acquire() as conn:
        return await conn.fetchval(sql, demo.partners[slug])


@pytest.mark.parametrize("backend", ["ollama", "openai"])
async def test_the_model_answers_what_the_grammar_does_not(demo_dsn, tmp_path, backend):
    async with fake_llm(backend, Say(sql_reply(WOMEN, "counts women"))) as fake:
        async with asking(demo_dsn, tmp_path, **settings(backend, fake.url)) as demo:
            answer = await demo.service.ask(demo.asker(), NOT_GRAMMAR)
            women = await count(
                demo,
                "big-river",
                "SELECT count(*) FROM results_rows WHERE partner_id = $1 AND gender = 'F'",
            )
    assert answer.answered and answer.engine == backend, answer.message
    assert answer.rows == [(women,)] and answer.understood == ["counts women"]
    assert answer.sql == "SELECT count(*) AS women\nFROM ask_results\nWHERE gender = 'F'"
    [request] = fake.requests
    assert request["model"] == MODEL and request["stream"] is False
    system, user = request["messages"]
    assert user == {"role": "user", "content": NOT_GRAMMAR}
    assert "ask_results" in system["content"] and "Shamrock Marathon 2025" in system["content"]
    assert "Boston Marathon" not in system["content"]  # another company's event: never shown
    if backend == "ollama":
        assert fake.paths == ["/api/chat"] and request["format"]["required"] == [
            "sql",
            "explanation",
        ]
    else:
        assert fake.paths == ["/v1/chat/completions"]
        assert request["response_format"] == {"type": "json_object"}
        assert request["temperature"] == 0


async def test_a_url_ending_in_v1_is_the_openai_base_url(demo_dsn, tmp_path):
    async with fake_llm("openai", Say(sql_reply(WOMEN))) as fake:
        async with asking(demo_dsn, tmp_path, **settings("openai", fake.url + "/v1/")) as demo:
            answer = await demo.service.ask(demo.asker(), NOT_GRAMMAR)
    assert answer.answered and fake.paths == ["/v1/chat/completions"]


async def test_the_grammar_answers_first_unless_the_model_is_chosen(demo_dsn, tmp_path):
    async with fake_llm("ollama", Say(sql_reply(WOMEN))) as fake:
        async with asking(demo_dsn, tmp_path, **settings("ollama", fake.url)) as demo:
            builtin = await demo.service.ask(demo.asker(), UNDERSTOOD)
            assert builtin.engine == "builtin" and not fake.requests
            chosen = await demo.service.ask(demo.asker(), UNDERSTOOD, "llm")
    assert chosen.engine == "ollama" and chosen.columns == ("women",)


async def test_one_retry_carries_the_database_error(demo_dsn, tmp_path):
    script = (Say(sql_reply("SELECT shirt_colour FROM ask_results")), Say(sql_reply(WOMEN)))
    async with fake_llm("openai", *script) as fake:
        async with asking(demo_dsn, tmp_path, **settings("openai", fake.url)) as demo:
            answer = await demo.service.ask(demo.asker(), NOT_GRAMMAR)
    assert answer.answered and answer.columns == ("women",)
    first, second = fake.requests
    assert second["messages"][:2] == first["messages"]
    assert second["messages"][2] == {"role": "assistant", "content": script[0].content}
    assert 'column "shirt_colour" does not exist' in second["messages"][3]["content"]


async def test_one_retry_carries_the_guards_refusal_and_then_it_stops(demo_dsn, tmp_path):
    bad = Say(sql_reply("SELECT * FROM participants"))
    async with fake_llm("ollama", bad, bad, bad) as fake:
        async with asking(demo_dsn, tmp_path, **settings("ollama", fake.url)) as demo:
            answer = await demo.service.ask(demo.asker(), NOT_GRAMMAR)
    assert answer.outcome == "refused" and "participants is not one of them" in answer.message
    assert len(fake.requests) == 2  # one retry, no more
    assert "Ask reads only the views" in fake.requests[1]["messages"][3]["content"]


async def test_a_model_that_declines_says_why(demo_dsn, tmp_path):
    reply = Say(sql_reply(None, "Shirt colours are not recorded."))
    async with fake_llm("ollama", reply) as fake:
        async with asking(demo_dsn, tmp_path, **settings("ollama", fake.url)) as demo:
            answer = await demo.service.ask(demo.asker(), NOT_GRAMMAR)
    assert (
        answer.outcome == "not_understood" and answer.message == "Shirt colours are not recorded."
    )
    assert answer.suggestions  # the questions it does understand


FAILURES = [
    pytest.param([Say(sql_reply(WOMEN), delay=3)], "did not answer within 0.5 s", id="slow"),
    pytest.param([Hang()], "did not answer within 0.5 s", id="hangs"),
    pytest.param([Say("Sure! Here is the SQL: SELECT 1")], "did not answer with JSON", id="prose"),
    pytest.param([Say('{"sql": 42}')], '"sql" is not text', id="wrong-json"),
    pytest.param([Say('["SELECT 1"]')], 'has no "sql"', id="json-array"),
    pytest.param([Raw(b"<html>Bad gateway</html>")], "its answer was not JSON", id="html"),
    pytest.param([Raw(b'{"unexpected": true}')], "not in its API's format", id="other-api"),
    pytest.param([Status(500)], "it answered HTTP 500", id="http-500"),
    pytest.param([Status(404, b"model not found")], "it answered HTTP 404", id="http-404"),
    pytest.param([Drop()], "it cannot be reached", id="dropped"),
]


@pytest.mark.parametrize("backend", ["ollama", "openai"])
@pytest.mark.parametrize(("script", "why"), FAILURES)
async def test_a_model_without_a_usable_answer_leaves_it_to_the_grammar(
    demo_dsn, tmp_path, backend, script, why
):
    async with fake_llm(backend, *script) as fake:
        async with asking(demo_dsn, tmp_path, **settings(backend, fake.url, 0.5)) as demo:
            answer = await demo.service.ask(demo.asker(), UNDERSTOOD, "llm")
    assert answer.answered and answer.engine == "builtin"
    assert why in answer.notice and "The built-in engine answered instead" in answer.notice
    assert answer.rows and answer.rows[0][0] > 0


@pytest.mark.parametrize("backend", ["ollama", "openai"])
async def test_a_server_that_is_down_leaves_it_to_the_grammar(demo_dsn, tmp_path, backend):
    url = await closed_port_url()
    async with asking(demo_dsn, tmp_path, **settings(backend, url)) as demo:
        understood = await demo.service.ask(demo.asker(), UNDERSTOOD, "llm")
        not_understood = await demo.service.ask(demo.asker(), NOT_GRAMMAR)
    assert understood.answered and "it cannot be reached" in understood.notice
    assert not_understood.outcome == "not_understood"
    assert "it cannot be reached" in not_understood.notice and not_understood.suggestions


async def test_the_api_key_goes_as_a_bearer_token_and_is_never_in_the_answer(demo_dsn, tmp_path):
    async with fake_llm("openai", Say(sql_reply(WOMEN))) as fake:
        config = {**settings("openai", fake.url), "api_key": "sk-local-secret"}
        async with asking(demo_dsn, tmp_path, **config) as demo:
            answer = await demo.service.ask(demo.asker(), NOT_GRAMMAR)
    assert answer.answered and fake.headers[0]["authorization"] == "Bearer sk-local-secret"
    assert "sk-local-secret" not in json.dumps(answer.to_json())
