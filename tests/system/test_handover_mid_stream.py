"""Acceptance: middleware that does not authenticate streams a race into the whole server; a
platform admin hands its session to a timing company mid-stream; every read, from before and
after the hand-over, ends up in that company, none lost and none stored twice.

The admin acts through the web app on the same database (the harness's app, like a second
`p88 serve` behind a load balancer): the collector has to learn of the hand-over from
PostgreSQL alone, as it would there.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import trio

from p88.tcp.race_sources import distinct_read_keys, synthetic_race
from p88.tcp.simulator import SimOptions, SimReport, run_simulation
from tests.conftest import make_config
from tests.system.serving import assert_same_reads, running_server
from tests.system.test_collector_session import fetch
from tests.system.test_replay_21rotm import settled
from tests.web.support import (
    create_partner_with_user,
    make_platform_admin,
    post_form,
    signed_in_client,
    web_app,
)

EVENT = "HANDOVER 10K"
STORED = """
SELECT s.event_name, l.name, r.tag, r.local_time, r.reader_id, r.gator
FROM timing_reads r JOIN timing_sessions s ON s.id = r.session_id
JOIN timing_locations l ON l.id = r.location_id
WHERE r.partner_id = $1
"""
# Paced so the stream lasts a few seconds; each stream drops its socket once and resumes, which
# lands before or after the hand-over depending on the machine: both must hold.
PACED = SimOptions(rate=600, linger=0.3, retry_seconds=0.2, max_retries=100, disconnect_after=500)


async def test_every_read_before_and_after_a_mid_stream_hand_over_is_the_company_s(
    dsn: str, tmp_path: Path
) -> None:
    race = synthetic_race(300, ("START", "FINISH"), waves=2, event=EVENT, day=date(2024, 6, 1))
    expected = distinct_read_keys(race)
    total = len(expected)
    async with (
        running_server(make_config(dsn, tmp_path)) as running,
        web_app(dsn, tmp_path / "web") as web,
    ):
        fast = await create_partner_with_user(web.pool, "fast", "owner", name="Fast Timing")
        admin = await signed_in_client(web.app, await make_platform_admin(web.pool))
        reports: list[SimReport] = []

        async def simulate() -> None:
            reports.append(await run_simulation(*running.collector, race, PACED))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(simulate)
            with trio.fail_after(60):
                while running.stats.reads_stored < total // 4:
                    await trio.sleep(0.01)
            async with web.pool.acquire() as conn:
                held = await conn.fetchval(
                    "SELECT s.id FROM timing_sessions s JOIN partners p ON p.id = s.partner_id "
                    "WHERE p.slug = 'default' AND s.event_name = $1",
                    EVENT,
                )
            response = await post_form(
                admin, f"/platform/unassigned/{held}/hand-over", {"partner_id": fast.partner_id}
            )
            assert "now belongs to Fast Timing" in await response.get_data(as_text=True)
            at_hand_over = running.stats.reads_stored
        assert [f.error for f in reports[0].feeds] == [None, None]
        await settled(running)
    assert at_hand_over < total, "the stream ended before the hand-over: pace it slower"
    assert_same_reads([tuple(r) for r in await fetch(dsn, STORED, fast.partner_id)], expected)
    everything = await fetch(
        dsn,
        "SELECT (SELECT count(*) FROM timing_reads), (SELECT count(*) FROM gun_times), "
        "(SELECT count(*) FROM gun_times WHERE partner_id = $1), "
        "(SELECT count(*) FROM timing_sessions WHERE event_name = $2)",
        fast.partner_id,
        EVENT,
    )
    assert tuple(everything[0]) == (total, 2, 2, 1)  # nothing left with the holding company
