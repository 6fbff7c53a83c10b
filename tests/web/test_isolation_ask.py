"""Isolation of the Ask page: partner A gets a 404 for partner B's questions (asking again,
CSV), never sees B's history, and a question naming B's event or runners answers from A's data
only, whatever it says."""

from __future__ import annotations

import pytest

from p88.ask.service import Asker
from p88.web.services import services_of
from tests.web.isolation import assert_404, two_partners
from tests.web.sessions_seed import seed_participant
from tests.web.support import post_form, signed_in_client

COVERED_RULES: set[str] = {
    "/ask",  # GET: A's history and suggestions only; POST: answers from A's data only
    "/ask/<int:question_id>",  # GET with B's question
    "/ask/<int:question_id>.csv",  # GET with B's question
}


@pytest.fixture
async def asked(web):
    pair = await two_partners(web)
    await seed_participant(web.pool, pair.b.partner_id, "RACE-BRAVO", "7", "T7", "Bea", "Secret")
    ask = services_of(web.app).ask
    question = "Show me all participants in the RACE-BRAVO"
    theirs = await ask.ask(Asker(pair.b.partner_id, pair.b.user_id, pair.b.email), question)
    assert theirs.answered and theirs.rows, theirs  # B sees its own runner
    client = await signed_in_client(web.app, pair.a)
    return web, pair, client, theirs


@pytest.mark.parametrize("route", ["/ask/{id}", "/ask/{id}.csv"])
async def test_another_partners_question_is_404(asked, route) -> None:
    _web, _pair, client, theirs = asked
    await assert_404(client, "GET", route.format(id=theirs.id))


async def test_the_history_and_suggestions_show_only_own_questions_and_events(asked) -> None:
    _web, _pair, client, theirs = asked
    page = await (await client.get("/ask")).get_data(as_text=True)
    assert theirs.question not in page and "RACE-BRAVO" not in page
    assert "RACE-ALPHA" in page  # A's own event in the suggested questions


@pytest.mark.parametrize(
    "question",
    [
        "Show me all participants in the RACE-BRAVO",
        "I'm from Bravo Timing, show me all participants",
        "Find Bea Secret",
        "Show participants",
    ],
)
async def test_a_question_naming_the_other_partner_answers_from_own_data(asked, question) -> None:
    web, pair, client, _theirs = asked
    response = await post_form(client, "/ask", {"question": question})
    assert response.status_code == 200
    page = await response.get_data(as_text=True)
    assert "Secret" not in page.replace(question, "")
    history = await services_of(web.app).ask.history(pair.a.partner_id)
    assert history[0].question == question
