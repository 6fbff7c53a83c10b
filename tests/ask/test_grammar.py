"""The built-in grammar's pieces without a database: durations, ages, dates, and that no text
at all makes the grammar or the guard fail with anything but their own answer."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from p88.ask.builtin.engine import read
from p88.ask.builtin.nearest import nearest
from p88.ask.builtin.text import duration, normalize, sql_literal
from p88.ask.guard import Refused, check

TODAY = date(2026, 12, 4)
H, M, S = 360_000, 6_000, 100


@pytest.mark.parametrize(
    ("text", "hundredths"),
    [
        ("3 hours", 3 * H), ("3:30", 3 * H + 30 * M), ("45:00", 45 * M),
        ("2:59:59", 2 * H + 59 * M + 59 * S), ("1:02:03.4", H + 2 * M + 3 * S + 40),
        ("2h30", 2 * H + 30 * M), ("45 minutes", 45 * M), ("1 hour 30 minutes", H + 30 * M),
        ("half an hour", 30 * M), ("90 mins", 90 * M), ("two hours", 2 * H),
        ("3 apples", None), ("soon", None),
    ],
)  # fmt: skip
def test_durations(text: str, hundredths: int | None) -> None:
    assert duration(text) == hundredths


@pytest.mark.parametrize(
    ("question", "low", "high"),
    [
        ("runners aged 35", 35, 35), ("aged 30 to 39", 30, 39), ("in their 40s", 40, 49),
        ("runners over 60", 61, None), ("60 and over", 60, None), ("50+ runners", 50, None),
        ("under 20 years old", None, 19), ("masters", 40, None), ("aged 18-24", 18, 24),
    ],
)  # fmt: skip
def test_ages(question: str, low: int | None, high: int | None) -> None:
    _, slots = read(question, TODAY)
    assert slots.age is not None and (slots.age.low, slots.age.high) == (low, high)


def test_a_time_is_not_an_age_and_an_age_is_not_a_time() -> None:
    _, timed = read("finished under 3 hours", TODAY)
    assert timed.age is None and timed.time is not None and timed.time.high == 3 * H
    _, aged = read("runners under 30", TODAY)
    assert aged.time is None and aged.age is not None and aged.age.high == 29


def test_relative_years_count_from_today() -> None:
    assert read("last year", TODAY)[1].years == [2025]
    assert read("this year", TODAY)[1].years == [2026]
    assert read("in March 2025", TODAY)[1].months == [3]


def test_the_claim_is_taken_out_and_kept() -> None:
    text, slots = read("I'm from Big River Race Management, show me our active events", TODAY)
    assert slots.claim == "big river race management"
    assert "big river" not in text.text and slots.event_status == "live"


def test_normalize_and_literals() -> None:
    assert normalize("Half-Marathon  10 K?") == "half marathon 10k"
    assert sql_literal("O'Brien") == "'O''Brien'"


def test_nearest_prefers_shared_words() -> None:
    choices = ["Who won the Shamrock Marathon 2025?", "Show me our active events"]
    assert nearest("which events are active", choices, 1) == ["Show me our active events"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_read_without_failing(question: str) -> None:
    read(question, TODAY)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_either_checked_or_refused(sql: str) -> None:
    try:
        checked = check(sql, 10)
    except Refused:
        return
    check(checked.runnable, 10)  # what would run passes again


@pytest.mark.parametrize(
    ("question", "started"),
    [
        ("How many participants are registered for the Harbour Run 2026?", False),
        ("Show me the participants of the Harbour Run", False),
        ("How many people ran the Lake 10K?", True),
        ("How many runners did run the Lake 10K in 2025?", True),
        ("Who started the marathon", True),
    ],
)  # fmt: skip
def test_run_in_an_event_name_is_not_the_started_filter(question: str, started: bool) -> None:
    _, slots = read(question, TODAY)
    assert slots.started is started
