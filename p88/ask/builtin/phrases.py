"""Phrases that say what to do: who is asking (noted only), top N and winners, grouping, the
kind of answer (count, average, compare ...), what is counted, and the phrases that name a
place, a wave or a runner (matched with the company's data later)."""

from __future__ import annotations

from datetime import date

from p88.ask.builtin.slots import Slots, Text, word_list
from p88.ask.builtin.text import NUMBER, number

_VERBS = r"(?:show|list|give|tell|find|how|what|which|who|count|compare|get|display|please)"


def claims(text: Text, slots: Slots, today: date) -> None:
    """'I'm from Big River, ...': the company comes from the sign-in, never from the words."""
    pattern = (
        r"\b(?:i'm|im|i am|we're|we are|this is|i work for|i work at|i'm with|i am with|"
        r"speaking for|on behalf of|as)\s+(?:from\s+|with\s+|at\s+)?(?P<who>[a-z0-9&'. -]+?)"
        rf"(?=\s*(?:[,;]|$|\band\b\s+{_VERBS}|\b{_VERBS}\b))"
    )
    for found in text.take(pattern):
        slots.claim = found["who"].strip(" .")


_N = rf"(?P<n>\d{{1,4}}|{NUMBER})"


def ranks(text: Text, slots: Slots, today: date) -> None:
    for found in text.take(rf"\b(?:top|first|fastest|quickest|best)\s+{_N}\b"):
        slots.top = int(number(found["n"]))
    for found in text.take(rf"\b{_N}\s+(?:fastest|quickest|best)\b"):
        slots.top = int(number(found["n"]))
    for pattern in (rf"\b(?:slowest|last)\s+{_N}\b", rf"\b{_N}\s+slowest\b"):
        for found in text.take(pattern):
            slots.top, slots.slowest = int(number(found["n"])), True
    if text.remove(r"\bpodiums?\b|\btop\s+three\b"):
        slots.top = 3
    if text.remove(r"\btop\b"):
        slots.top = slots.top or 10
    winners = "who won|winners|winner|won|win|winning times|winning time|winning|first place|" \
        "1st place|victor"
    if text.remove(word_list(winners)):
        slots.winners = True
    slowest = "slowest|last finisher|last place|last to finish|the last one|finished last|" \
        "came last|placed last|came in last"
    if text.remove(word_list(slowest)):
        slots.top, slots.slowest = slots.top or 1, True
    superlative = r"\bthe\s+(?P<m>most|fewest|least|biggest|largest|smallest)\b(?!\s+recent)"
    for found in text.take(superlative):
        slots.most = "fewest" if found["m"] in ("fewest", "least", "smallest") else "most"
    if text.remove(word_list("fastest|quickest|best time|best times|best")):
        slots.top = slots.top or 1
    if text.remove(word_list("latest|most recent|newest|last|previous|recent")):
        slots.latest = True


GROUPS = {
    "course": "course|courses|distance|distances|race distance",
    "gender": "gender|genders|sex",
    "age_group": "age group|age groups|age category|age categories|category|categories",
    "city": "city|cities|town|towns|hometown|hometowns",
    "state": "state|states|region|regions",
    "country": "country|countries|nation|nations|nationality",
    "club": "club|clubs|team|teams",
    "wave": "wave|waves|start wave|start waves",
    "event": "event|events|race|races|edition|editions",
    "year": "year|years",
    "status": "status|statuses",
    "point": "timing point|timing points|point|points|mat|mats|location|locations",
}
_GROUP_LEAD = (r"\b(?:by|per|for each|for every|each|in each|across|broken down by|grouped by|"
               r"split by|in every)\s+(?:the\s+)?")  # fmt: skip


def grouping(text: Text, slots: Slots, today: date) -> None:
    for key, options in GROUPS.items():
        # 'which club had the most runners': the club is what is grouped by
        if slots.most and text.remove(r"\bwhich\s+(?:the\s+)?" + word_list(options)):
            slots.group_by.append(key)
        if text.remove(_GROUP_LEAD + word_list(options)) and key not in slots.group_by:
            slots.group_by.append(key)


