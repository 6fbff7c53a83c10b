"""Display push end to end: real serve(), real CTP01 from the simulator, real websockets.

Two partners replay races concurrently, partner A in two sessions; partner B's event has the same
name as A's first one. A display of session S of partner A must receive exactly S's finishers,
named from A's participant list, and nothing else.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import trio

from p88.app import Running
from p88.db.partners import create_partner, set_collector_credential
from p88.db.pool import connect, open_bridge, open_pool
from p88.demo import DemoDisplay, seed_race_display
from p88.displays import store
from p88.displays.options import DisplayOptions
from p88.displays.tokens import new_token
from p88.tcp.race_sources import PointFeed, synthetic_race
from p88.tcp.simulator import SimOptions, run_simulation
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.system.wsclient import WsClient, http_get_page

DAY = date(2021, 5, 8)
RUNNERS = 24
POINTS = ["START", "FINISH"]


async def make_partner(dsn: str, slug: str) -> int:
    async with open_bridge(), connect(dsn) as conn:
        partner = await create_partner(conn, slug, slug.title())
        await set_collector_credential(conn, partner, f"{slug}-mat", "pw-" + slug, keep_plain=False)
        return partner.id


async def rename_runners(pool: Any, partner_id: int, event: str, prefix: str) -> None:
    """Give every runner of one partner's event a recognisable name."""
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE participants SET first_name = $3 || bib"
            " WHERE partner_id = $1 AND event_name = $2",
            partner_id,
            event,
            prefix,
        )


async def replay(running: Running, slug: str, event: str, seed: int) -> None:
    """One race: the start mat (with the gun) first, then the finish, as on race day."""
    feeds = synthetic_race(RUNNERS, POINTS, 1, seed, event, DAY)
    opts = SimOptions(
        user=f"{slug}-mat",
        password="pw-" + slug,
        client_id=f"{slug}-{event}",
        linger=0.2,
        retry_seconds=0.1,
    )
    for feed in feeds:
        report = await run_simulation(*running.collector, [feed], opts)
        assert not report.problems, report.problems


async def collect(client: WsClient, want: int, into: list[dict[str, Any]]) -> None:
    while len(into) < want:
        message = await client.message(seconds=20)
        assert message["type"] == "passings"
        into.extend(message["events"])


async def seed(dsn: str, partner_id: int, event: str, prefix: str) -> DemoDisplay:
    """Participants, session and display, written before the server starts (the server's pool
    lives in its own asyncio bridge)."""
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        demo = await seed_race_display(
            pool, partner_id, event=event, day=DAY, timezone="UTC", runners=RUNNERS, waves=1
        )
        await rename_runners(pool, partner_id, event, prefix)
    return demo


async def test_each_display_gets_only_its_session_and_partner(dsn: str, tmp_path: Path) -> None:
    alpha = await make_partner(dsn, "alpha")
    bravo = await make_partner(dsn, "bravo")
    config = make_config(dsn, tmp_path, collector={"authentication": "plaintext"})
    a1 = await seed(dsn, alpha, "RIVER RUN", "A1-")
    a2 = await seed(dsn, alpha, "HILL RUN", "A2-")
    b1 = await seed(dsn, bravo, "RIVER RUN", "B1-")  # same event name, other partner
    async with running_server(config) as running:
        clients = {}
        for name, demo in (("a1", a1), ("a2", a2), ("b1", b1)):
            clients[name] = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
            hello = await clients[name].message()
            assert hello["type"] == "hello" and hello["events"] == []
            assert hello["display"]["locations"] == ["FINISH"]
        received: dict[str, list[dict[str, Any]]] = {name: [] for name in clients}
        async with trio.open_nursery() as nursery:
            nursery.start_soon(replay, running, "alpha", "RIVER RUN", 1)
            nursery.start_soon(replay, running, "alpha", "HILL RUN", 2)
            nursery.start_soon(replay, running, "bravo", "RIVER RUN", 3)
            for name, client in clients.items():
                nursery.start_soon(collect, client, RUNNERS, received[name])
        prefixes = {"a1": "A1-", "a2": "A2-", "b1": "B1-"}
        sessions = {"a1": a1.session_id, "a2": a2.session_id, "b1": b1.session_id}
        async with open_bridge(), connect(dsn) as conn:
            for name, events in received.items():
                # Exactly one passing per runner at the finish: repeats were not resent.
                assert len(events) == RUNNERS
                assert sorted(int(e["p"]["bib"]) for e in events) == list(range(1, RUNNERS + 1))
                assert all(e["loc"] == "FINISH" and e["lap"] == 1 for e in events)
                assert all(e["p"]["first"].startswith(prefixes[name]) for e in events)
                assert all(e["gun_ms"] is not None and e["gun_ms"] > 0 for e in events)
                ids = [e["id"] for e in events]
                assert ids == sorted(ids)
                owners = await conn.fetch(
                    "SELECT DISTINCT session_id FROM timing_reads WHERE id = ANY($1::bigint[])", ids
                )
                assert [r["session_id"] for r in owners] == [sessions[name]]
            # Each passing is the first read of that runner at the finish.
            firsts = await conn.fetch(
                "SELECT min(r.id) AS id FROM timing_reads r JOIN timing_locations l"
                " ON l.id = r.location_id WHERE r.session_id = $1 AND l.name = 'FINISH'"
                " GROUP BY r.tag",
                a1.session_id,
            )
            assert sorted(r["id"] for r in firsts) == sorted(e["id"] for e in received["a1"])
        for client in clients.values():
            await client.aclose()


