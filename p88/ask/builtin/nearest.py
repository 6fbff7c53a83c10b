"""Questions the built-in engine understands, filled in with the company's own events: shown
on the Ask page, and as the nearest ones when a question is not understood."""

from __future__ import annotations

import re
from datetime import date

from p88.ask.builtin.text import FILLER, normalize, words
from p88.ask.builtin.vocabulary import Vocabulary

TEMPLATES = (
    "How many runners finished the {event}?",
    "How many runners finished the {event} under {limit}?",
    "Show me all participants in the {other}",
    "Who won the {event}?",
    "Top 10 women in the {other}",
    "Average finish time by course at the {event}",
    "How many runners did not finish the {other}?",
    "Find all male runners aged 35 in the {event}",
    "Participants from {city} in the {other}",
    "Finishers by age group at the {event}",
    "Fastest woman in the {other}",
    "Median chip time by gender at the {event}",
    "Compare the {series} {earlier} and {later}",
    "How many finishers per year?",
    "Which events did we time in {year}?",
    "Show me our active events",
    "How many reads per timing point at the {event}?",
)


def suggestions(vocabulary: Vocabulary | None, today: date) -> list[str]:
    """Every template, with the company's names where it has them."""
    events = sorted(vocabulary.events if vocabulary else (), key=lambda e: (e.day, e.id))
    ended = [e for e in events if e.status == "ended"] or events
    latest = ended[-1].name if ended else "Shamrock Marathon 2025"
    others = [e.name for e in reversed(ended) if _stem(e.name) != _stem(latest)]
    series, earlier, later = _series(vocabulary)
    cities = sorted((vocabulary.values.get("city", {}) if vocabulary else {}).values())
    values = {
        "event": latest,
        "other": others[0] if others else latest,
        "limit": "3 hours" if "marathon" in latest.lower() else "45 minutes",
        "city": cities[0] if cities else "Springfield",
        "series": series,
        "earlier": earlier,
        "later": later,
        "year": str(events[-1].day.year if events else today.year),
    }
    return [template.format(**values) for template in TEMPLATES]


def _series(vocabulary: Vocabulary | None) -> tuple[str, int, int]:
    """An event run in two years (its name without the year), for 'compare' examples."""
    by_name: dict[str, set[int]] = {}
    for event in vocabulary.events if vocabulary else ():
        by_name.setdefault(_stem(event.name), set()).add(event.day.year)
    for stem, years in sorted(by_name.items()):
        if len(years) > 1:
            ordered = sorted(years)
            return stem, ordered[-2], ordered[-1]
    return "Shamrock Marathon", 2025, 2026


def _stem(name: str) -> str:
    """An event's name without its year: the series it belongs to."""
    return re.sub(r"\s*\b(?:19|20)\d\d\b\s*", " ", name).strip()


def nearest(question: str, choices: list[str], count: int = 3) -> list[str]:
    """The `count` choices sharing the most words with the question (ties: list order)."""
    asked = _content(question)
    scored = []
    for index, choice in enumerate(choices):
        theirs = _content(choice)
        union = asked | theirs
        score = len(asked & theirs) / len(union) if union else 0.0
        scored.append((-score, index, choice))
    return [choice for _, _, choice in sorted(scored)[:count]]


def _content(text: str) -> set[str]:
    meaningful = {w for w in words(normalize(text)) if w not in FILLER or w in _KEEP}
    return {w.rstrip("s") for w in meaningful}


_KEEP = frozenset("how many show who top average compare finished events participants".split())
