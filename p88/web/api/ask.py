"""`POST /api/v1/ask`: a question in plain words, answered as the Ask page answers it
(p88.ask.service), for the key's company; the answer as JSON, or its table as CSV.
`GET /api/v1/ask/history`: the company's latest questions.

The company, and for a key limited to one event that event, come from the key, never from the
question: the ask connection is bound to them (p88.db.ask.bound), so a key limited to an event
asks about that event only. Each question is kept in the company's Ask history and audit log
with the key as the asker.
"""

from __future__ import annotations

import json

from quart import Response, request

from p88.ask.answer import Answer, csv_text
from p88.ask.service import DATABASE_AWAY, Asker, AskService
from p88.db.api_keys import READ
from p88.db.ask_history import AskedQuestion, recent_questions
from p88.web.api.access import api_tenant, caller, needs
from p88.web.api.ask_models import AskAnswer, AskHistory, AskRequest
from p88.web.api.blueprint import api
from p88.web.api.bodies import json_body
from p88.web.api.openapi import documented, takes
from p88.web.api.output import utc_text
from p88.web.api.params import BadParameter, choose_format
from p88.web.api.problems import ApiProblem, bad_parameter
from p88.web.api.requests import accepted_types
from p88.web.services import services

HISTORY_LIMIT = 100
NO_MODEL = (
    "No language model is set up on this p88 install (ask.backend is builtin): the built-in "
    "engine answered."
)


def _service() -> AskService:
    ask = services().ask
    if ask is None or not ask.available:
        reason = (ask.unavailable if ask is not None else "") or "it is not set up"
        raise ApiProblem(
            503,
            "unavailable",
            f"Ask is off on this p88 install: {reason}. The operator of the install can "
            "read why in its log (README, 'Questions in plain words').",
        )
    return ask


def _asker() -> Asker:
    who = caller()
    return Asker(
        who.partner_id,
        email=f"API key #{who.key_id}",
        address=str(request.remote_addr or ""),
        api_key_id=who.key_id,
        event_name=who.event_name,
    )


def _answer_format() -> str:
    """json or csv, from `format=` or the Accept header."""
    try:
        chosen = choose_format(request.args.get("format"), accepted_types())
    except BadParameter as error:
        raise bad_parameter(error) from None
    if chosen not in ("json", "csv"):
        raise bad_parameter(BadParameter("format", "format must be json or csv here"))
    return chosen


def _csv(answer: Answer) -> Response:
    if not answer.answered:
        raise ApiProblem(
            422,
            "not-answered",
            f"There is no table to send: {answer.message or 'the question was not answered'} "
            "Ask again without format=csv to see the suggestions.",
        )
    return Response(csv_text(answer), content_type="text/csv; charset=utf-8")


@api.post("/v1/ask")
@needs(READ)
@takes(AskRequest, csv=True)
@documented(AskAnswer)
async def ask_question() -> Response:
    """Ask a question in plain words about the company's races (the Ask page's engines)."""
    wanted = _answer_format()
    body = await json_body(AskRequest)
    ask = _service()
    answer = await ask.ask(_asker(), body.question, body.engine)
    if answer.outcome == "failed" and answer.message == DATABASE_AWAY:
        raise ApiProblem(503, "unavailable", DATABASE_AWAY, headers={"Retry-After": "5"})
    if body.engine == "llm" and ask.llm is None and not answer.notice:
        answer.notice = NO_MODEL
    if wanted == "csv":
        return _csv(answer)
    document = json.dumps(answer.to_json(), ensure_ascii=False, separators=(",", ":"))
    response = Response(document, content_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def _history_limit() -> int:
    raw = request.args.get("limit", "20")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3) or int(raw) > HISTORY_LIMIT:
        detail = f"limit must be a whole number from 1 to {HISTORY_LIMIT}; got {raw[:40]!r}"
        raise bad_parameter(BadParameter("limit", detail))
    if int(raw) < 1:
        raise bad_parameter(BadParameter("limit", f"limit must be 1 or more; got {raw!r}"))
    return int(raw)


def _asked(question: AskedQuestion) -> dict[str, object]:
    return {
        "id": question.id,
        "question": question.question,
        "engine": question.engine,
        "sql": question.sql or None,
        "understood": [line for line in question.understood.split("\n") if line],
        "outcome": question.outcome,
        "row_count": question.row_count,
        "elapsed_ms": question.elapsed_ms,
        "asked_at": utc_text(question.asked_at),
        "asked_by": question.asked_by,
    }


@api.get("/v1/ask/history")
@needs(READ)
@documented(AskHistory)
async def ask_history() -> Response:
    """The company's latest questions, newest first (a key limited to one event: the
    questions asked with that key only, since others may be about other events)."""
    limit = _history_limit()
    who = caller()
    only_key = who.key_id if who.event_name is not None else None
    async with api_tenant() as conn:  # the history needs no ask pool: readable with Ask off
        asked = await recent_questions(conn, who.partner_id, limit, only_key)
    document = {"data": [_asked(q) for q in asked], "next": None}
    response = Response(
        json.dumps(document, separators=(",", ":")), content_type="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    return response
