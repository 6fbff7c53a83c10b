"""Ask: a question in, an answer out, whichever engine writes the SQL.

The built-in engine answers first; a question it does not understand goes to the LLM when one
is configured (or every question, when the asker chooses it). Whatever SQL either writes goes
through the guard and runs on the ask pool, bound to the asker's company. Every question is
kept in the company's history and audit log: the question, the SQL, the engine, rows and time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime

from p88.ask import prompt
from p88.ask.answer import Answer
from p88.ask.builtin.engine import NotAnswerable, Proposal, propose
from p88.ask.builtin.nearest import suggestions
from p88.ask.chart import chart_of
from p88.ask.guard import Refused, check
from p88.ask.llm import LlmClient, LlmUnavailable
from p88.config import AskConfig, Config
from p88.db import ask as db
from p88.db.ask import AskConnection, Scope, StatementFailed
from p88.db.ask_history import AskedQuestion, NewQuestion, asked_question, record_question
from p88.db.ask_history import recent_questions as recent
from p88.db.audit import record
from p88.db.pool import DATABASE_DOWN_ERRORS, Pool, PostgresError
from p88.db.tenancy import tenant_transaction

log = logging.getLogger(__name__)

ENGINES = ("auto", "builtin", "llm")


@dataclass(frozen=True, slots=True)
class Asker:
    """Who asks, from the sign-in or the API key: never from the question."""

    partner_id: int
    user_id: int | None = None
    email: str = ""
    address: str = ""
    api_key_id: int | None = None
    event_name: str | None = None  # an API key limited to one event

    @property
    def scope(self) -> Scope:
        return Scope(self.partner_id, self.event_name)


class AskService:
    def __init__(
        self,
        config: AskConfig,
        pool: Pool,
        ask_pool: Pool | None,
        *,
        unavailable: str = "",
        today: Callable[[], date] = date.today,
    ) -> None:
        self.config = config
        self._pool = pool
        self._ask_pool = ask_pool
        self.unavailable = unavailable if ask_pool is None else ""
        self._today = today
        self.llm = LlmClient(config) if config.backend != "builtin" else None

    @property
    def available(self) -> bool:
        return self._ask_pool is not None

    def _bound(self, asker: Asker) -> AbstractAsyncContextManager[AskConnection]:
        if self._ask_pool is None:
            raise RuntimeError("Ask is off: " + self.unavailable)
        return db.bound(self._ask_pool, self._pool, asker.scope, self.config.statement_timeout)

    # ------------------------------------------------------------------ asking
    async def ask(self, asker: Asker, question: str, engine: str = "auto") -> Answer:
        started = time.monotonic()
        question = " ".join(question.split())[:1000]
        answer = Answer(question, "not_understood")
        try:
            if not question:
                answer.message = "Type a question, for example one of those below."
                answer.suggestions = await self.suggested(asker)
                return answer
            answer = await self._answer(asker, question, engine)
            answer.elapsed_ms = int((time.monotonic() - started) * 1000)
            if not answer.suggestions and not answer.answered:
                answer.suggestions = await self.suggested(asker)
            answer.id = await self._remember(asker, answer)
        except DATABASE_DOWN_ERRORS as exc:
            log.warning("a question could not be answered: the database is away (%r)", exc)
            return Answer(question, "failed", message=DATABASE_AWAY)
        return answer

    async def _answer(self, asker: Asker, question: str, engine: str) -> Answer:
        proposal: Proposal | None = None
        refusal: NotAnswerable | None = None
        if engine != "llm" or self.llm is None:
            async with self._bound(asker) as conn:
                try:
                    proposal = await propose(question, conn, self._today())
                except NotAnswerable as exc:
                    refusal = exc
                except StatementFailed as exc:
                    return Answer(question, "failed", message=_failure(exc, self.config))
                if proposal is not None:
                    return await self._run(conn, question, "builtin", proposal)
        if self.llm is not None and engine in ("auto", "llm"):
            return await self._ask_llm(asker, question)
        assert refusal is not None
        return Answer(question, "not_understood", message=refusal.message,
                      suggestions=refusal.suggestions)  # fmt: skip

    async def _run(
        self, conn: AskConnection, question: str, engine: str, proposal: Proposal
    ) -> Answer:
        """Guard the statement, run it read-only, and make the answer."""
        answer = Answer(question, "answered", engine, list(proposal.understood))
        try:
            checked = check(proposal.sql, self.config.max_rows)
        except Refused as exc:
            answer.outcome, answer.message, answer.sql = "refused", str(exc), proposal.sql
            return answer
        answer.sql = checked.shown
        try:
            fetched = await conn.fetch(checked.runnable)
        except StatementFailed as exc:
            answer.outcome, answer.message = "failed", _failure(exc, self.config)
            return answer
        answer.columns, answer.types = fetched.columns, fetched.types
        answer.rows = fetched.rows[: self.config.max_rows]
        answer.truncated = len(fetched.rows) > self.config.max_rows
        kind = proposal.chart if engine == "builtin" else None
        if engine != "builtin" or kind is not None:
            answer.chart = chart_of(answer.columns, answer.types, answer.rows, kind)
        return answer

    # ------------------------------------------------------------------ the LLM
    async def _ask_llm(self, asker: Asker, question: str) -> Answer:
        assert self.llm is not None
        async with self._bound(asker) as conn:
            events = [(row[1], row[2]) for row in await db.events(conn)]
        talk = prompt.messages(question, events, self._today())
        try:
            answer, reply = await self._llm_attempt(asker, question, talk)
            if answer.outcome in ("refused", "failed") and reply:
                talk = prompt.retry(talk, reply, answer.message)
                answer, _ = await self._llm_attempt(asker, question, talk)
        except LlmUnavailable as exc:
            return await self._without_llm(asker, question, str(exc))
        return answer

    async def _llm_attempt(
        self, asker: Asker, question: str, talk: list[dict[str, str]]
    ) -> tuple[Answer, str]:
        assert self.llm is not None
        content = await self.llm.complete(talk)
        try:
            reply = prompt.read_reply(content)
        except prompt.MalformedReply as exc:
            raise LlmUnavailable(str(exc)) from None
        if reply.sql is None:
            message = reply.explanation or "The language model found no way to answer."
            return Answer(question, "not_understood", self.llm.name, message=message), ""
        async with self._bound(asker) as conn:
            proposal = Proposal(reply.sql, [reply.explanation] if reply.explanation else [], None)
            return await self._run(conn, question, self.llm.name, proposal), content

    async def _without_llm(self, asker: Asker, question: str, why: str) -> Answer:
        """The model gave nothing usable: the built-in engine's answer, with a notice."""
        assert self.llm is not None
        notice = (f"The language model ({self.llm.name} at {self.config.url}) gave no answer: "
                  f"{why}. The built-in engine answered instead.")  # fmt: skip
        async with self._bound(asker) as conn:
            try:
                proposal = await propose(question, conn, self._today())
            except NotAnswerable as exc:
                return Answer(question, "not_understood", notice=notice, message=exc.message,
                              suggestions=exc.suggestions)  # fmt: skip
            answer = await self._run(conn, question, "builtin", proposal)
        answer.notice = notice
        return answer

    # ------------------------------------------------------------------ history
    async def suggested(self, asker: Asker) -> list[str]:
        """Questions the built-in engine understands, with the company's own event names."""
        from p88.ask.builtin.vocabulary import load

        async with self._bound(asker) as conn:
            vocabulary = await load(conn, [])
        return suggestions(vocabulary, self._today())

    async def history(self, partner_id: int, limit: int = 20) -> list[AskedQuestion]:
        async with tenant_transaction(self._pool, partner_id) as conn:
            return await recent(conn, partner_id, limit)

    async def again(self, asker: Asker, question_id: int) -> Answer | None:
        """A question of the history run again (its SQL, guarded again); None if not theirs."""
        async with tenant_transaction(self._pool, asker.partner_id) as conn:
            asked = await asked_question(conn, asker.partner_id, question_id)
        if asked is None:
            return None
        started = time.monotonic()
        answer = Answer(asked.question, asked.outcome, asked.engine, message=NOT_ANSWERED)
        if asked.outcome == "answered" and asked.sql:
            understood = [u for u in asked.understood.split("\n") if u]
            async with self._bound(asker) as conn:
                answer = await self._run(conn, asked.question, asked.engine,
                                         Proposal(asked.sql, understood, None))  # fmt: skip
        answer.id, answer.elapsed_ms = asked.id, int((time.monotonic() - started) * 1000)
        await self._audit(asker, "ask.again", f"#{asked.id}: {len(answer.rows)} rows")
        return answer

    async def _remember(self, asker: Asker, answer: Answer) -> int:
        new = NewQuestion(
            asker.partner_id, asker.user_id, asker.api_key_id, answer.question, answer.engine,
            answer.sql, "\n".join(answer.understood), answer.outcome,
            len(answer.rows) if answer.answered else None, answer.elapsed_ms,
        )  # fmt: skip
        async with tenant_transaction(self._pool, asker.partner_id) as conn:
            question_id = await record_question(conn, new)
            sql = " ".join(answer.sql.split()) or "-"
            detail = (f"#{question_id} {answer.engine}, {answer.outcome}, "
                      f"{new.row_count or 0} rows, {answer.elapsed_ms} ms: "
                      f"{answer.question!r} SQL: {sql}")  # fmt: skip
            await record(conn, "ask", partner_id=asker.partner_id, actor_id=asker.user_id,
                         actor_email=asker.email, address=asker.address, detail=detail)  # fmt: skip
        return question_id

    async def _audit(self, asker: Asker, action: str, detail: str) -> None:
        async with tenant_transaction(self._pool, asker.partner_id) as conn:
            await record(conn, action, partner_id=asker.partner_id, actor_id=asker.user_id,
                         actor_email=asker.email, address=asker.address, detail=detail)  # fmt: skip