INTENTS = (
    ("count", "how many|how much|number of|count|total number|tally"),
    ("average", "average|avg|mean"),
    ("median", "median|middle time|typical time"),
    ("compare", "compare|comparison|compared|versus|vs|vs.|against|difference between"),
    ("splits", "splits|split times|split time|intermediate times|intermediate time|split"),
    ("reads", "reads|tag reads|readings|timing points|timing point|mats|mat"),
    ("when", "when was|when is|when did|what date|what day|which day|on what date"),
)
MEASURES = (
    ("age", "age|ages"),
    ("chip_time", "chip time|chip times|net time|net times|chip"),
    ("gun_time", "gun time|gun times|clock time|clock times|gross time|gun"),
    ("time", "official time|official times|finish time|finish times|finishing time|"
             "finishing times|time|times"),
)  # fmt: skip


def intents(text: Text, slots: Slots, today: date) -> None:
    for intent, options in INTENTS:
        if text.remove(word_list(options)):
            slots.intents.add(intent)
    for measure, options in MEASURES:
        if text.remove(word_list(options)) and slots.measure == "time":
            slots.measure = measure


SUBJECTS = (
    ("participants", "participants|participant|entrants|entrant|entries|registrations|"
                     "registered|signed up|entered|field"),
    ("events", "events|event|races|editions|event list|race calendar"),
    ("runners", "runners|runner|people|athletes|athlete|racers|competitors|finishers"),
)  # fmt: skip


def subjects(text: Text, slots: Slots, today: date) -> None:
    for subject, options in SUBJECTS:
        if text.has(word_list(options)) and slots.subject is None:
            slots.subject = subject
    if slots.subject == "events" and text.has(word_list("runners|runner|people|athletes")):
        slots.subject = "runners"


_STOP = (r"(?:in|at|on|who|with|aged?|that|and|or|for|during|last|this|under|over|by|per|"
         r"the|from|of|than|since|before|after|to|did|do|were|was|are|is)")  # fmt: skip
_PHRASE = rf"(?!{_STOP}\b)[a-z][a-z'.-]*(?:\s+(?!{_STOP}\b)[a-z][a-z'.-]*){{0,2}}"


def places(text: Text, slots: Slots, today: date) -> None:
    """'from X', 'living in X': X is checked against the company's places later."""
    lead = r"\b(?:from|living in|who live in|who lives in|based in|residents of|who are from)"
    for found in text.take(rf"{lead}\s+(?P<p>{_PHRASE})"):
        slots.place_phrase = found["p"]
    for found in text.take(r"\bwaves?\s+(?P<w>[a-z0-9]{1,8})\b"):
        slots.wave = found["w"]


def runner_names(text: Text, slots: Slots, today: date) -> None:
    """The phrases that ask about one runner; the name is checked against results later."""
    patterns = (
        r"\bhow\s+did\s+(?P<n>.+?)\s+do\b",
        r"\bhow\s+(?:fast|quick)\s+was\s+(?P<n>.+?)$",
        r"\bwhere\s+did\s+(?P<n>.+?)\s+(?:finish|place|come|end up)\b",
        r"\b(?:what\s+was|what\s+is|what's)\s+(?P<n>.+?)'s\s+(?:time|result|place|finish)",
        r"\b(?P<n>[a-z][a-z'-]+\s+[a-z][a-z'-]+)'s\s+(?:time|result|results|place|splits)\b",
        r"\b(?:results?|times?|splits|place)\s+(?:of|for)\s+(?P<n>.+?)(?=\s+(?:in|at|on)\b|$)",
        r"(?:^|;)\s*(?:of|for)\s+(?P<n>[a-z][a-z'-]+(?:\s+[a-z][a-z'-]+){0,3}?)"
        r"(?=\s+(?:in|at|on|from|during)\b|\s*;|\s*$)",
        r"\b(?:find|look\s+up|lookup|search\s+for|search)\s+(?!all\b|every\b|the\s+)(?P<n>.+?)"
        r"(?=\s+(?:in|at|on|from)\b|$|\s*;)",
    )  # fmt: skip
    for pattern in patterns:
        for found in text.take(pattern):
            if slots.name_phrase is None:
                slots.name_phrase = found["n"].strip(" ;,")
