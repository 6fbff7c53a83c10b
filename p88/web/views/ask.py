"""The Ask page: a question in plain words, the answer as a table (and a chart where it is a
number per group or per year), the SQL that produced it, a CSV download, suggested questions
and the company's history. Everyone of the company may ask (viewers too: Ask only reads).

The company asked about is the signed-in one (p88.ask.service.Asker); the question text can
name any company it likes and it changes nothing.
"""

from __future__ import annotations

from quart import Blueprint, Response, abort, render_template
from quart.typing import ResponseReturnValue

from p88.ask.answer import Answer, csv_text
from p88.ask.service import ENGINES, Asker, AskService
from p88.web.auth import client_address, current_partner, current_user, require_role
from p88.web.forms import form_fields
from p88.web.services import services

bp = Blueprint("ask", __name__)

HISTORY = 20


def _service() -> AskService | None:
    ask = services().ask
    return ask if ask is not None and ask.available else None


def _asker() -> Asker:
    user = current_user()
    return Asker(current_partner().id, user.id, user.email, client_address())


async def _page(
    answer: Answer | None = None, status: int = 200, engine: str = "auto"
) -> ResponseReturnValue:
    ask = _service()
    configured = services().ask
    if ask is None:
        reason = configured.unavailable if configured is not None else "it is not set up"
        page = await render_template("ask/page.html", off=reason or "it is not set up")
        return page, 503
    asker = _asker()
    body = await render_template(
        "ask/page.html",
        off="",
        answer=answer,
        suggestions=(answer.suggestions if answer and answer.suggestions else None)
        or await ask.suggested(asker),
        history=await ask.history(asker.partner_id, HISTORY),
        llm=ask.llm.name if ask.llm else "",
        question=answer.question if answer else "",
        engine=engine,
        config_timeout=f"{ask.config.statement_timeout:g} s",
        config_rows=f"{ask.config.max_rows:,}",
    )
    return body, status


@bp.get("/ask")
@require_role("viewer")
async def ask_page() -> ResponseReturnValue:
    return await _page()


@bp.post("/ask")
@require_role("viewer")
async def ask_question() -> ResponseReturnValue:
    ask = _service()
    if ask is None:
        return await _page()
    form = await form_fields()
    engine = form.get("engine", "auto")
    if engine not in ENGINES:
        engine = "auto"
    answer = await ask.ask(_asker(), form.get("question", ""), engine)
    return await _page(answer, engine=engine)


@bp.get("/ask/<int:question_id>")
@require_role("viewer")
async def ask_again(question_id: int) -> ResponseReturnValue:
    """A question of the history, its SQL run again on today's data."""
    ask = _service()
    if ask is None:
        return await _page()
    answer = await ask.again(_asker(), question_id)
    if answer is None:
        abort(404)
    return await _page(answer)


@bp.get("/ask/<int:question_id>.csv")
@require_role("viewer")
async def ask_csv(question_id: int) -> ResponseReturnValue:
    ask = _service()
    if ask is None:
        abort(503)
    answer = await ask.again(_asker(), question_id)
    if answer is None:
        abort(404)
    if not answer.answered:
        return Response(answer.message + "\n", 409, content_type="text/plain; charset=utf-8")
    return Response(
        csv_text(answer),
        200,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="p88-answer-{question_id}.csv"'},
    )
