"""The built-in engine on tests/ask/questions.yaml: at least 95 % of the questions answered
exactly (rows compared as sets, in order where the question asks for an order), and every gold
SQL still giving its gold answer (so the file cannot drift from the demo race set)."""

from __future__ import annotations

from p88.db.ask import Scope, bound
from tests.ask.conftest import Asking
from tests.ask.questionset import QuestionSet, plain_rows, project, same

REQUIRED = 0.95


async def test_the_gold_sql_gives_the_gold_answers(demo: Asking, question_set: QuestionSet):
    assert len(question_set.questions) >= 80
    stale = []
    partner = demo.partners[question_set.partner]
    async with bound(demo.ask_pool, demo.pool, Scope(partner), 10) as conn:
        for q in question_set.questions:
            rows = plain_rows((await conn.fetch(q.gold)).rows)
            if not same(q, rows):
                stale.append(f"{q.ask}\n  gold SQL gives {rows}\n  file says {q.answer}")
    assert not stale, "run `python tests/ask/gold.py`:\n" + "\n".join(stale)


async def test_the_builtin_engine_answers_at_least_95_percent_exactly(
    demo: Asking, question_set: QuestionSet
):
    asker = demo.asker(question_set.partner)
    misses = []
    for q in question_set.questions:
        answer = await demo.service.ask(asker, q.ask, "builtin")
        if not answer.answered:
            misses.append(f"{q.ask}\n  {answer.outcome}: {answer.message}")
            continue
        got = project(answer.columns, answer.rows, q.columns)
        if isinstance(got, str) or not same(q, got):
            misses.append(f"{q.ask}\n  SQL: {answer.sql}\n  got {got}\n  want {q.answer}")
    right = len(question_set.questions) - len(misses)
    share = right / len(question_set.questions)
    print(f"built-in engine: {right}/{len(question_set.questions)} exactly ({share:.1%})")
    for miss in misses:
        print("MISS", miss)
    assert share >= REQUIRED, "\n".join(misses)