async def test_a_reconnecting_page_resumes_without_gap_or_replay(dsn: str, tmp_path: Path) -> None:
    alpha = await make_partner(dsn, "alpha")
    config = make_config(dsn, tmp_path, collector={"authentication": "plaintext"})
    demo = await seed(dsn, alpha, "RIVER RUN", "A-")
    async with running_server(config) as running:
        await replay(running, "alpha", "RIVER RUN", 1)
        first = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
        hello = await first.message()
        history = hello["events"]
        assert len(history) == RUNNERS and hello["resumed"] is False
        await first.aclose()
        # A page that had shown the first 10 resumes after the 10th: it gets the other 14.
        after = history[9]["id"]
        again = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws?after={after}")
        resumed = await again.message()
        assert resumed["resumed"] is True and resumed["missed"] == 0
        assert [e["id"] for e in resumed["events"]] == [e["id"] for e in history[10:]]
        await again.aclose()
    # After a server restart the feed is rebuilt from PostgreSQL: same events, same ids.
    async with running_server(config) as running:
        again = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws?after={after}")
        resumed = await again.message()
        assert [e["id"] for e in resumed["events"]] == [e["id"] for e in history[10:]]
        # Replaying the same race again stores nothing new and pushes nothing.
        await replay(running, "alpha", "RIVER RUN", 1)
        with trio.move_on_after(1.0):
            message = await again.message(seconds=5)
            raise AssertionError(f"replayed reads were pushed again: {message}")
        await again.aclose()


async def test_rotated_and_revoked_links_get_nothing(dsn: str, tmp_path: Path) -> None:
    alpha = await make_partner(dsn, "alpha")
    config = make_config(dsn, tmp_path, collector={"authentication": "plaintext"})
    demo = await seed(dsn, alpha, "RIVER RUN", "A-")
    async with running_server(config) as running:
        live = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
        assert (await live.message())["type"] == "hello"
        async with open_bridge(), connect(dsn) as conn:
            new_token = await store.rotate_token(conn, demo.display)
        running.hub.close_display(demo.display.id, 4410, "replaced")  # what the rotate view does
        assert await live.close_code() == 4410
        old = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
        assert await old.close_code() == 4404
        status, _ = await http_get_page(f"{running.web_url}/d/{demo.token}")
        assert status == 404
        # The new link works, until it is revoked.
        fresh = await WsClient.connect(running.web_url, f"/d/{new_token}/ws")
        assert (await fresh.message())["type"] == "hello"
        async with open_bridge(), connect(dsn) as conn:
            await store.revoke_display(conn, demo.display)
        running.hub.close_display(demo.display.id, 4410, "revoked")
        assert await fresh.close_code() == 4410
        await replay(running, "alpha", "RIVER RUN", 1)
        revoked = await WsClient.connect(running.web_url, f"/d/{new_token}/ws")
        assert await revoked.close_code() == 4410
        status, body = await http_get_page(f"{running.web_url}/d/{new_token}")
        assert status == 410 and b"revoked" in body


async def test_guessing_tokens_is_404_then_rate_limited(dsn: str, tmp_path: Path) -> None:
    alpha = await make_partner(dsn, "alpha")
    config = make_config(dsn, tmp_path)
    demo = await seed(dsn, alpha, "RIVER RUN", "A-")
    async with running_server(config) as running:
        for _ in range(10):
            status, _ = await http_get_page(f"{running.web_url}/d/{new_token()}")
            assert status == 404
        for _ in range(10):
            guess = await WsClient.connect(running.web_url, f"/d/{new_token()}/ws")
            assert await guess.close_code() == 4404
        # 20 failures in a minute: this address is now refused, even with the right link.
        status, _ = await http_get_page(f"{running.web_url}/d/{new_token()}")
        assert status == 429
        status, _ = await http_get_page(f"{running.web_url}/d/{demo.token}")
        assert status == 429
        blocked = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
        assert await blocked.close_code() == 4429


