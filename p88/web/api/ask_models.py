"""The shapes of `POST /api/v1/ask`: the question sent, and the answer (p88.ask.answer.Answer
as JSON). Documented in the OpenAPI document like the other models (p88.web.api.models)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from p88.db.ask_history import MAX_QUESTION

AskEngine = Literal["auto", "builtin", "llm"]


class AskRequest(BaseModel):
    """A question in plain words about the key's company (or the key's event)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    question: str = Field(
        min_length=1,
        max_length=MAX_QUESTION,
        description="The question, such as 'How many runners finished the Shamrock Marathon "
        "under 3 hours?'",
    )
    engine: AskEngine = Field(
        default="auto",
        description="auto (the default): the built-in engine, then the language model for "
        "what it does not understand; builtin: never the model; llm: the model first",
    )

    @field_validator("question")
    @classmethod
    def _not_blank(cls, question: str) -> str:
        if not question.strip():
            raise ValueError("the question is empty: write a question in plain words")
        return question


class AskColumn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    type: str = Field(description="PostgreSQL's type name, such as text, int8, interval")


class AskChartPoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    value: float
    text: str = Field(description="The value as people read it (a time as H:MM:SS.hh)")


class AskChart(BaseModel):
    """A hint for drawing the answer: a number per group (bar) or per year (line)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["bar", "line"]
    label: str = Field(description="What the groups are")
    measure: str = Field(description="The column charted")
    points: list[AskChartPoint]


class AskAnswer(BaseModel):
    """The answer: what was understood, the SQL that ran, the table. A question that was not
    understood is still a 200, with `outcome` saying so and `suggestions` to try."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = Field(description="The question's number in the company's history")
    question: str
    outcome: Literal["answered", "not_understood", "refused", "failed"]
    engine: str = Field(description="builtin, ollama, openai, or none")
    understood: list[str] = Field(description="How the question was read, line by line")
    notice: str | None = Field(
        description="Something to know about this answer, such as the language model being "
        "down and the built-in engine answering instead"
    )
    message: str | None = Field(description="Why there is no answer (outcome not answered)")
    sql: str | None = Field(description="The statement that ran, as the guard printed it")
    columns: list[AskColumn]
    rows: list[list[Any]] = Field(
        description="Numbers as numbers; times, dates and intervals as text (H:MM:SS.hh)"
    )
    row_count: int
    truncated: bool = Field(description="More rows than the install's ask.max_rows")
    chart: AskChart | None
    suggestions: list[str] = Field(description="Questions the built-in engine understands")
    elapsed_ms: int


class AskedQuestion(BaseModel):
    """A question of the company's Ask history (the Ask page lists the same)."""

    model_config = ConfigDict(extra="forbid")

    id: int
    question: str
    engine: str
    sql: str | None
    understood: list[str]
    outcome: Literal["answered", "not_understood", "refused", "failed"]
    row_count: int | None
    elapsed_ms: int
    asked_at: datetime
    asked_by: str = Field(description="The person's name or email, or 'API key NAME'")


class AskHistory(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: list[AskedQuestion] = Field(description="Newest first")
    next: None = Field(description="Always null: ask for a larger limit instead")
