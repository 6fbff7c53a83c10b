"""What screens are told of times, places and standings, without I/O: all from the results
engine (p88.live.timing, p88.live.standings), with "provisional" as docs/RESULTS.md defines it
(a place may still change while someone in that ranking could beat it)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import trio

from p88.db.results import SessionFacts
from p88.live.enrich import SessionContext
from p88.live.passings import Passing
from p88.live.results import SessionResults
from p88.live.results_link import RETRY_SECONDS, ResultsLink
from p88.live.standings import CATEGORY_KEPT, Board, standings_payload
from p88.live.timing import PointMap, event_times
from p88.participants.model import Participant
from p88.results.clock import SECOND, hundredths
from p88.results.corrections import SetStatus
from p88.results.engine import Engine
from p88.results.model import Entrant, Read
from p88.results.setup import Course, GunLine, Setup

# The race is happening now: "provisional" depends on the event's clock.
NOW = datetime.now(UTC).replace(tzinfo=None)
GUN = NOW - timedelta(minutes=60)
WAVE_2 = NOW - timedelta(minutes=45)
WINDOW = 5 * SECOND
COURSE = Course("10K", finish="FINISH", start="START", min_time=10 * 60 * SECOND)


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def read(tag: str, location: str, when: datetime) -> Read:
    return Read(tag, location, hundredths(when))


def session(*reads: Read, saved: bool = True) -> SessionResults:
    """Runners 1 (wave 1) and 2, 3 (wave 2) of a chip-timed 10K."""
    entrants = [
        Entrant("1", "T1", "Ada One", "F", 41, wave="1"),
        Entrant("2", "T2", "Bo Two", "M", 35, wave="2"),
        Entrant("3", "T3", "Cy Three", "F", 42, wave="2"),
    ]
    lines = [GunLine(1, hundredths(GUN), "START"), GunLine(2, hundredths(WAVE_2), "START")]
    engine = Engine(Setup(courses=(COURSE,)), entrants, lines, (), reads)
    locations = ("START", "FINISH")
    facts = SessionFacts(1, 7, "RIVER RUN", "River Run", date.today(), "UTC", "live", locations)
    return SessionResults(facts, engine, saved, {}, 0, (3, None), {1, 2})


def passing(tag: str, location: str, when: datetime) -> Passing:
    return Passing(1, location, tag, when, 1)


def test_times_count_from_the_runners_own_wave_gun_and_start() -> None:
    results = session(read("T2", "START", ago(44)), read("T2", "START", ago(43.5)))
    split = event_times(results, "2", "10K-MAT", ago(20), WINDOW, PointMap())
    assert split.gun_ms == 25 * 60_000  # from wave 2's gun, not the first one
    assert split.chip_ms == round(23.5 * 60_000)  # from their last start read
    assert split.result is None  # not a finish: no place
    assert (split.gender, split.age_group) == ("M", "M35-39")


def test_a_finish_is_placed_provisionally_while_someone_out_could_beat_it() -> None:
    results = session(
        read("T1", "START", ago(59)),
        read("T1", "FINISH", ago(20)),  # chip time 39 minutes
        read("T2", "START", ago(30)),  # out for 30 minutes: could still do better than 39
    )
    finish = event_times(results, "1", "FINISH", ago(20) + timedelta(seconds=1), WINDOW, PointMap())
    assert finish.result is not None
    assert (finish.gun_ms, finish.chip_ms) == (40 * 60_000, 39 * 60_000)
    assert finish.result["place"] == {"overall": 1, "gender": 1, "age_group": 1}
    # Runner 2 (out) could beat it overall; runner 3 (F40-44, not started) in every ranking.
    assert finish.result["provisional"] == {"overall": True, "gender": True, "age_group": True}
    assert finish.result["ranking_ms"] == 39 * 60_000 and finish.result["of"] == 1
    # Runner 2 finishes faster after all: the place was indeed not final.
    results.engine.add_read(read("T2", "FINISH", ago(1)))  # chip 29 minutes
    moved = event_times(results, "1", "FINISH", ago(20), WINDOW, PointMap())
    assert moved.result is not None and moved.result["place"]["overall"] == 2
    # Runner 3 never started; on a chip-timed course whose start never closes they still
    # could, so the place stays provisional until the timer says they will not (DNS).
    assert moved.result["provisional"]["overall"] is True
    results.engine.apply(SetStatus(1, "3", "dns", "did not start"))
    final = event_times(results, "1", "FINISH", ago(20), WINDOW, PointMap())
    assert final.result is not None and final.result["provisional"]["overall"] is False
    assert final.result["of"] == 2


def test_a_later_crossing_of_the_finish_mat_is_not_the_finish() -> None:
    results = session(read("T1", "START", ago(59)), read("T1", "FINISH", ago(20)))
    later = event_times(results, "1", "FINISH", ago(12), WINDOW, PointMap())
    assert later.result is None and later.gun_ms == 48 * 60_000


def test_no_result_for_a_bib_the_engine_does_not_know() -> None:
    results = session()
    assert event_times(results, "99", "FINISH", ago(1), WINDOW, PointMap()).gun_ms is None


def context() -> SessionContext:
    ctx = SessionContext(7, 1, "RIVER RUN")
    for bib, first, city in (("1", "Ada", "Lund"), ("2", "Bo", "Umeå"), ("3", "Cy", "Visby")):
        ctx.participants[f"T{bib}"] = Participant(
            bib,
            f"T{bib}",
            first,
            "X",
            city=city,
            vip=bib == "3",
            id=int(bib),
            event_name="RIVER RUN",
        )
    return ctx


def test_events_carry_the_engines_times_and_category() -> None:
    ctx = context()
    results = session(read("T1", "START", ago(59)), read("T1", "FINISH", ago(20)))
    event = ctx.event(passing("T1", "FINISH", ago(20)), results, WINDOW)
    assert event["gun_ms"] == 40 * 60_000 and event["r"]["place"]["overall"] == 1
    assert event["p"]["age_group"] == "F40-44"  # as the results count it (the file had none)
    assert event["p"]["city"] == "Lund"
    # Without results (not built, or no usable setup) there are no times, never guessed ones.
    bare = ctx.event(passing("T1", "FINISH", ago(20)), None, WINDOW)
    assert bare["gun_ms"] is None and bare["chip_ms"] is None and "r" not in bare


def test_standings_are_the_engines_rankings_with_each_runner_once() -> None:
    ctx = context()
    results = session(
        read("T1", "START", ago(59)),
        read("T1", "FINISH", ago(20)),
        read("T3", "START", ago(44)),
        read("T3", "FINISH", ago(10)),  # chip 34 minutes: first
        read("T2", "START", ago(44)),
    )
    payload = standings_payload(results, ctx.person)
    (course,) = payload["courses"]
    assert course["course"] == "10K" and course["rank_by"] == "chip"
    assert course["overall"] == ["3", "1"] and course["finishers"] == 2
    assert course["gender"] == {"F": ["3", "1"]}
    assert course["age_group"] == {"F40-44": ["3", "1"]}
    assert set(payload["runners"]) == {"1", "3"}
    first = payload["runners"]["3"]
    assert first["ranking_ms"] == 34 * 60_000 and first["place"]["overall"] == 1
    assert first["vip"] is True and first["city"] == "Visby"
    assert payload["runners"]["1"]["place"] == {"overall": 2, "gender": 2, "age_group": 2}
    assert CATEGORY_KEPT >= 2


def test_a_board_sends_a_message_only_when_the_standings_changed() -> None:
    ctx = context()
    results = session(read("T1", "START", ago(59)), read("T1", "FINISH", ago(20)))
    board = Board()
    waiting = board.current(None, ctx.person, "building", "", now=0.0)
    assert waiting["results"]["state"] == "building" and waiting["courses"] == []
    assert json.loads(board.unsent() or "")["type"] == "standings"
    assert board.unsent() is None  # sent already
    first = board.current(results, ctx.person, "ready", "", now=1.0)
    assert first["courses"][0]["overall"] == ["1"]
    assert board.unsent() is not None
    # Runners 2 and 3 are still out (provisional places): built again, but the same message.
    assert board.current(results, ctx.person, "ready", "", now=2.0) == first
    assert board.unsent() is None
    results.changed(results.engine.add_read(read("T3", "START", ago(44))))
    results.changed(results.engine.add_read(read("T3", "FINISH", ago(10))))
    # Hellos in a burst share one build (REBUILD_SECONDS); the next tick has the change.
    assert board.current(results, ctx.person, "ready", "", now=2.1) == first
    moved = board.current(results, ctx.person, "ready", "", now=3.0)
    assert moved["courses"][0]["overall"] == ["3", "1"]
    assert json.loads(board.unsent() or "")["courses"][0]["overall"] == ["3", "1"]
    # While the engine is rebuilt (none for a moment), the last standings stay.
    assert board.current(None, ctx.person, "building", "", now=4.0) == moved


async def test_the_hub_asks_for_results_when_a_new_point_may_change_them(
    autojump_clock: trio.abc.Clock,
) -> None:
    link = ResultsLink()
    assert link.build_needed(None, ["START"]) == "get"  # a feed started: no build yet
    link.begin()
    assert link.holding() and link.build_needed(None, ["START"]) is None
    link.end("none", "no point named like a finish")
    # No usable setup: reads at known points ask for nothing (a build reads every read)...
    assert link.build_needed(None, ["START"]) is None
    await trio.sleep(RETRY_SECONDS)
    assert link.build_needed(None, ["START"]) is None
    # ...a new point may make one usable.
    assert link.build_needed(None, ["START", "FINISH"]) == "get"
    link.begin()
    link.end(None)  # the database was down: tried again a while later
    assert link.build_needed(None, ["FINISH"]) is None
    await trio.sleep(RETRY_SECONDS)
    assert link.build_needed(None, ["FINISH"]) == "get"
    # Built from a suggested setup: a point it did not know makes it suggest again; a saved
    # setup is the timer's and stays.
    link.begin()
    link.end("ready")
    assert link.build_needed(session(saved=False), ["FINISH"]) is None
    assert link.build_needed(session(saved=True), ["5K"]) is None
    assert link.build_needed(session(saved=False), ["10K"]) == "rebuild"
    assert not link.holding()
