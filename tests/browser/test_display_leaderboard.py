"""Leaderboards in headless Debian chromium, opened after the race with a feed ring far smaller
than the field: the built-in leaderboard and a template's top-N element both show the results
engine's standings of the whole race, not the last few arrivals; and when the timer enters a
manual finish time, the runner moves on both screens without a reload."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from p88.db.pool import connect, open_bridge, open_pool
from p88.db.results import add_correction
from p88.db.templates import create_template
from p88.db.tenancy import tenant_transaction
from p88.demo import seed_race_display
from p88.layouts.presets import sample_document
from p88.results.clock import hundredths
from p88.results.corrections import ManualTime
from p88.results.document import correction_of, row_of
from tests.browser.chromium import browser_driver, requires_chromium
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.system.test_display_push import DAY, RUNNERS, make_partner, replay
from tests.system.wsclient import WsClient

pytestmark = pytest.mark.browser

ROWS = 10  # both leaderboards show the top 10


def elapsed_text(ms: int) -> str:
    """As the page formats a time (p88/web/static/display/format.js)."""
    total = ms // 1000
    h, m, s = total // 3600, total % 3600 // 60, total % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def shown(standings: dict[str, Any]) -> list[list[str]]:
    """The top ROWS as the built-in leaderboard shows them: place, name, ranking time."""
    (course,) = standings["courses"]
    runners = standings["runners"]
    return [
        [str(runners[bib]["place"]["overall"]), runners[bib]["name"],
         elapsed_text(runners[bib]["ranking_ms"])]
        for bib in course["overall"][:ROWS]
    ]  # fmt: skip


async def faster_than_the_winner(
    dsn: str, partner: int, session_id: int, standings: dict[str, Any], bib: str
) -> ManualTime:
    """A manual finish time for `bib` one second faster (chip time) than the winner's: stored
    as the corrections page stores it."""
    (course,) = standings["courses"]
    winner, runner = (standings["runners"][b] for b in (course["overall"][0], bib))
    async with open_bridge(), connect(dsn) as conn:
        gun: datetime = await conn.fetchval(
            "SELECT local_time FROM gun_times WHERE session_id = $1", session_id
        )
        finish = gun + timedelta(milliseconds=runner["gun_ms"])
        faster = runner["ranking_ms"] - winner["ranking_ms"] + 1000
        stored = row_of(ManualTime(0, bib, "FINISH", hundredths(finish) - faster // 10))
        new_id = await add_correction(conn, partner, session_id, stored, None, "photo", None)
    return ManualTime(new_id, bib, "FINISH", stored[2]["time"])


@requires_chromium
async def test_leaderboards_show_the_results_and_follow_a_correction(
    dsn: str, tmp_path: Path
) -> None:
    pytest.importorskip("playwright")
    alpha = await make_partner(dsn, "alpha")
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        async with tenant_transaction(pool, alpha) as conn:
            template_id = await create_template(
                conn, alpha, "Leaders", sample_document("results"), "test"
            )
        common: dict[str, Any] = {
            "event": "RIVER RUN",
            "day": DAY,
            "timezone": "UTC",
            "runners": RUNNERS,
            "waves": 1,
            "mode": "leaderboard",
        }
        built_in = await seed_race_display(pool, alpha, name="Leaders", **common)
        templated = await seed_race_display(
            pool, alpha, name="Leaders TV", template_id=template_id, **common
        )
    config = make_config(dsn, tmp_path, collector={"authentication": "plaintext"})
    async with running_server(config) as running:
        running.hub.ring_size = 3  # the pages' history alone holds 3 of the 24 finishers
        await replay(running, "alpha", "RIVER RUN", 1)
        probe = await WsClient.connect(running.web_url, f"/d/{built_in.token}/ws")
        hello = await probe.message()
        await probe.aclose()
        standings = hello["standings"]
        assert len(hello["events"]) == 3 and standings["courses"][0]["finishers"] == RUNNERS
        tenth = standings["courses"][0]["overall"][ROWS - 1]
        name = standings["runners"][tenth]["name"]
        base = f"{running.web_url}/d/"
        args = (base + built_in.token, base + templated.token, str(ROWS), name)
        async with browser_driver("tests.browser.leaderboard_driver", *args) as driver:
            before = json.loads(await driver.line(90))
            correction = await faster_than_the_winner(
                dsn, alpha, built_in.session_id, standings, tenth
            )
            assert running.hub.results is not None
            running.hub.results.apply(built_in.session_id, correction_of(
                correction.id, "manual_time", tenth, row_of(correction)[2]
            ))  # fmt: skip
            after = json.loads(await driver.line(90))
            await driver.finished()
        probe = await WsClient.connect(running.web_url, f"/d/{built_in.token}/ws")
        corrected = (await probe.message())["standings"]
        await probe.aclose()
    for seen in (before, after):
        assert seen["errors"] == []
    assert before["built_in"] == shown(standings)
    assert before["templated"] == [row[:2] for row in shown(standings)]
    # The tenth is first now, one second ahead of the old winner; the rest moved down one.
    assert corrected["courses"][0]["overall"][:ROWS] == [tenth] + [
        row for row in standings["courses"][0]["overall"][: ROWS - 1]
    ]
    assert after["built_in"] == shown(corrected)
    assert after["built_in"][0][:2] == ["1", name]
    assert [row[1] for row in after["built_in"][1:]] == [row[1] for row in before["built_in"][:-1]]
    assert after["templated"] == [row[:2] for row in shown(corrected)]
