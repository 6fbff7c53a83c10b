"""The template builder's live preview socket end to end: real serve(), real CTP01 races from the
simulator, a real signed-in websocket.

Partner A has two sessions, partner B one whose event has the same name as A's first. A's preview
of session S must get exactly S's passings (named from A's participant list) and nothing else,
and its standings S's finishers and race clock S's gun once it is stored; a preview opened after
the race gets the same passings as its history. B's session is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio

from p88.db.accounts import create_user, set_membership
from p88.db.login_sessions import create_session
from p88.db.pool import connect, open_bridge
from p88.live.race_clock import epoch_ms
from p88.web.auth.identity import SESSION_COOKIE
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.system.test_display_push import RUNNERS, make_partner, replay, seed
from tests.system.wsclient import WsClient, WsClosed


async def viewer_cookie(dsn: str, partner_id: int) -> str:
    """A signed-in viewer of the partner, as the Cookie header a browser would send."""
    async with open_bridge(), connect(dsn) as conn:
        user = await create_user(conn, "viewer@alpha.example", "Viewer", "x" * 14)
        await set_membership(conn, user.id, partner_id, "viewer")
        token = await create_session(conn, user.id, partner_id, "127.0.0.1", "system test")
    return f"{SESSION_COOKIE}={token}"


async def collect_finishes(
    client: WsClient, into: list[dict[str, Any]], standings: list[dict[str, Any]]
) -> None:
    """Passings until every runner has finished (the start mat's passings come too)."""
    while sum(e["loc"] == "FINISH" for e in into) < RUNNERS:
        message = await client.message(seconds=30)
        if message["type"] == "passings":
            into.extend(message["events"])
        else:
            assert message["type"] == "standings", message
            standings.append(message)


def finishers(standings: dict[str, Any]) -> int:
    return sum(course["finishers"] for course in standings["courses"])


async def sessions_of(dsn: str, ids: list[int]) -> set[int]:
    async with open_bridge(), connect(dsn) as conn:
        rows = await conn.fetch(
            "SELECT DISTINCT session_id FROM timing_reads WHERE id = ANY($1::bigint[])", ids
        )
    return {row["session_id"] for row in rows}


async def test_a_preview_gets_only_its_own_sessions_passings(dsn: str, tmp_path: Path) -> None:
    alpha = await make_partner(dsn, "alpha")
    bravo = await make_partner(dsn, "bravo")
    config = make_config(dsn, tmp_path, collector={"authentication": "plaintext"})
    a1 = await seed(dsn, alpha, "RIVER RUN", "A1-")
    a2 = await seed(dsn, alpha, "HILL RUN", "A2-")
    b1 = await seed(dsn, bravo, "RIVER RUN", "B1-")  # same event name, other partner
    cookie = await viewer_cookie(dsn, alpha)
    path = "/templates/preview/sessions/{}/ws"
    async with running_server(config) as running:
        try:
            await WsClient.connect(running.web_url, path.format(b1.session_id), cookie=cookie)
            raise AssertionError("another partner's session was accepted")
        except WsClosed as refused:
            assert refused.code == 404
        preview = await WsClient.connect(running.web_url, path.format(a1.session_id), cookie=cookie)
        hello = await preview.message()
        assert hello["type"] == "hello" and hello["events"] == []
        assert hello["session"]["id"] == a1.session_id
        assert hello["standings"]["gun_epoch_ms"] is None
        received: list[dict[str, Any]] = []
        standings: list[dict[str, Any]] = []
        async with trio.open_nursery() as nursery:
            nursery.start_soon(replay, running, "alpha", "RIVER RUN", 1)
            nursery.start_soon(replay, running, "alpha", "HILL RUN", 2)
            nursery.start_soon(replay, running, "bravo", "RIVER RUN", 3)
            nursery.start_soon(collect_finishes, preview, received, standings)
        finishes = [e for e in received if e["loc"] == "FINISH"]
        assert sorted(int(e["p"]["bib"]) for e in finishes) == list(range(1, RUNNERS + 1))
        assert all(e["p"]["first"].startswith("A1-") for e in received)
        assert await sessions_of(dsn, [e["id"] for e in received]) == {a1.session_id}

        # The session's standings (every finisher of A1, ranked) and its gun reach the open
        # preview (the race clock runs from the gun).
        async with open_bridge(), connect(dsn) as conn:
            gun = await conn.fetchval(
                "SELECT min(local_time) FROM gun_times WHERE session_id = $1", a1.session_id
            )
        with trio.fail_after(30):
            while not standings or finishers(standings[-1]) < RUNNERS:
                message = await preview.message(seconds=30)
                assert message["type"] == "standings", message
                standings.append(message)
        latest = standings[-1]
        assert latest["gun_epoch_ms"] == epoch_ms(gun, "UTC")
        assert len(latest["courses"][0]["overall"]) == RUNNERS
        assert all(r["first"].startswith("A1-") for r in latest["runners"].values())
        await preview.aclose()

        # Opened after the race: the session's passings are its history, and the gun is known.
        again = await WsClient.connect(running.web_url, path.format(a1.session_id), cookie=cookie)
        hello = await again.message()
        assert hello["standings"]["gun_epoch_ms"] == epoch_ms(gun, "UTC")
        assert sorted(e["id"] for e in hello["events"]) == sorted(e["id"] for e in received)
        await again.aclose()
        other = await WsClient.connect(running.web_url, path.format(a2.session_id), cookie=cookie)
        hello = await other.message()
        assert hello["events"] and all(e["p"]["first"].startswith("A2-") for e in hello["events"])
        assert await sessions_of(dsn, [e["id"] for e in hello["events"]]) == {a2.session_id}
        await other.aclose()
