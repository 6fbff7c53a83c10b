"""A timing point that goes quiet mid-race is flagged on /status, the session page and the
dashboard, and the flag clears when it resumes. Real sockets, real server, real pages."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import trio

from p88.web.auth.identity import SESSION_COOKIE
from tests.conftest import make_config
from tests.system.http import get_json
from tests.system.serving import LineClient, running_server, wait_for
from tests.system.test_collector_session import fetch
from tests.system.wsclient import http_get_page
from tests.web.support import _cookie, create_partner_with_user, signed_in_client, web_app

EVENT = "21ROTM"


class Point:
    """One simulated timing point on a middleware connection: each read a new sequence."""

    def __init__(self, name: str, sequences: itertools.count[int]) -> None:
        self.name = name
        self.sequences = sequences

    def line(self) -> str:
        n = next(self.sequences)
        when = f"2021-05-08T09:{n // 60 % 60:02d}:{n % 60:02d}.00"
        return f"CT01_33~{n}~{self.name}~{self.name}{n}~{when}~1~R1~0"


async def connect_middleware(
    address: tuple[str, int], connection_id: str, points: str
) -> LineClient:
    client = await LineClient.connect(address)
    await client.send("SimpleClient~0.6.0~CTP01")
    hello = await client.line()
    await client.lines(int(hello.rsplit("~", 1)[1]))
    assert await client.line() == "getconnectionid"
    await client.send(f"ack~getconnectionid~{connection_id}")
    assert await client.line() == "geteventinfo"
    await client.send(f"ack~geteventinfo~{EVENT}~0~")
    assert await client.line() == "getlocations"
    await client.send(f"ack~getlocations~{points}")
    await client.lines(len(points.split("~")))  # start~POINT[~resume]
    return client


async def feed(
    client: LineClient, point: Point, *, task_status: Any = trio.TASK_STATUS_IGNORED
) -> None:
    """A read every 0.1 s, until cancelled."""
    task_status.started()
    while True:
        await client.send(point.line())
        await trio.sleep(0.1)


async def silent_now(status_url: str) -> list[tuple[str, str]]:
    _, document = await get_json(status_url + "/status")
    return [(p["point"], p["reason"]) for p in document["points_silent"]]


async def until_silent(status_url: str, expected: list[tuple[str, str]]) -> dict[str, Any]:
    with trio.fail_after(15):
        while True:
            _, document = await get_json(status_url + "/status")
            if [(p["point"], p["reason"]) for p in document["points_silent"]] == expected:
                return document
            await trio.sleep(0.05)


async def test_a_point_that_stops_mid_race_is_flagged_and_cleared_when_it_resumes(
    dsn: str, tmp_path: Path
) -> None:
    config = make_config(
        dsn, tmp_path / "serve", alerts={"point_silent_s": 1.0, "disconnect_grace_s": 1.0}
    )
    async with (
        running_server(config) as running,
        web_app(dsn, tmp_path / "web") as web,
        trio.open_nursery() as nursery,
    ):
        operator = await create_partner_with_user(web.pool, "default", "operator")
        client = await signed_in_client(web.app, operator)
        cookie = f"{SESSION_COOKIE}={_cookie(client, SESSION_COOKIE)}"

        async def page(path: str) -> str:
            status, body = await http_get_page(running.web_url + path, cookie=cookie)
            assert status == 200, body[:300]
            return body.decode()

        start, finish = Point("START", itertools.count(1)), Point("FINISH", itertools.count(1))
        nine = Point("9K", itertools.count(1))
        mat_a = await connect_middleware(running.collector, "mw-a", "START~FINISH")
        mat_b = await connect_middleware(running.collector, "mw-b", "9K")
        await mat_a.send(start.line(), finish.line())
        await mat_b.send(nine.line())
        await wait_for(lambda: running.stats.reads_stored == 3)
        [(session_id,)] = await fetch(dsn, "SELECT id FROM timing_sessions")

        # START goes quiet; FINISH and 9K go on sending.
        feeding = trio.CancelScope()

        async def feed_both(*, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
            with feeding:
                async with trio.open_nursery() as inner:
                    await inner.start(feed, mat_a, finish)
                    await inner.start(feed, mat_b, nine)
                    task_status.started()

        await nursery.start(feed_both)
        document = await until_silent(running.status_url, [("START", "silent")])
        [flag] = document["points_silent"]
        assert (flag["partner"], flag["event"], flag["session_id"]) == (
            "default",
            EVENT,
            session_id,
        )
        assert flag["quiet_seconds"] >= 1.0
        detail = await page(f"/sessions/{session_id}")
        assert 'data-silent-point="START"' in detail and "no reads for" in detail
        assert 'data-silent-point="FINISH"' not in detail
        assert 'data-silent-point="START"' in await page("/")

        # 9K's middleware disconnects and does not come back.
        feeding.cancel()
        await mat_b.aclose()
        with trio.fail_after(15):
            while True:
                await mat_a.send(finish.line())  # FINISH stays alive meanwhile
                now = await silent_now(running.status_url)
                if ("9K", "disconnected") in now:
                    break
                await trio.sleep(0.1)
        assert "9K" in await page(f"/sessions/{session_id}")
        assert "disconnected" in await page(f"/sessions/{session_id}")

        # START sends again, 9K's middleware reconnects and resumes: both flags clear.
        mat_b = await connect_middleware(running.collector, "mw-b", "9K")
        await mat_a.send(start.line(), finish.line())
        await mat_b.send(nine.line())
        await until_silent(running.status_url, [])
        detail = await page(f"/sessions/{session_id}")
        assert "data-silent-point" not in detail
        await mat_a.aclose()
        await mat_b.aclose()
        nursery.cancel_scope.cancel()
