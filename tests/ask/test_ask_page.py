"""The Ask page through the web app: a question in, the table, chart, SQL and CSV link out;
suggestions and the history; who may ask; what the page says when Ask is off."""

from __future__ import annotations

import csv
import io

from p88.web.services import services_of
from tests.web.support import (
    add_user,
    csrf_token_of,
    post_form,
    signed_in_client,
    web_app,
)

QUESTION = "How many finishers per course at the Shamrock Marathon 2025?"


async def viewer_client(web):
    viewer = await add_user(web.pool, "big-river", "viewer")
    return await signed_in_client(web.app, viewer)


async def test_a_viewer_asks_and_gets_table_chart_sql_and_csv(demo_dsn, tmp_path):
    async with web_app(demo_dsn, tmp_path) as web:
        client = await viewer_client(web)
        response = await post_form(client, "/ask", {"question": QUESTION})
        page = await response.get_data(as_text=True)
        assert response.status_code == 200
        assert 'id="answer-table"' in page and "<td>Half Marathon</td>" in page
        assert 'id="answer-chart" data-kind="bar"' in page
        assert "GROUP BY course" in page and 'id="answer-sql"' in page
        assert "Shamrock Marathon 2025" in page  # what it understood
        [(question_id,)] = await web.pool.fetch("SELECT id FROM ask_questions")
        assert f'href="/ask/{question_id}.csv"' in page
        download = await client.get(f"/ask/{question_id}.csv")
        assert download.status_code == 200
        assert download.headers["Content-Type"].startswith("text/csv")
        assert "attachment" in download.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(await download.get_data(as_text=True))))
        assert rows[0] == ["course", "runners"] and len(rows) == 4
        again = await (await client.get(f"/ask/{question_id}")).get_data(as_text=True)
        assert "<td>Half Marathon</td>" in again
        history = await (await client.get("/ask")).get_data(as_text=True)
        assert f'<a href="/ask/{question_id}">{QUESTION}</a>' in history


async def test_a_question_it_does_not_understand_gets_the_nearest_ones(demo_dsn, tmp_path):
    async with web_app(demo_dsn, tmp_path) as web:
        client = await viewer_client(web)
        response = await post_form(client, "/ask", {"question": "How many runners wore hats?"})
        page = await response.get_data(as_text=True)
        assert 'id="answer-message"' in page and "wore hats" in page
        assert 'id="answer-table"' not in page
        assert page.count('name="question" value="How many runners') >= 1  # the nearest ones


async def test_asking_needs_a_sign_in_and_the_csrf_token(demo_dsn, tmp_path):
    async with web_app(demo_dsn, tmp_path) as web:
        anonymous = web.app.test_client()
        response = await anonymous.get("/ask")
        assert response.status_code in (302, 303)
        client = await viewer_client(web)
        forged = await client.post("/ask", form={"question": QUESTION})
        assert forged.status_code == 400  # p88.web.auth.csrf: a missing token is refused
        token = await csrf_token_of(client)
        fine = await client.post("/ask", form={"question": QUESTION, "csrf_token": token})
        assert fine.status_code == 200
        assert await web.pool.fetchval("SELECT count(*) FROM ask_questions") == 1


async def test_an_unknown_question_id_is_404(demo_dsn, tmp_path):
    async with web_app(demo_dsn, tmp_path) as web:
        client = await viewer_client(web)
        assert (await client.get("/ask/999")).status_code == 404
        assert (await client.get("/ask/999.csv")).status_code == 404


async def test_the_page_says_when_ask_is_off(demo_dsn, tmp_path):
    async with web_app(demo_dsn, tmp_path) as web:
        ask = services_of(web.app).ask
        ask._ask_pool, ask.unavailable = None, "its database role cannot be used (test)"
        client = await viewer_client(web)
        response = await client.get("/ask")
        assert response.status_code == 503
        page = await response.get_data(as_text=True)
        assert "Ask is off on this server: its database role cannot be used (test)" in page
        posted = await post_form(client, "/ask", {"question": QUESTION})
        assert posted.status_code == 503


async def test_with_a_model_down_the_page_says_so_and_shows_the_builtin_answer(demo_dsn, tmp_path):
    from tests.ask.fake_llm import closed_port_url

    model = {"backend": "ollama", "url": await closed_port_url(), "model": "m", "timeout": 2}
    async with web_app(demo_dsn, tmp_path, ask=model) as web:
        client = await viewer_client(web)
        page = await (await client.get("/ask")).get_data(as_text=True)
        assert '<option value="llm">Language model (ollama)</option>' in page
        response = await post_form(client, "/ask", {"question": QUESTION, "engine": "llm"})
        page = await response.get_data(as_text=True)
        assert 'id="answer-notice"' in page and "it cannot be reached" in page
        assert "<td>Half Marathon</td>" in page
        assert '<option value="llm" selected>' in page
