"""The push stream end to end: real serve(), real CTP01 middleware (the simulator) on two
points at once, real websockets. A program that drops its connection mid-race and comes back
with `since=<last cursor>` gets every passing and every read exactly once, in id order, and the
passings are exactly the ones the display detector makes of the stored reads."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import trio

from p88.app import Running
from p88.db.api_keys import create_key
from p88.db.pool import connect, open_bridge, open_pool
from p88.demo import seed_race_display
from p88.live.ordered import RING
from p88.live.passings import PassingDetector, Rules
from p88.tcp.race_sources import synthetic_race
from p88.tcp.simulator import SimOptions, run_simulation
from tests.api.test_api_contract import app_and_document, checker
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.system.test_display_push import make_partner
from tests.system.wsclient import WsClient, WsClosed

DAY = date(2021, 5, 8)
RUNNERS = 150
EVENT = "LAKE 10K"


async def set_up(dsn: str) -> tuple[int, int, str, str]:
    """A partner with participants and a session; a stream key and a read-only key."""
    partner_id = await make_partner(dsn, "alpha")
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        demo = await seed_race_display(
            pool, partner_id, event=EVENT, day=DAY, timezone="UTC", runners=RUNNERS, waves=1
        )
        async with pool.acquire() as conn:
            _, key = await create_key(conn, partner_id, "scoreboard", None, scopes=("stream",))
            _, reader = await create_key(conn, partner_id, "site", None, scopes=("read",))
    return partner_id, demo.session_id, key, reader


async def race(running: Running) -> None:
    """Start and finish mats stream at once, on two connections (so two ingest writers)."""
    feeds = synthetic_race(RUNNERS, ["START", "FINISH"], 1, 7, EVENT, DAY)
    opts = SimOptions(
        user="alpha-mat", password="pw-alpha", client_id="lake", rate=600.0, linger=0.2
    )
    report = await run_simulation(*running.collector, feeds, opts)
    assert not report.problems, report.problems


def documented(message: dict[str, Any]) -> dict[str, Any]:
    """The message, checked against its schema in the OpenAPI document (the stream's contract)."""
    _, document = app_and_document()
    name = {"hello": "StreamHello", "batch": "StreamBatch", "heartbeat": "StreamHeartbeat"}
    schema = {"$ref": f"#/components/schemas/{name[message['type']]}"}
    checker(document, schema).validate(message)
    return message


async def receive_until(
    client: WsClient, done: Any, got: dict[str, list[dict[str, Any]]], seconds: float
) -> int:
    """Batches into `got` until `done(got)`; the last cursor."""
    cursor = -1
    with trio.fail_after(seconds):
        while not done(got):
            message = documented(await client.message(seconds=seconds))
            if message["type"] == "heartbeat":
                continue
            assert message["type"] == "batch", message
            for kind in ("passings", "reads"):
                got[kind].extend(message.get(kind) or [])
            assert message["cursor"] >= cursor
            cursor = message["cursor"]
    return cursor


def crossings(passings: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(p["id"], p["loc"], p["tag"], p["lap"], p["t"], p["p"]) for p in passings]


async def stored(dsn: str, session_id: int) -> tuple[list[int], list[int]]:
    """The session's read ids, and the ids of the passings the detector makes of them."""
    async with open_bridge(), connect(dsn) as conn:
        rows = await conn.fetch(
            "SELECT r.id, l.name, r.tag, r.local_time FROM timing_reads r "
            "JOIN timing_locations l ON l.id = r.location_id WHERE r.session_id = $1 ORDER BY r.id",
            session_id,
        )
    passings = PassingDetector(Rules()).feed_many(tuple(r) for r in rows)
    return [r[0] for r in rows], [p.read_id for p in passings]


async def test_a_client_resuming_with_since_gets_everything_once(dsn: str, tmp_path: Path) -> None:
    config = make_config(dsn, tmp_path, collector={"authentication": "plaintext"})
    _, session_id, key, _ = await set_up(dsn)
    auth = {"Authorization": f"Bearer {key}"}
    path = f"/api/v1/stream?session={session_id}&kinds=passings,reads"
    got: dict[str, list[dict[str, Any]]] = {"passings": [], "reads": []}
    async with running_server(config) as running:
        client = await WsClient.connect(running.web_url, path, headers=auth)
        hello = documented(await client.message())
        assert hello["type"] == "hello" and hello["kinds"] == ["passings", "reads"]
        assert hello["session"]["id"] == session_id
        async with trio.open_nursery() as nursery:
            nursery.start_soon(race, running)
            # Mid-race: some passings in, then the connection drops.
            cursor = await receive_until(client, lambda g: len(g["passings"]) >= 40, got, 30)
            await client.aclose()
            await trio.sleep(0.5)  # the race goes on without us
            client = await WsClient.connect(running.web_url, f"{path}&since={cursor}", headers=auth)
            hello = await client.message()
            assert hello["cursor"] == cursor
        read_ids, passing_ids = await stored(dsn, session_id)
        await receive_until(client, lambda g: len(g["reads"]) >= len(read_ids), got, 30)
        await client.aclose()
        # After the race, from further back than the in-memory rings reach (rebuilt from
        # PostgreSQL), and from near the end (from memory): the same events from there on.
        assert len(read_ids) > RING
        for since in (0, read_ids[-50]):
            late: dict[str, list[dict[str, Any]]] = {"passings": [], "reads": []}
            client = await WsClient.connect(running.web_url, f"{path}&since={since}", headers=auth)
            assert (await client.message())["cursor"] == since
            want = [i for i in read_ids if i > since]
            cursor = await receive_until(client, lambda g: len(g["reads"]) >= len(want), late, 30)
            await client.aclose()
            assert cursor == read_ids[-1]
            assert [r["id"] for r in late["reads"]] == want
            # The same passings; their gun and chip times are what is known when they are sent
            # (a gun stored after a finish read times that passing when it is sent again).
            assert crossings(late["passings"]) == crossings(
                [p for p in got["passings"] if p["id"] > since]
            )
    assert len(passing_ids) >= RUNNERS * 2  # every runner crossed both mats
    assert [r["id"] for r in got["reads"]] == read_ids  # each once, in id order
    assert [p["id"] for p in got["passings"]] == passing_ids
    finishers = [p for p in got["passings"] if p["loc"] == "FINISH"]
    assert sorted(int(p["p"]["bib"]) for p in finishers) == list(range(1, RUNNERS + 1))


async def test_the_handshake_is_refused_before_the_upgrade(dsn: str, tmp_path: Path) -> None:
    config = make_config(dsn, tmp_path)
    _, session_id, key, reader = await set_up(dsn)
    async with running_server(config) as running:

        async def status(path: str, api_key: str | None) -> int:
            headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
            try:
                socket = await WsClient.connect(running.web_url, path, headers=headers)
            except WsClosed as refused:
                return refused.code
            await socket.aclose()
            return 101

        good = f"/api/v1/stream?session={session_id}"
        assert await status(good, key) == 101
        assert await status(good, None) == 401
        assert await status(good, key + "x") == 401
        assert await status(good, reader) == 403  # no stream scope
        assert await status(f"/api/v1/stream?session={session_id + 1000}", key) == 404
        assert await status(f"/api/v1/stream?event={quote(EVENT)}", key) == 101
        for bad in (
            "session=abc",
            "session=1&event=x",
            "",
            "session=1&kinds=results",
            f"session={session_id}&since=-1",
            f"session={session_id}&since=99999999",
        ):
            assert await status(f"/api/v1/stream?{bad}", key) == 400, bad
