"""An answer as people and programs read it: outcome, what was understood, the SQL, the rows
(with values written the way timers write them), a chart where it says something, CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from p88.ask.chart import Chart
from p88.ask.values import display, json_value

OUTCOMES = ("answered", "not_understood", "refused", "failed")


@dataclass(slots=True)
class Answer:
    question: str
    outcome: str  # one of OUTCOMES
    engine: str = "none"  # builtin | ollama | openai | none
    understood: list[str] = field(default_factory=list)
    notice: str = ""  # e.g. the LLM did not answer and the built-in engine did
    message: str = ""  # why there is no answer, for the person asking
    sql: str = ""
    columns: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    truncated: bool = False  # more rows than the limit: the first ones are shown
    suggestions: list[str] = field(default_factory=list)
    chart: Chart | None = None
    elapsed_ms: int = 0
    id: int | None = None  # in the company's history

    @property
    def answered(self) -> bool:
        return self.outcome == "answered"

    def text_rows(self) -> list[list[str]]:
        return [[display(value) for value in row] for row in self.rows]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "outcome": self.outcome,
            "engine": self.engine,
            "understood": self.understood,
            "notice": self.notice or None,
            "message": self.message or None,
            "sql": self.sql or None,
            "columns": [
                {"name": n, "type": t} for n, t in zip(self.columns, self.types, strict=True)
            ],
            "rows": [[json_value(v) for v in row] for row in self.rows],
            "row_count": len(self.rows),
            "truncated": self.truncated,
            "chart": self.chart.to_json() if self.chart else None,
            "suggestions": self.suggestions,
            "elapsed_ms": self.elapsed_ms,
        }


def csv_text(answer: Answer) -> str:
    """The rows as CSV with a header line, values as the page shows them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(answer.columns)
    for row in answer.text_rows():
        writer.writerow([_defused(cell) for cell in row])
    return out.getvalue()


def _defused(cell: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @ first) is quoted as text; a
    time like -0:00:01.00 is too, which costs nothing."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
