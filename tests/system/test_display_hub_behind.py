"""The display hub falls behind: every screen is told 4000 (resync), comes back with the last
event id it showed, and gets what it missed from the database, then the live passings: no gap,
no passing twice.

Falling behind is the hub's inbox holding more than INBOX_BATCHES unprocessed batches. The test
lowers that threshold to 0 while the first runners finish (every batch then counts as falling
behind), then puts it back; the hub's code is what runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import trio

import p88.hub
from p88.db.pool import open_bridge, open_pool
from p88.demo import seed_race_display
from tests.conftest import make_config
from tests.system.serving import LineClient, running_server, wait_for
from tests.system.test_collector_session import handshake
from tests.system.wsclient import WsClient, WsClosed

RUNNERS = 20
BEHIND = 10  # the first runners finish while the hub counts as behind
RESYNC = 4000


class Screen:
    """A display page's socket as connection.js runs it: on a close it reconnects, asking for
    what came after the last event it showed."""

    def __init__(self, web_url: str, token: str) -> None:
        self.web_url, self.token = web_url, token
        self.events: list[dict[str, Any]] = []
        self.closes: list[int] = []
        self.hellos = 0

    async def run(self) -> None:
        while True:
            after = f"?after={self.events[-1]['id']}" if self.events else ""
            try:
                page = await WsClient.connect(self.web_url, f"/d/{self.token}/ws{after}")
                hello = await page.message()
                assert hello["type"] == "hello"
                self.hellos += 1
                self.events.extend(hello["events"])
                while True:
                    message = await page.message(seconds=60)
                    if message["type"] == "passings":
                        self.events.extend(message["events"])
            except WsClosed as closed:
                self.closes.append(closed.code)


def finish(sequence: int) -> str:
    return f"CT01_33~{sequence}~FINISH~{sequence}~2021-05-08T09:10:{sequence:02d}.00~1~12000C~1"


async def test_screens_told_to_resync_resume_without_gaps(
    dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        async with pool.acquire() as conn:
            default = await conn.fetchval("SELECT id FROM partners WHERE slug = 'default'")
        demo = await seed_race_display(
            pool,
            default,
            event="21ROTM",
            day=date(2021, 5, 8),
            timezone="UTC",
            runners=RUNNERS,
            waves=1,
        )
    async with running_server(make_config(dsn, tmp_path)) as running:
        screen = Screen(running.web_url, demo.token)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(screen.run)
            await wait_for(lambda: screen.hellos == 1)
            client = await LineClient.connect(running.collector)
            await handshake(client, "FINISH")

            monkeypatch.setattr(p88.hub, "INBOX_BATCHES", 0)
            for runner in range(1, BEHIND + 1):
                await client.send(finish(runner))
                await wait_for(lambda: len(screen.events) >= runner, timeout=20)
            assert screen.closes.count(RESYNC) >= BEHIND  # each batch: told, came back

            monkeypatch.setattr(p88.hub, "INBOX_BATCHES", 2000)
            resumes = screen.hellos
            await client.send(*(finish(runner) for runner in range(BEHIND + 1, RUNNERS + 1)))
            await wait_for(lambda: len(screen.events) >= RUNNERS, timeout=20)
            assert screen.hellos == resumes  # live again: no more resyncs
            await client.aclose()
            nursery.cancel_scope.cancel()
    tags = [int(event["tag"]) for event in screen.events]
    assert tags == list(range(1, RUNNERS + 1))  # every passing once, in order
    assert {event["p"]["bib"] for event in screen.events} == {str(t) for t in tags}
