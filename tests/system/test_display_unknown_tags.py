"""Tags nobody registered (before the import, spare chips, another race on the same mats) are
normal on race day: they reach the screens without any participant lookup, and a runner
imported mid-race is named without one per batch either."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio

from p88.app import Running
from p88.db.pool import connect, open_bridge
from p88.tcp.race_sources import synthetic_race
from p88.tcp.simulator import SimOptions, run_simulation
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.system.test_display_push import DAY, RUNNERS, make_partner, seed
from tests.system.wsclient import WsClient

FIELD = 60  # runners in the race; only the first RUNNERS (24) are registered


async def field_loaded(running: Running, session_id: int) -> None:
    """The hub loads a session's field beside the first frame; wait for it."""
    with trio.fail_after(20):
        while not running.hub._contexts[session_id].field_loaded:
            await trio.sleep(0.02)


async def test_unknown_tags_reach_screens_while_participants_cannot_be_read(
    dsn: str, tmp_path: Path
) -> None:
    alpha = await make_partner(dsn, "alpha")
    demo = await seed(dsn, alpha, "RIVER RUN", "A-")
    config = make_config(dsn, tmp_path, collector={"authentication": "plaintext"})
    async with running_server(config) as running:
        page = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
        assert (await page.message())["type"] == "hello"
        await field_loaded(running, demo.session_id)
        events: list[dict[str, Any]] = []
        async with open_bridge(), connect(dsn) as blocker:
            # Anything that reads participants now waits until this transaction ends.
            await blocker.execute("BEGIN")
            await blocker.execute("LOCK TABLE participants IN ACCESS EXCLUSIVE MODE")
            try:
                opts = SimOptions(user="alpha-mat", password="pw-alpha", client_id="unknown")
                for feed in synthetic_race(FIELD, ["START", "FINISH"], 1, 5, "RIVER RUN", DAY):
                    report = await run_simulation(*running.collector, [feed], opts)
                    assert not report.problems, report.problems
                with trio.fail_after(20):
                    while len(events) < FIELD:
                        events.extend((await page.message(seconds=20))["events"])
            finally:
                await blocker.execute("ROLLBACK")
    named = {e["tag"] for e in events if e["p"] is not None}
    assert len(events) == FIELD
    assert len(named) == RUNNERS  # the registered ones still carry their names


async def test_a_runner_registered_mid_race_is_named_on_later_passings(
    dsn: str, tmp_path: Path
) -> None:
    alpha = await make_partner(dsn, "alpha")
    demo = await seed(dsn, alpha, "RIVER RUN", "A-")
    start, finish = synthetic_race(FIELD, ["START", "FINISH"], 1, 5, "RIVER RUN", DAY)
    reads = [obs for stream in finish.streams for obs in stream.observations if obs.is_read]
    last = max((r for r in reads if int(r.tag) > RUNNERS), key=lambda r: r.time).tag
    config = make_config(dsn, tmp_path, collector={"authentication": "plaintext"})
    async with running_server(config) as running:
        page = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
        assert (await page.message())["type"] == "hello"
        await field_loaded(running, demo.session_id)
        async with open_bridge(), connect(dsn) as conn:
            await conn.execute(
                "INSERT INTO participants (partner_id, event_name, bib, tag, first_name)"
                " VALUES ($1, 'RIVER RUN', $2, $2, 'Latecomer')",
                alpha,
                last,
            )
        # The start mat streams for seconds before the finish: time for the field check.
        opts = SimOptions(user="alpha-mat", password="pw-alpha", client_id="late", rate=40)
        for feed in (start, finish):
            report = await run_simulation(*running.collector, [feed], opts)
            assert not report.problems, report.problems
        events: list[dict[str, Any]] = []
        while len(events) < FIELD:
            events.extend((await page.message(seconds=20))["events"])
    latecomer = next(e for e in events if e["tag"] == last)
    assert latecomer["p"] is not None and latecomer["p"]["first"] == "Latecomer"
