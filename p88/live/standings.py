"""The standings screens show, taken from the results engine's rankings (p88.results.standings):
per course, the best `OVERALL_KEPT` overall and the best `CATEGORY_KEPT` of each gender and age
group, each runner once with their places. Pages rank nobody: they draw these lists.

A session's `Board` keeps the last standings message. The hub asks it for a new one at most
once a second (`STANDINGS_SECONDS`), and it builds one only when the engine's version changed
or a place it shows was provisional (time passing makes places final without any change);
a message equal to the last one is not sent again. Each message is encoded once for every
screen of the session that shows standings.

Message: `{"type":"standings","results":{"state","note","version","saved"},
"gun_epoch_ms":ms|null,"courses":[{"course","rank_by","finishers","overall":[bib…],
"gender":{"F":[bib…]},"age_group":{"F40-44":[bib…]}}],"runners":{bib:{…}}}`
(docs/DISPLAYS.md has the runner's fields).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from p88.live.race_clock import epoch_ms
from p88.live.results import SessionResults
from p88.live.timing import PLACE_KINDS, ms, places_json
from p88.participants.model import Participant
from p88.results.clock import Hundredths, local_datetime
from p88.results.engine import Engine
from p88.results.standings import RankingKey

STANDINGS_SECONDS = 1.0  # at most one standings message a second per session
REBUILD_SECONDS = 0.5  # and, for hellos, built again at most this often (a reconnect storm)
OVERALL_KEPT = 50  # a template's list shows at most 50 rows
CATEGORY_KEPT = 10

Person = Callable[[str], Participant | None]  # tag -> participant, when the field has one


def runner_entry(engine: Engine, bib: str, now: Hundredths, person: Person) -> dict[str, Any]:
    row = engine.row(bib)
    entrant, result, places = row.entrant, row.result, row.places
    who = person(entrant.tag)
    provisional = engine.provisional(bib, now)
    return {
        "bib": bib,
        "name": who.name if who is not None else entrant.name,
        "first": who.first_name if who is not None else "",
        "last": who.last_name if who is not None else "",
        "gender": result.gender,
        "age_group": result.age_group,
        "city": who.city if who is not None else "",
        "country": (who.country or who.state) if who is not None else "",
        "team": who.team if who is not None else "",
        "vip": who.vip if who is not None else False,
        "course": result.course,
        "gun_ms": ms(result.gun_time),
        "chip_ms": ms(result.chip_time) if result.start is not None else None,
        "ranking_ms": ms(result.ranking_time),
        "place": places_json(places),
        "provisional": {kind: provisional.get(kind, False) for kind in PLACE_KINDS},
    }


def standings_payload(results: SessionResults, person: Person) -> dict[str, Any]:
    engine = results.engine
    now = results.now()
    rankings = engine.rankings()
    runners: dict[str, dict[str, Any]] = {}
    courses = []
    for course in engine.setup.courses:
        overall = rankings.get(RankingKey(course.name, "overall", ""))
        listed: dict[str, Any] = {
            "course": course.name,
            "rank_by": course.ranking,
            "finishers": len(overall) if overall is not None else 0,
            "overall": overall.leaders(OVERALL_KEPT) if overall is not None else [],
            "gender": {},
            "age_group": {},
        }
        for key in sorted(rankings):
            if key.course == course.name and key.kind != "overall" and len(rankings[key]):
                listed[key.kind][key.value] = rankings[key].leaders(CATEGORY_KEPT)
        for bibs in (listed["overall"], *listed["gender"].values(), *listed["age_group"].values()):
            for bib in bibs:
                if bib not in runners:
                    runners[bib] = runner_entry(engine, bib, now, person)
        courses.append(listed)
    return {
        "results": {
            "state": "ready",
            "note": "",
            "version": results.version,
            "saved": results.saved,
        },
        "gun_epoch_ms": clock_of(results),
        "courses": courses,
        "runners": runners,
    }


def clock_of(results: SessionResults) -> int | None:
    """The race clock's gun: the first wave's, in epoch ms (the page's clock is epoch time)."""
    guns = [gun for gun in results.engine.guns.guns.values() if gun is not None]
    if not guns:
        return None
    return epoch_ms(local_datetime(min(guns)), results.facts.timezone)


def waiting_payload(state: str, note: str) -> dict[str, Any]:
    """No results (yet): building, or no usable setup (`note` says what to do)."""
    return {
        "results": {"state": state, "note": note, "version": None, "saved": False},
        "gun_epoch_ms": None,
        "courses": [],
        "runners": {},
    }


@dataclass(slots=True)
class Board:
    """A session's latest standings, and what was last sent to its screens."""

    payload: dict[str, Any] | None = None
    message: str = ""
    sent: str = ""
    version: int | None = None
    engine: object = None
    may_change: bool = False  # a place shown is provisional: it may become final by itself
    built_at: float = float("-inf")

    def current(
        self,
        results: SessionResults | None,
        person: Person,
        state: str,
        note: str,
        now: float | None = None,
    ) -> dict[str, Any]:
        """The standings now (built again only when they may have changed); `now` is a
        monotonic clock (time.monotonic's by default)."""
        now = time.monotonic() if now is None else now
        if results is None:
            if self.payload is None or self.payload["results"]["state"] != "ready":
                self._take(waiting_payload(state, note))  # a rebuild keeps the last ones
        elif self._stale(results, now):
            self.version, self.engine, self.built_at = results.version, results.engine, now
            payload = standings_payload(results, person)
            self.may_change = any(
                any(entry["provisional"].values()) for entry in payload["runners"].values()
            )
            self._take(payload)
        assert self.payload is not None
        return self.payload

    def _stale(self, results: SessionResults, now: float) -> bool:
        if self.payload is None or self.engine is not results.engine:
            return True
        if now - self.built_at < REBUILD_SECONDS:
            return False
        return self.may_change or self.version != results.version

    def _take(self, payload: dict[str, Any]) -> None:
        self.payload = payload
        self.message = json.dumps({"type": "standings", **payload}, separators=(",", ":"))

    def unsent(self) -> str | None:
        """The message to send, if it differs from the last one sent."""
        if self.message == self.sent:
            return None
        self.sent = self.message
        return self.message
