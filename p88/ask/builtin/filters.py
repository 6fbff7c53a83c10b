"""Phrases that filter runners: finish times, ages, dates, bibs, genders, statuses."""

from __future__ import annotations

import re
from datetime import date

from p88.ask.builtin.slots import Range, Slots, Text, word_list
from p88.ask.builtin.text import MONTHS, NUMBER, duration, format_duration

_UNIT = r"(?:hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b"
DURATION = (
    rf"(?:\d{{1,2}}:\d{{2}}(?::\d{{2}}(?:\.\d{{1,2}})?)?|\d+h\d{{1,2}}\b|half an hour"
    rf"|{NUMBER}\s*{_UNIT}(?:\s*(?:and\s+)?{NUMBER}\s*{_UNIT})?)"
)
LESS = (
    r"(?:under|below|less than|faster than|quicker than|within|in under|in less than|breaking|"
    r"broke|break|beat|beating)"
)
MORE = r"(?:over|above|more than|slower than|longer than|beyond)"
AT_MOST = r"(?:or less|or faster|or under|or quicker|or better)"
AT_LEAST = r"(?:or more|or slower|or over|or longer)"


def times(text: Text, slots: Slots, today: date) -> None:
    for found in text.take(rf"\bbetween\s+(?P<a>{DURATION})\s+and\s+(?P<b>{DURATION})"):
        low, high = duration(found["a"]), duration(found["b"])
        if low is not None and high is not None:
            _time(slots, Range(low, high, found[0].strip()), (False, False))
    for found in text.take(rf"(?:\bat most\s+)(?P<d>{DURATION})|(?P<e>{DURATION})\s+{AT_MOST}"):
        _time(slots, Range(None, duration(found["d"] or found["e"]), found[0].strip()))
    for found in text.take(rf"(?:\bat least\s+)(?P<d>{DURATION})|(?P<e>{DURATION})\s+{AT_LEAST}"):
        _time(slots, Range(duration(found["d"] or found["e"]), None, found[0].strip()))
    for found in text.take(rf"\b{LESS}\s+(?P<d>{DURATION})"):
        _time(slots, Range(None, duration(found["d"]), found[0].strip()), (False, True))
    for found in text.take(rf"\b{MORE}\s+(?P<d>{DURATION})"):
        _time(slots, Range(duration(found["d"]), None, found[0].strip()), (True, False))
    for found in text.take(r"\bsub[- ]?(?P<n>\d{1,2}(?::\d{2})?)\b(?:\s*(?P<u>hours?|minutes?))?"):
        amount = found["n"]
        unit = found["u"] or ("hours" if ":" not in amount and int(amount) < 10 else "minutes")
        hundredths = duration(amount if ":" in amount else f"{amount} {unit}")
        _time(slots, Range(None, hundredths, found[0].strip()), (False, True))


def _time(slots: Slots, found: Range, strict: tuple[bool, bool] = (False, False)) -> None:
    if (found.low is None and found.high is None) or slots.time is not None:
        return
    slots.time, slots.time_strict = found, strict
    if found.low is not None and found.high is not None:
        said = f"time from {format_duration(found.low)} to {format_duration(found.high)}"
    elif found.high is not None:
        said = f"time {'under' if strict[1] else 'at most'} {format_duration(found.high)}"
    else:
        assert found.low is not None
        said = f"time {'over' if strict[0] else 'at least'} {format_duration(found.low)}"
    slots.understood.append(said)


DECADES = {"twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60,
           "seventies": 70, "eighties": 80}  # fmt: skip
_YEARS_OLD = r"(?:\s*(?:-|\s)?\s*years?(?:\s*-?\s*olds?)?|\s*yrs?(?:\s*old)?|\s*y/?o)"


