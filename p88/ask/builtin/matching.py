"""The words the phrase patterns left over, matched with the company's names: clubs, events
(loosely: a typo still finds 'shamrock'), courses, places. What matches nothing is reported,
never guessed at."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from p88.ask.builtin.slots import Slots, Text
from p88.ask.builtin.text import FILLER
from p88.ask.builtin.vocabulary import EventInfo, Vocabulary

# Words many event names share: they join an event's name, but never name an event alone.
GENERIC = frozenset(
    """marathon half run race races 10k 5k 8k 15k 21k 42k 1k 3k 1mi 5mi mile miles trot fun
    annual classic challenge series championship championships open memorial relay walk ultra
    trail city road street night day festival""".split()
)
SHORTEST_BARE_PLACE = 4  # 'in', 'on', 'il' are words before they are places


@dataclass(slots=True)
class Mention:
    words: list[str]
    events: list[EventInfo]


@dataclass(slots=True)
class Resolved:
    mentions: list[Mention] = field(default_factory=list)
    courses: list[str] = field(default_factory=list)
    clubs: list[str] = field(default_factory=list)
    places: list[tuple[str, str]] = field(default_factory=list)  # (city|state|country, value)
    age_groups: list[str] = field(default_factory=list)
    wave: str | None = None
    unknown: list[str] = field(default_factory=list)
    unknown_reason: str = ""  # what the unknown words seem to name
    problems: list[str] = field(default_factory=list)


def segments(text: Text) -> list[list[str]]:
    """The remaining words, in runs the taken phrases did not cut."""
    parts = re.split(r"[;,]", text.text)
    return [[w.strip("'\"") for w in part.split() if w.strip("'\"")] for part in parts]


def asked_words(parts: list[list[str]], slots: Slots) -> list[str]:
    found = {w for part in parts for w in part if w not in FILLER}
    for phrase in (slots.place_phrase, slots.name_phrase):
        found.update(phrase.split() if phrase else ())
    return sorted(found)


def resolve(parts: list[list[str]], slots: Slots, vocabulary: Vocabulary) -> Resolved:
    found = Resolved()
    original = [list(p) for p in parts]
    parts = [list(p) for p in parts]
    _place_phrase(parts, slots, vocabulary, found)
    _wave(slots, vocabulary, found)
    for label in slots.age_groups:
        value = vocabulary.values.get("age_group", {}).get(label)
        if value is None:
            found.problems.append(f"no runner of yours is in the age group {label.upper()}")
        else:
            found.age_groups.append(value)
    found.clubs = _take_names(parts, vocabulary.values.get("club", {}), 1)
    named_in = []
    for part in parts:
        before = len(found.mentions)
        _events_in(part, vocabulary, found)
        named_in.append(len(found.mentions) > before)
    scope = [e.id for m in found.mentions for e in m.events] or None
    courses = {c.lower(): c for c in vocabulary.courses(scope)}
    found.courses = _take_names(parts, courses, 1)
    for kind in ("city", "state", "country"):
        places = _take_names(parts, vocabulary.values.get(kind, {}), SHORTEST_BARE_PLACE)
        found.places += [(kind, value) for value in places]
    found.unknown = [w for part in parts for w in part if w not in FILLER]
    found.unknown_reason = _unknown_reason(found, slots, original, parts, named_in)
    return found


def _unknown_reason(
    found: Resolved,
    slots: Slots,
    original: list[list[str]],
    parts: list[list[str]],
    named_in: list[bool],
) -> str:
    """Which kind of name the unknown words seem to be, where the question makes that plain."""
    unknown = set(found.unknown)
    phrase = slots.place_phrase.split() if slots.place_phrase else []
    if unknown & set(phrase):
        return f'no participant of yours comes from "{slots.place_phrase}"'
    for before, after, named in zip(original, parts, named_in, strict=False):
        left = [w for w in after if w not in FILLER]
        if left and not named and any(w in GENERIC for w in before):
            words = " ".join(w for w in before if w not in FILLER)
            return f'none of your events matches "{words}"'
    return ""


def _place_phrase(
    parts: list[list[str]], slots: Slots, vocabulary: Vocabulary, found: Resolved
) -> None:
    if not slots.place_phrase:
        return
    words = slots.place_phrase.split()
    for length in range(len(words), 0, -1):
        phrase = " ".join(words[:length])
        for kind in ("city", "state", "country"):
            value = vocabulary.values.get(kind, {}).get(phrase)
            if value is not None:
                found.places.append((kind, value))
                parts.append(words[length:])
                return
    parts.append(words)  # not a place of theirs: maybe an event ('runners from shamrock')


def _wave(slots: Slots, vocabulary: Vocabulary, found: Resolved) -> None:
    if slots.wave is not None:
        found.wave = vocabulary.values.get("wave", {}).get(slots.wave)
        if found.wave is None:
            found.problems.append(f'no runner of yours starts in a wave "{slots.wave}"')


def _take_names(parts: list[list[str]], names: dict[str, str], shortest: int) -> list[str]:
    """Whole names (lower case -> as stored) found as runs of words, longest first."""
    taken: list[str] = []
    by_length = sorted((n for n in names if len(n) >= shortest), key=len, reverse=True)
    for name in by_length:
        wanted = name.split()
        for part in parts:
            for start in range(len(part) - len(wanted) + 1):
                if part[start : start + len(wanted)] == wanted:
                    del part[start : start + len(wanted)]
                    if names[name] not in taken:
                        taken.append(names[name])
                    break
    return taken


def _events_in(part: list[str], vocabulary: Vocabulary, found: Resolved) -> None:
    """Runs of words that each match a word of an event name; a run names the events it
    matches best, if at least one of its words is not a generic one ('marathon')."""
    start = 0
    while start < len(part):
        end = start
        while end < len(part) and _matches(part[end], vocabulary):
            end += 1
        if end == start:
            start += 1
            continue
        run = part[start:end]
        events = _best_events(run, vocabulary)
        if events:
            found.mentions.append(Mention(run, events))
            del part[start:end]
        else:
            start = end


def _matches(word: str, vocabulary: Vocabulary) -> bool:
    scores = vocabulary.similar.get(word, {})
    return any(score >= 0.999 or known not in GENERIC for known, score in scores.items())


def _best_events(run: list[str], vocabulary: Vocabulary) -> list[EventInfo]:
    scored: list[tuple[float, EventInfo]] = []
    for event in vocabulary.events:
        total, distinctive = 0.0, False
        for word in run:
            best = max(
                (s for known, s in vocabulary.similar.get(word, {}).items()
                 if known in event.words),
                default=0.0,
            )  # fmt: skip
            total += best
            distinctive = distinctive or any(
                known in event.words and known not in GENERIC and not known.isdigit()
                for known in vocabulary.similar.get(word, {})
            )
        if distinctive and total > 0:
            scored.append((total, event))
    if not scored:
        return []
    top = max(score for score, _ in scored)
    return [event for score, event in scored if score >= top - 1e-6]
