"""What a question asks for, before it is matched with the company's events: the slots the
phrase patterns (p88.ask.builtin.filters, .phrases) fill, and the text they leave over."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date


@dataclass(slots=True)
class Range:
    """Inclusive bounds (None: open); `words` is how the question said it."""

    low: int | None = None
    high: int | None = None
    words: str = ""


@dataclass(slots=True)
class Slots:
    claim: str | None = None  # "I'm from X": noted, never obeyed
    bibs: list[str] = field(default_factory=list)
    time: Range | None = None  # hundredths
    time_strict: tuple[bool, bool] = (False, False)  # (low, high) exclusive
    age: Range | None = None
    age_groups: list[str] = field(default_factory=list)  # labels such as "f35-39"
    years: list[int] = field(default_factory=list)
    year_range: Range | None = None
    months: list[int] = field(default_factory=list)
    day: date | None = None
    latest: bool = False
    top: int | None = None
    slowest: bool = False
    winners: bool = False
    most: str | None = None  # 'most' | 'fewest': the group with the highest or lowest count
    group_by: list[str] = field(default_factory=list)
    genders: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    started: bool = False
    event_status: str | None = None  # 'live' | 'ended'
    intents: set[str] = field(default_factory=set)
    measure: str = "time"  # or chip_time, gun_time
    subject: str | None = None  # runners | participants | events
    place_phrase: str | None = None
    wave: str | None = None
    name_phrase: str | None = None
    understood: list[str] = field(default_factory=list)


class Text:
    """The question's text as the patterns consume it: a taken phrase becomes a boundary."""

    def __init__(self, text: str) -> None:
        self.text = f" {text} "

    def take(self, pattern: str) -> Iterator[re.Match[str]]:
        """Each match of `pattern`, removed from the text as it is yielded."""
        regex = re.compile(pattern)
        while True:
            found = regex.search(self.text)
            if found is None:
                return
            self.text = self.text[: found.start()] + " ; " + self.text[found.end() :]
            yield found

    def has(self, pattern: str) -> bool:
        return re.search(pattern, self.text) is not None

    def remove(self, pattern: str) -> bool:
        return bool(list(self.take(pattern)))


Extractor = Callable[[Text, Slots, date], None]


def word_list(options: str) -> str:
    """`a|b c|d` as a regex alternation of whole phrases."""
    phrases = (re.escape(o).replace(r"\ ", r"\s+") for o in options.split("|"))
    return r"(?<![\w'])(?:" + "|".join(phrases) + r")(?![\w'])"