def ages(text: Text, slots: Slots, today: date) -> None:
    aged = r"(?:\b(?:aged?|ages?)\s+)?"
    patterns = (
        (rf"\b(?:aged?|ages)\s+(?:between\s+)?(?P<a>\d{{1,3}})\s*(?:-|to|and)\s*(?P<b>\d{{1,3}})"
         rf"(?:{_YEARS_OLD})?", "range"),
        (r"\bbetween\s+(?:the\s+)?ages?\s+(?:of\s+)?(?P<a>\d{1,3})\s+and\s+(?P<b>\d{1,3})",
         "range"),
        (rf"\bbetween\s+(?P<a>\d{{1,3}})\s+and\s+(?P<b>\d{{1,3}})\s*{_YEARS_OLD}", "range"),
        (rf"\b(?P<a>\d{{1,3}})\s*(?:-|to)\s*(?P<b>\d{{1,3}})\s*{_YEARS_OLD}", "range"),
        (rf"{aged}\b(?P<a>\d{{1,3}})\s*(?:\+|and\s+(?:over|older|up)|or\s+(?:over|older|more))"
         rf"(?:{_YEARS_OLD})?", "min"),
        (rf"{aged}\b(?:over|above|older\s+than)\s+(?P<a>\d{{1,3}})(?:{_YEARS_OLD})?(?![\d:])",
         "older"),
        (rf"{aged}\b(?:under|below|younger\s+than)\s+(?P<a>\d{{1,3}})(?:{_YEARS_OLD})?(?![\d:])",
         "under"),
        (rf"{aged}\b(?P<a>\d{{1,3}})\s*(?:and|or)\s+(?:under|younger|less)(?:{_YEARS_OLD})?",
         "at_most"),
        (rf"\b(?:aged?|ages?\s+of)\s+(?P<a>\d{{1,3}})\b(?:{_YEARS_OLD})?", "exact"),
        (rf"\b(?P<a>\d{{1,3}}){_YEARS_OLD}", "exact"),
        (r"\bin\s+their\s+(?P<d>\d0)'?s\b", "decade"),
        (r"\bin\s+their\s+(?P<w>" + "|".join(DECADES) + r")\b", "decade"),
        (r"\bmasters?\b", "masters"),
    )  # fmt: skip
    for pattern, kind in patterns:
        for found in text.take(pattern):
            _age(slots, kind, found)
    label = r"(?:\bin\s+)?(?:\bthe\s+)?(?:\bage\s+groups?\s+|\bcategory\s+)?"
    for found in text.take(label + r"\b(?P<g>[mfx])\s?(?P<a>\d{1,2})\s*-\s*(?P<b>\d{1,2})\b"):
        slots.age_groups.append(f"{found['g']}{found['a']}-{found['b']}")
    for found in text.take(r"\b(?:age\s+groups?|category)\s+(?P<a>\d{1,2})\s*-\s*(?P<b>\d{1,2})"):
        _age(slots, "range", found)


def _age(slots: Slots, kind: str, found: re.Match[str]) -> None:
    groups = found.groupdict()
    a = int(groups["a"]) if groups.get("a") else None
    if kind == "decade":
        a = int(groups["d"]) if groups.get("d") else DECADES[groups["w"]]
        bounds = Range(a, a + 9)
    elif kind == "range":
        bounds = Range(a, int(groups["b"]))
    elif kind == "exact":
        bounds = Range(a, a)
    elif kind == "min":
        bounds = Range(a, None)
    elif kind == "older":
        bounds = Range(None if a is None else a + 1, None)
    elif kind == "under":
        bounds = Range(None, None if a is None else a - 1)
    elif kind == "at_most":
        bounds = Range(None, a)
    else:  # masters: 40 and over, as road running counts them
        bounds = Range(40, None)
    if slots.age is not None or (bounds.low is None and bounds.high is None):
        return
    bounds.words = found[0].strip()
    slots.age = bounds
    if bounds.low == bounds.high:
        slots.understood.append(f"aged {bounds.low}")
    elif bounds.high is None:
        slots.understood.append(f"aged {bounds.low} or more")
    elif bounds.low is None:
        slots.understood.append(f"aged {bounds.high} or less")
    else:
        slots.understood.append(f"aged {bounds.low} to {bounds.high}")


_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_YEAR = r"(?:19|20)\d\d"


