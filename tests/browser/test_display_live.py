"""A display bound to a live simulated session, in headless Debian chromium.

The first half of a race arrives over CTP01 while three display pages are open (built-in finish
call-out, the same bound to a template, announcer). Then the server is stopped (every websocket
dies server side) and started again on the same ports, and the rest of the race arrives. The
finish page must show the runners with their right names and times (chip time first: with a
start mat the results rank by it), say it is offline while
the server is away, reconnect by itself, and end with every passing exactly once.
"""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import trio

from p88.db.partners import partner_by_slug
from p88.db.pool import connect, open_bridge, open_pool
from p88.db.templates import create_template
from p88.db.tenancy import tenant_transaction
from p88.demo import demo_participants, seed_race_display
from p88.displays.options import DisplayOptions
from p88.layouts.presets import sample_document
from p88.tcp.race_sources import PointFeed, synthetic_race
from p88.tcp.simulator import SimOptions, run_simulation
from tests.browser.chromium import browser_driver, requires_chromium
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.system.test_display_push import expected_chip_ms

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2021, 5, 8)
EVENT = "HARBOUR 10K"
RUNNERS = 30
OPTIONS = SimOptions(client_id="browser-test", linger=0.2, retry_seconds=0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def first_half(feeds: list[PointFeed]) -> tuple[list[PointFeed], int]:
    """The start mat in full and the first half of the finish; how many runners finished."""
    start, finish = feeds
    stream = finish.streams[0]
    cut = len(stream.observations) // 2
    half = replace(stream, observations=stream.observations[:cut])
    finished = len({obs.tag for obs in half.observations if obs.is_read})
    return [start, replace(finish, streams=(half,))], finished


def elapsed_text(ms: int) -> str:
    """As the page formats a time (p88/web/static/display/format.js)."""
    total = ms // 1000
    h, m, s = total // 3600, total % 3600 // 60, total % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@requires_chromium
async def test_display_shows_live_crossings_and_survives_a_server_restart(
    dsn: str, tmp_path: Path
) -> None:
    pytest.importorskip("playwright")
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        async with pool.acquire() as conn:
            partner = await partner_by_slug(conn, "default")  # anonymous middleware's partner
        assert partner is not None
        async with tenant_transaction(pool, partner.id) as conn:
            template_id = await create_template(
                conn, partner.id, "Finish", sample_document("finish"), "test"
            )
        common: dict[str, Any] = {
            "event": EVENT,
            "day": DAY,
            "timezone": "UTC",
            "runners": RUNNERS,
            "waves": 1,
        }
        quick = DisplayOptions(min_on_screen_ms=400, group_window_ms=400, max_queue=40)
        finish = await seed_race_display(pool, partner.id, options=quick, **common)
        templated = await seed_race_display(
            pool, partner.id, template_id=template_id, options=quick, **common
        )
        announcer = await seed_race_display(
            pool, partner.id, mode="announcer", name="Announcer", **common
        )
    feeds = synthetic_race(RUNNERS, ["START", "FINISH"], 1, 4, EVENT, DAY)
    part_one, mid = first_half(feeds)
    web, collector = free_port(), free_port()
    config = make_config(
        dsn,
        tmp_path,
        web={"bind": f"127.0.0.1:{web}"},
        collector={"bind": f"127.0.0.1:{collector}"},
    )
    base = f"http://127.0.0.1:{web}/d/"
    args = [base + finish.token, base + templated.token, base + announcer.token, str(mid)]
    async with browser_driver("tests.browser.display_driver", *args, str(RUNNERS)) as driver:
        async with running_server(config) as running:
            assert await driver.line(60) == "READY"
            # The start mat and its gun first, as at a real race: ingest runs in parallel
            # shards, so in a replay at full speed a finish could otherwise be stored before
            # the gun that gives it a race time.
            report = await run_simulation(*running.collector, part_one[:1], OPTIONS)
            assert not report.problems
            with trio.fail_after(30):
                while running.stats.gun_times_stored < 1:
                    await trio.sleep(0.05)
            report = await run_simulation(*running.collector, part_one[1:], OPTIONS)
            assert not report.problems
            assert await driver.line(60) == "SHOT"
        # The server is gone, and every websocket with it.
        assert await driver.line(60) == "OFFLINE"
        async with running_server(config) as running:
            report = await run_simulation(*running.collector, feeds, OPTIONS)
            assert not report.problems
            summary = json.loads(await driver.line(120))
        await driver.finished()
    assert summary["errors"] == []
    # The announcer: a bib search finds that runner, a tap highlights them, and the highlight
    # stays when the search is cleared and every arrival is listed again.
    announcer_seen = summary["announcer"]
    found = announcer_seen["found"]
    assert found and all(row.startswith(announcer_seen["bib"]) for row in found)
    assert len(found) < RUNNERS
    assert announcer_seen["starred"] == 1 and announcer_seen["starred_after_clear"] == 1
    assert announcer_seen["listed"] == RUNNERS
    # Offline: said so discreetly, kept the last athletes on screen (never blank).
    assert summary["badge_offline"].startswith("Offline")
    assert summary["cards_while_offline"] > 0
    assert summary["link"] == "live" and summary["badge_after"] is True
    # Every runner's finish passing exactly once, in order: no gap, no replay.
    async with open_bridge(), connect(dsn) as conn:
        rows = await conn.fetch(
            "SELECT DISTINCT ON (r.tag) r.id, r.tag, r.local_time FROM timing_reads r"
            " JOIN timing_locations l ON l.id = r.location_id"
            " WHERE r.session_id = $1 AND l.name = 'FINISH' ORDER BY r.tag, r.id",
            finish.session_id,
        )
        chips = await expected_chip_ms(conn, finish.session_id, [{"id": r["id"]} for r in rows])
    expected = sorted(row["id"] for row in rows)
    assert len(expected) == RUNNERS
    assert summary["duplicates"] == 0
    assert sorted(summary["ids"]) == expected and len(set(summary["ids"])) == RUNNERS
    # What was on screen: the right runner's name and chip time for each card.
    people = {p.bib: f"{p.first_name} {p.last_name}" for p in demo_participants(RUNNERS, 1)}
    by_id = {row["id"]: row for row in rows}
    shown = summary["shown"]
    assert len(shown) >= mid // 2, shown
    for event_id, (name, time_text, bib) in shown.items():
        row = by_id[int(event_id)]
        assert bib == row["tag"] and name == people[row["tag"]]
        assert time_text == elapsed_text(chips[row["id"]])
