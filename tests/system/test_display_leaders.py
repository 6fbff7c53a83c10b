"""Leaders in the hello: a page that opens after the race ranks every finisher, including those
long gone from the feed's ring, exactly as timing_reads in PostgreSQL rank them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from p88.db.pool import connect, open_bridge
from p88.live.standings import CATEGORY_KEPT
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.system.test_display_push import RUNNERS, collect, make_partner, replay, seed
from tests.system.wsclient import WsClient

RING = 5  # far fewer than the finishers, so the ring alone would miss most of them
KEPT = 10

Ranked = list[tuple[int, int, str, str]]  # (gun ms, read id, gender, age group)


async def ranked_from_the_database(dsn: str, session_id: int) -> Ranked:
    """Each runner's first read at FINISH, with its gun time and categories, fastest first and
    ties by read id."""
    async with open_bridge(), connect(dsn) as conn:
        guns = await conn.fetch(
            "SELECT local_time FROM gun_times WHERE session_id = $1", session_id
        )
        firsts = await conn.fetch(
            "SELECT DISTINCT ON (r.tag) r.id, r.local_time, p.gender, p.age_group"
            " FROM timing_reads r JOIN timing_locations l ON l.id = r.location_id"
            " JOIN timing_sessions s ON s.id = r.session_id"
            " JOIN participants p ON p.partner_id = r.partner_id AND p.tag = r.tag"
            " AND p.event_name = s.event_name"
            " WHERE r.session_id = $1 AND l.name = 'FINISH' ORDER BY r.tag, r.id",
            session_id,
        )
    assert len(guns) == 1 and len(firsts) == RUNNERS
    gun = guns[0]["local_time"]
    return sorted(
        (
            round((row["local_time"] - gun).total_seconds() * 1000),
            row["id"],
            row["gender"],
            row["age_group"],
        )
        for row in firsts
    )


def expected_leaders(ranked: Ranked) -> list[tuple[int, int]]:
    """The best KEPT overall, then each gender's and age group's best CATEGORY_KEPT that are
    not among them, fastest first, as (read id, gun ms)."""
    overall = ranked[:KEPT]
    extra = set()
    for column in (2, 3):
        for value in {row[column] for row in ranked}:
            extra.update([row for row in ranked if row[column] == value][:CATEGORY_KEPT])
    rest = sorted(row for row in extra if row not in overall)
    return [(row[1], row[0]) for row in overall + rest]


def summary(events: list[dict[str, Any]]) -> list[tuple[int, int]]:
    return [(e["id"], e["gun_ms"]) for e in events]


async def test_a_late_page_gets_the_true_fastest_finishers(dsn: str, tmp_path: Path) -> None:
    alpha = await make_partner(dsn, "alpha")
    config = make_config(dsn, tmp_path, collector={"authentication": "plaintext"})
    demo = await seed(dsn, alpha, "RIVER RUN", "A-")
    path = f"/d/{demo.token}/ws"
    async with running_server(config) as running:
        running.hub.ring_size, running.hub.leaders_kept = RING, KEPT
        # A page open through the race: its feed ranks the passings as they come.
        early = await WsClient.connect(running.web_url, path)
        first = await early.message()
        assert first["type"] == "hello" and first["leaders"] == []
        await replay(running, "alpha", "RIVER RUN", 1)
        seen: list[dict[str, Any]] = []
        await collect(early, RUNNERS, seen)
        ranked = await ranked_from_the_database(dsn, demo.session_id)
        expected = expected_leaders(ranked)
        assert len(expected) > KEPT  # some category leaders are not in the top KEPT
        # A page opening after the race: the ring has only the last few arrivals...
        late = await WsClient.connect(running.web_url, path)
        hello = await late.message()
        assert [e["id"] for e in hello["events"]] == [e["id"] for e in seen[-RING:]]
        # ...and the leaders are the fastest finishers of the whole race, fastest first, then
        # the best of each gender and age group.
        assert summary(hello["leaders"][:KEPT]) == [(r[1], r[0]) for r in ranked[:KEPT]]
        assert summary(hello["leaders"]) == expected
        assert all(e["loc"] == "FINISH" and e["lap"] == 1 and e["p"] for e in hello["leaders"])
        assert not {e["id"] for e in hello["leaders"]} <= {e["id"] for e in hello["events"]}
        for client in (early, late):
            await client.aclose()
    # After a restart the feed ranks the stored history (warm-up): the same leaders, most of
    # them built from passings that the ring no longer holds.
    async with running_server(config) as running:
        running.hub.ring_size, running.hub.leaders_kept = RING, KEPT
        again = await WsClient.connect(running.web_url, path)
        hello = await again.message()
        assert [e["id"] for e in hello["events"]] == [e["id"] for e in seen[-RING:]]
        assert summary(hello["leaders"]) == expected
        assert all(e["p"]["first"].startswith("A-") for e in hello["leaders"])
        await again.aclose()
