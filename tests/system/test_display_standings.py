"""Standings and results on the screens come from the results engine, end to end: a three-wave
race (each wave started by its own gun) whose leaderboard, opened after the race, ranks every
finisher by chip time (the suggested setup has a start point) exactly as the stored reads say,
and whose finish passings carry their times from the runner's own wave gun and start crossing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import trio

from p88.app import Running
from p88.db.pool import connect, open_bridge, open_pool
from p88.demo import DemoDisplay, seed_race_display
from p88.live.standings import CATEGORY_KEPT
from p88.tcp.race_sources import synthetic_race
from p88.tcp.simulator import SimOptions, run_simulation
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.system.test_display_push import DAY, make_partner, rename_runners, results_built
from tests.system.wsclient import WsClient

RUNNERS = 30
WAVES = 3
MINIMUM = timedelta(minutes=1)  # the minimum finish time of a setup nobody changed


@dataclass(frozen=True)
class Expected:
    bib: str
    gun_ms: int
    chip_ms: int
    gender: str
    age_group: str


def five_year_band(gender: str, age: int) -> str:
    """The default age groups (docs/RESULTS.md, [age-groups])."""
    if age < 20:
        return f"{gender}0-19"
    if age >= 80:
        return f"{gender}80+"
    low = age // 5 * 5
    return f"{gender}{low}-{low + 4}"


def ms(delta: timedelta) -> int:
    return delta // timedelta(milliseconds=1)


async def expected_results(dsn: str, session_id: int) -> list[Expected]:
    """Each runner's times from the stored reads, by the rules of docs/RESULTS.md: wave k runs
    from the k-th gun; the finish is the first FINISH read a minute after it, the start the
    last START read from the gun to a minute before the finish. Fastest chip time first."""
    async with open_bridge(), connect(dsn) as conn:
        guns = [r["local_time"] for r in await conn.fetch(
            "SELECT local_time FROM gun_times WHERE session_id = $1 ORDER BY local_time",
            session_id,
        )]  # fmt: skip
        people = await conn.fetch(
            "SELECT p.bib, p.tag, p.wave, p.gender, p.age FROM participants p"
            " JOIN timing_sessions s ON s.event_name = p.event_name"
            " AND s.partner_id = p.partner_id WHERE s.id = $1",
            session_id,
        )
        reads = await conn.fetch(
            "SELECT l.name, r.tag, r.local_time FROM timing_reads r"
            " JOIN timing_locations l ON l.id = r.location_id WHERE r.session_id = $1",
            session_id,
        )
    assert len(guns) == WAVES
    times: dict[tuple[str, str], list[datetime]] = {}
    for read in reads:
        times.setdefault((read["name"], read["tag"]), []).append(read["local_time"])
    found = []
    for person in people:
        gun = guns[int(person["wave"]) - 1]
        finishes = [t for t in times.get(("FINISH", person["tag"]), []) if t >= gun + MINIMUM]
        if not finishes:
            continue
        finish = min(finishes)
        starts = times.get(("START", person["tag"]), [])
        start = max(t for t in starts if gun <= t <= finish - MINIMUM)
        group = five_year_band(person["gender"], person["age"])
        found.append(
            Expected(person["bib"], ms(finish - gun), ms(finish - start), person["gender"], group)
        )
    return sorted(found, key=lambda e: (e.chip_ms, e.bib))


async def seed(dsn: str, partner_id: int) -> DemoDisplay:
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        demo = await seed_race_display(
            pool,
            partner_id,
            event="RIVER RUN",
            day=DAY,
            timezone="UTC",
            runners=RUNNERS,
            waves=WAVES,
            mode="leaderboard",
            name="Leaders",
        )
        await rename_runners(pool, partner_id, "RIVER RUN", "A-")
    return demo


async def race(running: Running) -> None:
    """The start mat (with the three guns) first, then the finish."""
    options = SimOptions(
        user="alpha-mat", password="pw-alpha", client_id="waves", linger=0.2, retry_seconds=0.1
    )
    for feed in synthetic_race(RUNNERS, ["START", "FINISH"], WAVES, 7, "RIVER RUN", DAY):
        report = await run_simulation(*running.collector, [feed], options)
        assert not report.problems, report.problems


def check_standings(standings: dict[str, Any], expected: list[Expected]) -> None:
    assert standings["results"]["state"] == "ready"
    (course,) = standings["courses"]
    assert course["rank_by"] == "chip" and course["finishers"] == len(expected)
    runners = standings["runners"]
    assert course["overall"] == [e.bib for e in expected]  # fewer than OVERALL_KEPT: all
    place = 0
    for index, e in enumerate(expected):
        entry = runners[e.bib]
        if index == 0 or e.chip_ms != expected[index - 1].chip_ms:
            place = index + 1  # equal times share a place
        assert (entry["gun_ms"], entry["chip_ms"], entry["ranking_ms"]) == (
            e.gun_ms,
            e.chip_ms,
            e.chip_ms,
        )
        assert entry["place"]["overall"] == place
        assert (entry["gender"], entry["age_group"]) == (e.gender, e.age_group)
        assert entry["name"].startswith("A-")
    for kind, of in (("gender", lambda e: e.gender), ("age_group", lambda e: e.age_group)):
        values = {of(e) for e in expected}
        assert set(course[kind]) == values
        for value in values:
            best = [e.bib for e in expected if of(e) == value][:CATEGORY_KEPT]
            assert course[kind][value] == best
            assert [runners[bib]["place"][kind] for bib in best] == list(range(1, len(best) + 1))


async def test_a_leaderboard_ranks_a_three_wave_race_as_the_results_do(
    dsn: str, tmp_path: Path
) -> None:
    alpha = await make_partner(dsn, "alpha")
    demo = await seed(dsn, alpha)
    path = f"/d/{demo.token}/ws"
    config = make_config(dsn, tmp_path, collector={"authentication": "plaintext"})
    async with running_server(config) as running:
        running.hub.ring_size = 5  # far fewer than the finishers
        early = await WsClient.connect(running.web_url, path)
        hello = await early.message()
        assert hello["standings"]["courses"] == []  # nothing to rank yet
        await race(running)
        expected = await expected_results(dsn, demo.session_id)
        assert len(expected) == RUNNERS
        # The open leaderboard gets the standings as they change, the last one complete.
        messages: list[dict[str, Any]] = []
        live: list[dict[str, Any]] = []
        with trio.fail_after(30):
            while not messages or sum(c["finishers"] for c in messages[-1]["courses"]) < RUNNERS:
                message = await early.message(seconds=30)
                (messages if message["type"] == "standings" else live).append(message)
        check_standings(messages[-1], expected)
        # A leaderboard opened after the race: the same standings in its hello.
        late = await WsClient.connect(running.web_url, path)
        hello = await late.message()
        assert [e["id"] for e in hello["events"]] == sorted(e["id"] for e in hello["events"])
        check_standings(hello["standings"], expected)
        # Finish passings carry their result: times from the runner's own wave and start.
        by_bib = {e.bib: e for e in expected}
        finishes = [e for m in live for e in m["events"] if e["loc"] == "FINISH"]
        finishes += [e for e in hello["events"] if e["loc"] == "FINISH"]
        assert finishes
        for event in finishes:
            want = by_bib[event["p"]["bib"]]
            assert (event["gun_ms"], event["chip_ms"]) == (want.gun_ms, want.chip_ms)
            assert event["r"]["ranking_ms"] == want.chip_ms and event["r"]["rank_by"] == "chip"
        for event in hello["events"]:  # a hello's history is placed as the results are now
            assert event["r"]["place"] == hello["standings"]["runners"][event["p"]["bib"]]["place"]
        for client in (early, late):
            await client.aclose()
    # After a restart the results are built again from what is stored: the same standings.
    async with running_server(config) as running:
        await results_built(running, demo)
        again = await WsClient.connect(running.web_url, path)
        check_standings((await again.message())["standings"], expected)
        await again.aclose()