def dates(text: Text, slots: Slots, today: date) -> None:
    for found in text.take(r"\b(?P<d>\d{4}-\d{2}-\d{2})\b"):
        slots.day = date.fromisoformat(found["d"])
    for found in text.take(rf"\b(?P<m>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+"
                           rf"(?P<y>{_YEAR})\b"):  # fmt: skip
        slots.day = date(int(found["y"]), MONTHS[found["m"]], int(found["d"]))
    if text.remove(r"\blast\s+year'?s?\b"):
        slots.years.append(today.year - 1)
    if text.remove(r"\bthis\s+year'?s?\b"):
        slots.years.append(today.year)
    for found in text.take(rf"\bbetween\s+(?P<a>{_YEAR})\s+and\s+(?P<b>{_YEAR})\b"):
        slots.year_range = Range(int(found["a"]), int(found["b"]), found[0].strip())
    for found in text.take(rf"\b(?:since|from)\s+(?P<a>{_YEAR})\b"):
        slots.year_range = Range(int(found["a"]), None, found[0].strip())
    for found in text.take(rf"\b(?:after)\s+(?P<a>{_YEAR})\b"):
        slots.year_range = Range(int(found["a"]) + 1, None, found[0].strip())
    for found in text.take(rf"\b(?:before|until)\s+(?P<a>{_YEAR})\b"):
        slots.year_range = Range(None, int(found["a"]) - 1, found[0].strip())
    for found in text.take(rf"\b(?P<m>{_MONTH})\.?\s+(?P<y>{_YEAR})\b"):
        slots.months.append(MONTHS[found["m"]])
        slots.years.append(int(found["y"]))
    for found in text.take(rf"\b(?P<y>{_YEAR})'?s?\b"):
        slots.years.append(int(found["y"]))
    for found in text.take(rf"\b(?:in|during)\s+(?P<m>{_MONTH})\b"):
        slots.months.append(MONTHS[found["m"]])
    slots.years = sorted(set(slots.years))


def bibs(text: Text, slots: Slots, today: date) -> None:
    pattern = (
        r"\b(?:bibs?|bib\s+numbers?|race\s+numbers?|numbers?)\s*(?:#\s*)?(?P<a>\d{1,6}[a-z]?)"
        r"(?P<more>(?:\s*(?:,|and|or|&)\s*#?\s*\d{1,6}[a-z]?)*)"
    )
    for found in text.take(pattern):
        slots.bibs += [found["a"], *re.findall(r"\d{1,6}[a-z]?", found["more"] or "")]
    for found in text.take(r"#\s*(?P<a>\d{1,6}[a-z]?)\b"):
        slots.bibs.append(found["a"])


GENDERS = (
    ("F", "women|woman|female|females|ladies|lady|girls|women's|womens|female runners"),
    ("M", "men|man|male|males|boys|guys|gentlemen|men's|mens"),
    ("X", "non-binary|nonbinary|non binary"),
)


def genders(text: Text, slots: Slots, today: date) -> None:
    for code, options in GENDERS:
        if text.remove(word_list(options)) and code not in slots.genders:
            slots.genders.append(code)
    if text.remove(r"\b(?:both\s+genders|all\s+genders)\b"):
        slots.group_by.append("gender")


STATUSES = (
    ("running", "still running|still on the course|still on course|on course|out on the course|"
                "out on course|still out|not finished yet|not yet finished"),
    ("dnf", "dnf|dnfs|dnf's|dnfed|dnf'd|did not finish|didn't finish|dropped out|did not complete|"
            "didn't complete|drop outs|dropouts|drop-outs|quit"),
    ("dns", "dns|dnss|dnses|dns's|did not start|didn't start|no-shows|no-show|no shows|no show|"
            "didn't show up|did not show up|never started|didn't turn up|did not turn up"),
    ("dq", "dq|dqs|dq's|dq'd|disqualified|disqualifications|disqualification"),
    ("finished", "finished|finish|finishers|finisher|finishing|completed|"
                 "crossed the finish line|crossed the line|made it"),
)  # fmt: skip


# "run" ends many event names ("the Harbour Run 2026"): last among the words left (a year or
# another taken phrase may follow), it is taken as part of the name, not as "started".
RUN_AS_VERB = r"(?<![\w'])run(?![\w'])(?![\s,;]*$)"


def statuses(text: Text, slots: Slots, today: date) -> None:
    for status, options in STATUSES:
        if text.remove(word_list(options)) and status not in slots.statuses:
            slots.statuses.append(status)
    started = (
        "started|starters|toed the line|crossed the start|ran|raced|competed|took part|"
        "participated|take part"
    )
    if text.remove(word_list(started)) or text.remove(RUN_AS_VERB):
        slots.started = True
    if text.remove(word_list("active|live|ongoing|current|happening now|in progress")):
        slots.event_status = "live"
    if text.remove(word_list("past|ended|closed")):
        slots.event_status = slots.event_status or "ended"
