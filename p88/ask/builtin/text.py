"""Words of a question: normalising, numbers in words, durations, SQL literals."""

from __future__ import annotations

import re
import unicodedata

NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "half": 0.5,
}  # fmt: skip
NUMBER = r"(?:\d+(?:\.\d+)?|" + "|".join(w for w in NUMBER_WORDS if len(w) > 2) + ")"

MONTHS = {
    name: number
    for number, names in enumerate(
        (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
         ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
         ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
         ("december", "dec")),
        start=1,
    )
    for name in names
}  # fmt: skip

# Words that carry no meaning of their own in a question about races.
FILLER = frozenset(
    """a an the of in at on for to me us we our my i you your please all any every there
    is are was were be been do does did have has had with who whom which what that this
    those these it its their them they and or by as from how many much show list tell
    give get find display see let know want would like could can just only also
    runners runner people person athletes athlete racers racer results result race races
    participant participants entrants entrant time times ran run running anyone somebody
    anybody someone everyone everybody total number count so far did overall year
    than then there's what's who's where when event events registered entered signed up
    whose name names kindly now ok okay hi hello hey members member took part
    club team held organised organized timed""".split()
)


def number(text: str) -> float:
    text = text.strip().lower()
    if text in NUMBER_WORDS:
        return NUMBER_WORDS[text]
    return float(text)


def normalize(question: str) -> str:
    """Lower case, plain quotes and dashes, one space between words, question marks gone;
    `10 k` -> `10k`, `half-marathon` -> `half marathon`."""
    text = unicodedata.normalize("NFKC", question).lower()
    text = re.sub(r"[\u2018\u2019\u02bc`]", "'", text)
    text = re.sub(r"[\u201c\u201d]", '"', text)
    text = re.sub(r"[\u2010-\u2015]", "-", text)
    text = re.sub(r"(\d)\s+(k|km|mi)\b", r"\1\2", text)
    text = re.sub(r"\bhalf-marathon", "half marathon", text)
    text = re.sub(r"[?!;]+", " ", text)
    text = re.sub(r"(?<!\d)[.,](?!\d)", " , ", text)
    return re.sub(r"\s+", " ", text).strip()


def words(text: str) -> list[str]:
    """The words left in a (partly consumed) text, commas and quotes dropped."""
    return [w.strip("'\"") for w in re.split(r"[\s,\"()]+", text) if w.strip("'\"")]


def sql_literal(value: str) -> str:
    """A string constant for generated SQL (standard_conforming_strings: only ' doubles)."""
    return "'" + value.replace("'", "''") + "'"


HUNDREDTHS_PER = {"h": 360_000, "m": 6_000, "s": 100}


def format_duration(hundredths: int) -> str:
    hours, rest = divmod(hundredths, HUNDREDTHS_PER["h"])
    minutes, rest = divmod(rest, HUNDREDTHS_PER["m"])
    seconds, part = divmod(rest, 100)
    text = f"{hours}:{minutes:02d}:{seconds:02d}"
    return text + (f".{part:02d}" if part else "")


_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,2}))?)?$")
_UNITS = re.compile(rf"({NUMBER})\s*(hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b")


def duration(text: str) -> int | None:
    """Hundredths in `3 hours`, `2h30`, `3:30` (hours:minutes when the first number is below
    10, else minutes:seconds), `2:59:59`, `45 minutes`, `1 hour 30 minutes`, `half an hour`."""
    text = text.strip()
    found = _CLOCK.match(text)
    if found:
        first, second, third, part = found.groups()
        if third is not None:
            whole = int(first) * 3600 + int(second) * 60 + int(third)
            return whole * 100 + int((part or "0").ljust(2, "0"))
        if int(first) < 10:
            return (int(first) * 3600 + int(second) * 60) * 100
        return (int(first) * 60 + int(second)) * 100
    compact = re.fullmatch(r"(\d+)h(\d{1,2})", text)
    if compact:
        return (int(compact[1]) * 3600 + int(compact[2]) * 60) * 100
    if text in ("half an hour", "half hour"):
        return 1800 * 100
    total = 0.0
    rest = text
    for amount, unit in _UNITS.findall(text):
        total += number(amount) * HUNDREDTHS_PER[unit[0]]
        rest = rest.replace(f"{amount} {unit}", "", 1).replace(f"{amount}{unit}", "", 1)
    if total and not re.sub(r"\b(and|an|a)\b", "", rest).strip():
        return int(total)
    return None
