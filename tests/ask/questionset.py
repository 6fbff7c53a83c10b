"""tests/ask/questions.yaml: loading it, and comparing an engine's answer with the gold one.

Values are compared the way a person reads them: intervals as H:MM:SS.hh (truncated to the
hundredth, as results are), dates as ISO text, numbers rounded to two places.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
QUESTIONS = HERE / "questions.yaml"


@dataclass(frozen=True, slots=True)
class Question:
    ask: str
    gold: str
    columns: tuple[str, ...] | None
    ordered: bool
    answer: list[list[Any]] | None


@dataclass(frozen=True, slots=True)
class QuestionSet:
    today: date
    partner: str
    questions: list[Question]


def load(path: Path = QUESTIONS) -> QuestionSet:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions = [
        Question(
            item["ask"],
            item["gold"],
            tuple(item["columns"]) if item.get("columns") else None,
            bool(item.get("ordered", False)),
            item.get("answer"),
        )
        for item in raw["questions"]
    ]
    return QuestionSet(raw["today"], raw["partner"], questions)


def plain(value: Any) -> Any:
    """A value as the gold answers write it."""
    if isinstance(value, timedelta):
        hundredths = value // timedelta(microseconds=10_000)
        sign = "-" if hundredths < 0 else ""
        hours, rest = divmod(abs(hundredths), 360_000)
        minutes, rest = divmod(rest, 6_000)
        seconds, part = divmod(rest, 100)
        return f"{sign}{hours}:{minutes:02d}:{seconds:02d}.{part:02d}"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        number = round(float(value), 2)
        return int(number) if number == int(number) else number
    return value


def plain_rows(rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    return [[plain(v) for v in row] for row in rows]


def project(
    columns: tuple[str, ...], rows: list[tuple[Any, ...]], wanted: tuple[str, ...] | None
) -> list[list[Any]] | str:
    """The engine's rows reduced to the wanted columns (all when None), or why they cannot be."""
    if wanted is None:
        return plain_rows(rows)
    missing = [c for c in wanted if c not in columns]
    if missing:
        return f"the answer has no column {', '.join(missing)} (it has {', '.join(columns)})"
    index = [columns.index(c) for c in wanted]
    return plain_rows([tuple(row[i] for i in index) for row in rows])


def same(question: Question, got: list[list[Any]]) -> bool:
    expected = question.answer or []
    if question.ordered:
        return got == expected
    key = lambda rows: Counter(json.dumps(r, sort_keys=True, default=str) for r in rows)  # noqa: E731
    return key(got) == key(expected)


def write_answers(answers: list[list[list[Any]]], path: Path = QUESTIONS) -> None:
    """Put each question's `answer:` line back into the file, comments and layout kept."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    ordered = [q.ordered for q in load(path).questions]
    answers = [
        rows if keep else sorted(rows, key=lambda r: json.dumps(r, default=str))
        for rows, keep in zip(answers, ordered, strict=True)
    ]
    items = iter(answers)
    pending: list[list[Any]] | None = None
    for line in lines:
        if line.startswith("- ask:") or line.startswith("# ---"):
            if pending is not None:
                out.append(f"  answer: {json.dumps(pending)}")
                pending = None
            if line.startswith("- ask:"):
                pending = next(items)
        if line.startswith("  answer:"):
            continue
        out.append(line)
    if pending is not None:
        out.append(f"  answer: {json.dumps(pending)}")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
