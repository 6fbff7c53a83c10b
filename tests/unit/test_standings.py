"""A feed's standings without I/O: order, ties, the bound, laps and repeats, warm-up vs live."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from p88.live.feeds import Feed, FeedKey
from p88.live.passings import Passing, PassingDetector, Rules
from p88.live.standings import MIN_FINISH_MS, Standings, ranking_point

GUN = datetime(2021, 5, 8, 8, 0)
MS = timedelta(milliseconds=1)


def event(
    read_id: int,
    tag: str,
    gun_ms: int | None,
    *,
    loc: str = "FINISH",
    lap: int = 1,
    known: bool = True,
) -> dict[str, Any]:
    who = {"bib": tag, "name": f"Runner {tag}"} if known else None
    return {"id": read_id, "loc": loc, "tag": tag, "lap": lap, "gun_ms": gun_ms, "p": who}


def ids(standings: Standings) -> list[int]:
    return [e["id"] for e in standings.leaders()]


def test_ranking_point_is_the_only_point_or_the_finish() -> None:
    assert ranking_point(frozenset({"FINISH"})) == "finish"
    assert ranking_point(frozenset({"Announcer"})) == "announcer"
    assert ranking_point(None) == "finish"
    assert ranking_point(frozenset({"10K", "finish"})) == "finish"
    assert ranking_point(frozenset({"10K", "20K"})) is None
    nobody = Standings(None)
    assert not nobody.offer(event(1, "1", 3_000_000)) and len(nobody) == 0


def test_fastest_gun_time_first_and_ties_go_to_the_earlier_read() -> None:
    standings = Standings("finish")
    standings.offer_many(
        [event(5, "a", 3_000_000), event(6, "b", 2_000_000), event(7, "c", 3_000_000)]
    )
    standings.offer(event(4, "d", 3_000_000))  # arrives later, but its read came first
    assert ids(standings) == [6, 4, 5, 7]
    assert standings.ranked == 4


def test_only_the_best_k_are_kept_and_they_are_the_true_best() -> None:
    rng = random.Random(7)
    every = [event(i, str(i), rng.randrange(600_000, 9_000_000, 10)) for i in range(1, 5001)]
    standings = Standings("finish", size=200)
    standings.offer_many(every)
    best = sorted(every, key=lambda e: (e["gun_ms"], e["id"]))[:200]
    assert len(standings) == 200 and standings.ranked == 5000
    assert standings.leaders() == best


def test_each_gender_and_age_group_keeps_its_best_after_the_overall_leaders() -> None:
    rng = random.Random(11)
    every = []
    for i in range(1, 3001):
        found = event(i, str(i), rng.randrange(600_000, 9_000_000, 10))
        found["p"].update(category(i))
        if i % 500 == 0:  # a small, slow age group: its winner is far down the overall list
            found["p"]["age_group"] = "M80"
            found["gun_ms"] = 9_500_000 + i
        every.append(found)
    standings = Standings("finish", size=50, category_size=3)
    standings.offer_many(every)
    rank = sorted(every, key=lambda e: (e["gun_ms"], e["id"]))
    leaders = standings.leaders()
    assert leaders[:50] == rank[:50] == standings.overall()
    expected: dict[int, dict[str, Any]] = {}
    for kind in ("gender", "age_group"):
        for value in {e["p"][kind] for e in every}:
            for e in [e for e in rank if e["p"][kind] == value][:3]:
                if e not in rank[:50]:
                    expected[e["id"]] = e
    assert leaders[50:] == sorted(expected.values(), key=lambda e: (e["gun_ms"], e["id"]))
    assert [e["id"] for e in leaders if e["p"]["age_group"] == "M80"] == [500, 1000, 1500]


def test_fewer_than_k_ranked_sends_each_once() -> None:
    standings = Standings("finish", size=50, category_size=3)
    for i in range(1, 11):
        found = event(i, str(i), 1_000_000 + i)
        found["p"].update(category(i))
        standings.offer(found)
    assert ids(standings) == list(range(1, 11))


def test_other_points_later_laps_unknown_tags_and_no_gun_do_not_rank() -> None:
    standings = Standings("finish")
    standings.offer(event(1, "a", 3_000_000))
    standings.offer(event(2, "a", 2_500_000, lap=2))  # never moves a runner, even if faster
    standings.offer(event(3, "b", 1_000_000, loc="10K"))
    standings.offer(event(4, "c", 2_000_000, known=False))  # unknown tag: listed, not ranked
    standings.offer(event(5, "d", None))  # the wave has no gun: no time to rank by
    standings.offer(event(6, "d", 4_000_000, lap=2))
    assert ids(standings) == [1]


def test_a_walk_over_the_finish_mat_before_the_start_is_not_a_finish() -> None:
    standings = Standings("finish")
    assert not standings.offer(event(1, "a", 20_000))  # on the way to the start
    assert standings.offer(event(9, "a", 3_100_000, lap=2))  # the real finish
    assert not standings.offer(event(12, "a", 6_000_000, lap=3))
    assert ids(standings) == [9]
    assert MIN_FINISH_MS > 20_000


def test_a_repeat_read_is_no_passing_and_changes_nothing() -> None:
    feed = Feed(FeedKey(1, frozenset({"FINISH"}), Rules()), 7, "RIVER RUN", PassingDetector())
    detector = feed.detector
    first = detector.feed(1, "FINISH", "7", GUN + timedelta(minutes=40))
    repeat = detector.feed(2, "FINISH", "7", GUN + timedelta(minutes=40, seconds=2))
    assert first is not None and repeat is None
    feed.record([as_event(first)])
    assert [e["id"] for e in feed.standings.leaders()] == [1]


def as_event(passing: Passing) -> dict[str, Any]:
    gun_ms = (passing.time - GUN) // MS
    found = event(passing.read_id, passing.tag, gun_ms, loc=passing.location, lap=passing.lap)
    found["p"].update(category(int(passing.tag)))
    return found


def category(runner: int) -> dict[str, str]:
    return {"gender": "FM"[runner % 2], "age_group": f"G{runner % 7}"}


def race_reads(seed: int) -> list[tuple[int, str, str, datetime]]:
    """300 runners over START, 10K and FINISH, some walking over the finish mat first, some
    running a second lap, several reads per crossing, in read order."""
    rng = random.Random(seed)
    crossings = []
    for runner in range(300):
        tag = str(runner)
        finish = GUN + timedelta(seconds=rng.randrange(1800, 5400))
        points = [
            ("START", GUN + timedelta(seconds=rng.randrange(0, 120))),
            ("10K", finish - timedelta(seconds=rng.randrange(300, 900))),
            ("FINISH", finish),
        ]
        if runner % 17 == 0:
            points.append(("FINISH", GUN + timedelta(seconds=rng.randrange(-300, 30))))
        if runner % 11 == 0:
            points.append(("FINISH", finish + timedelta(minutes=rng.randrange(6, 40))))
        for loc, time in points:
            for _ in range(rng.randrange(1, 5)):
                crossings.append((time + timedelta(milliseconds=rng.randrange(0, 1500)), loc, tag))
    crossings.sort()
    return [(i, loc, tag, time) for i, (time, loc, tag) in enumerate(crossings, start=1)]


def test_warm_up_then_live_ranks_exactly_as_all_live() -> None:
    reads = race_reads(3)
    key = FeedKey(1, None, Rules())

    live = Feed(key, 7, "RIVER RUN", PassingDetector(), leaders_kept=50)
    assert live.standings.category_size > 0  # the categories are compared too
    for read in reads:
        passing = live.detector.feed(*read)
        if passing is not None:
            live.record([as_event(passing)])

    for cut in (0, len(reads) // 3, len(reads) - 5, len(reads)):
        # What the hub does: history through the detector and `offer_passings`, then batches.
        warm = Feed(key, 7, "RIVER RUN", PassingDetector(), leaders_kept=50)
        history = warm.detector.feed_many(reads[:cut])
        standings = warm.new_standings()
        standings.offer_passings([p for p in history if standings.at_point(p.location)], as_event)
        warm.standings = standings
        for read in reads[cut:]:
            passing = warm.detector.feed(*read)
            if passing is not None:
                warm.record([as_event(passing)])
        assert warm.standings.leaders() == live.standings.leaders()
        assert warm.standings.ranked == live.standings.ranked == 300
    # The walkers over the finish mat rank by their real finish, not the walk.
    assert all(e["gun_ms"] >= 1_800_000 for e in live.standings.leaders())


def test_the_page_uses_the_same_k_and_minimum_finish_time() -> None:
    import re
    from pathlib import Path

    from p88.live import standings

    script = Path(standings.__file__).parents[1] / "web/static/display/standings.js"
    text = script.read_text()
    for name in ("LEADERS_KEPT", "MIN_FINISH_MS"):
        found = re.search(rf"export const {name} = ([\d_]+);", text)
        assert found is not None, name
        assert int(found.group(1).replace("_", "")) == getattr(standings, name)