async def test_a_burst_of_40_crossings_in_2_seconds_reaches_the_display_in_full(
    dsn: str, tmp_path: Path
) -> None:
    """The server side of the burst policy: every crossing is pushed, in crossing order, with
    its VIP flag; what to show for how long is the page's job (tests/js/policy.test.mjs)."""
    from tests.system.serving import LineClient
    from tests.system.test_collector_session import handshake

    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        async with pool.acquire() as conn:
            default = await conn.fetchval("SELECT id FROM partners WHERE slug = 'default'")
        demo = await seed_race_display(
            pool,
            default,
            event="21ROTM",
            day=DAY,
            timezone="UTC",
            runners=40,
            waves=1,
            options=DisplayOptions(min_on_screen_ms=1000),
        )
        async with pool.acquire() as conn:
            await conn.execute("UPDATE participants SET vip = bib IN ('7', '33')")
    async with running_server(make_config(dsn, tmp_path)) as running:
        page = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
        hello = await page.message()
        assert hello["display"]["options"]["min_on_screen_ms"] == 1000
        client = await LineClient.connect(running.collector)
        await handshake(client, "FINISH")
        sequence = 0
        for runner in range(1, 41):
            lines = []
            for repeat in range(3):  # three reads per crossing, one passing
                sequence += 1
                stamp = f"2021-05-08T09:00:{runner // 20:02d}.{runner % 20 * 5:02d}"
                lines.append(f"CT01_33~{sequence}~FINISH~{runner}~{stamp}~1~12000C~{repeat + 1}")
            await client.send(*lines)
            await trio.sleep(0.05)  # 40 runners over 2 s
        events: list[dict[str, Any]] = []
        await collect(page, 40, events)
        await client.aclose()
        await page.aclose()
    assert [int(e["tag"]) for e in events] == list(range(1, 41))
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert {e["p"]["bib"] for e in events if e["p"]["vip"]} == {"7", "33"}


async def expected_chip_ms(
    conn: Any, session_id: int, events: list[dict[str, Any]]
) -> dict[int, int]:
    """Chip time of each finish passing from what PostgreSQL holds: the finish read minus the
    runner's last START read from the gun to a minute (the minimum time) before the finish
    (docs/RESULTS.md, [start-last-read])."""
    rows = await conn.fetch(
        "SELECT f.id, f.local_time - ("
        "   SELECT max(s.local_time) FROM timing_reads s JOIN timing_locations l"
        "   ON l.id = s.location_id WHERE s.session_id = f.session_id AND l.name = 'START'"
        "   AND s.tag = f.tag AND s.local_time >= g.local_time"
        "   AND s.local_time <= f.local_time - interval '1 minute') AS chip"
        " FROM timing_reads f, gun_times g"
        " WHERE f.id = ANY($1::bigint[]) AND g.session_id = $2",
        [e["id"] for e in events],
        session_id,
    )
    return {row["id"]: row["chip"] // timedelta(milliseconds=1) for row in rows}


async def results_built(running: Running, demo: DemoDisplay) -> None:
    """Open the display (its feed starts the session's results) until the results are built."""
    results = running.hub.results
    assert results is not None
    with trio.fail_after(30):
        while results.loaded(demo.session_id) is None:
            page = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
            assert (await page.message())["type"] == "hello"
            await page.aclose()
            await trio.sleep(0.05)


async def start_mat_first(running: Running, start: PointFeed, opts: SimOptions) -> None:
    """Replay the start mat (with the gun) and wait until the hub has all of it, as on race day,
    where finishes come long after: ingest shards would otherwise let a finish overtake its
    runner's start crossing."""
    report = await run_simulation(*running.collector, [start], opts)
    assert not report.problems, report.problems
    observations = start.streams[0].observations
    reads = {(o.tag, o.time, o.reader_id, o.gator) for o in observations if o.is_read}
    with trio.fail_after(30):
        while running.hub.published < len(reads) or running.stats.gun_times_stored < 1:
            await trio.sleep(0.05)


async def test_finish_displays_get_chip_time_from_each_runners_start_read(
    dsn: str, tmp_path: Path
) -> None:
    """The display shows FINISH only, yet each passing's chip_ms counts from that runner's own
    START crossing: live, and again from the history a restarted server loads."""
    alpha = await make_partner(dsn, "alpha")
    config = make_config(dsn, tmp_path, collector={"authentication": "plaintext"})
    demo = await seed(dsn, alpha, "RIVER RUN", "A-")
    start, finish = synthetic_race(RUNNERS, POINTS, 1, 5, "RIVER RUN", DAY)
    opts = SimOptions(
        user="alpha-mat", password="pw-alpha", client_id="alpha-chip", linger=0.2, retry_seconds=0.1
    )
    async with running_server(config) as running:
        page = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
        assert (await page.message())["type"] == "hello"
        await start_mat_first(running, start, opts)
        report = await run_simulation(*running.collector, [finish], opts)
        assert not report.problems, report.problems
        live: list[dict[str, Any]] = []
        await collect(page, RUNNERS, live)
        await page.aclose()
    async with open_bridge(), connect(dsn) as conn:
        expected = await expected_chip_ms(conn, demo.session_id, live)
    assert len(live) == RUNNERS and all(e["loc"] == "FINISH" for e in live)
    assert {e["id"]: e["chip_ms"] for e in live} == expected
    assert all(e["chip_ms"] <= e["gun_ms"] for e in live)
    assert any(e["chip_ms"] < e["gun_ms"] - 1000 for e in live)  # started behind the line
    # A restarted server rebuilds the feed and the results from the database; once the
    # results are built, a new page's history carries the same times.
    async with running_server(config) as running:
        await results_built(running, demo)
        again = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
        hello = await again.message()
        await again.aclose()
    assert {e["id"]: e["chip_ms"] for e in hello["events"]} == expected