DATABASE_AWAY = "The database is not answering just now; ask again in a moment."
NOT_ANSWERED = "This question was not answered when it was asked, so there is nothing to run."


def _failure(exc: StatementFailed, config: AskConfig) -> str:
    if exc.timed_out:
        return (f"The statement took longer than {config.statement_timeout:g} s and was "
                "stopped. Ask about fewer events or runners.")  # fmt: skip
    return f"PostgreSQL could not run the statement: {exc}"


@asynccontextmanager
async def open_ask_service(config: Config, dsn: str, pool: Pool) -> AsyncIterator[AskService]:
    """The Ask service over its own pool; when that pool cannot be opened safely (the role is
    missing or has powers it must not have, the server refuses the login), Ask is off and the
    page says why, and nothing else of p88 is held back."""

    def today() -> date:
        return datetime.now(config.tz).date()

    async with AsyncExitStack() as stack:
        ask_pool: Pool | None = None
        reason = ""
        try:
            ask_pool = await stack.enter_async_context(
                db.open_ask_pool(dsn, pool, dsn=config.ask.dsn, size=config.ask.pool_size)
            )
        except (db.AskRoleUnsafe, PostgresError, *DATABASE_DOWN_ERRORS) as exc:
            reason = f"its database role cannot be used ({exc})"
            log.warning("Ask is off: %s; see README, 'Questions in plain words'", reason)
        yield AskService(config.ask, pool, ask_pool, unavailable=reason, today=today)
