"""The results service on a real database: engines built from what is stored, kept current by
committed reads, setups and corrections, written back to results_rows, the same after a
restart, and never across companies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio

from p88.db import results as results_db
from p88.db.partners import create_partner
from p88.db.pool import open_bridge, open_pool
from p88.db.tenancy import tenant_transaction
from p88.live.results import NoResults, ResultsService, SessionResults
from p88.results.corrections import SetStatus
from p88.results.document import row_of
from tests.web.sessions_seed import seed_participant, seed_session, store_read

EVENT = "RIVER RUN"
# Runner 1 starts late and finishes last but is fastest on the chip; runner 2 has no start read.
READS = [
    ("START", "T1", "08:02:00.00"),
    ("START", "T3", "08:00:10.00"),
    ("FINISH", "T2", "08:40:00.00"),
    ("FINISH", "T3", "08:41:00.00"),
    ("FINISH", "T1", "08:41:30.00"),
]


@asynccontextmanager
async def running(dsn: str) -> AsyncIterator[tuple[Any, ResultsService]]:
    async with open_bridge(), open_pool(dsn, max_size=4) as pool:
        service = ResultsService(pool)
        async with trio.open_nursery() as nursery:
            await nursery.start(service.run)
            try:
                yield pool, service
            finally:
                service.close()


async def seed(pool: Any, slug: str) -> tuple[int, int, dict[str, int]]:
    async with pool.acquire() as conn:
        partner = await create_partner(conn, slug, slug.title())
    session, locations = await seed_session(pool, partner.id, EVENT, READS)
    for n in (1, 2, 3):
        await seed_participant(pool, partner.id, EVENT, str(n), f"T{n}", f"Runner{n}", "X")
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO gun_times (partner_id, session_id, location_id, local_time, source)"
            " VALUES ($1, $2, $3, '2021-05-08 08:00:00', 'hardware')",
            partner.id,
            session,
            locations["START"],
        )
    return partner.id, session, locations


def places(results: SessionResults) -> dict[str, int | None]:
    return {bib: results.engine.places(bib).overall for bib in ("1", "2", "3")}


async def stored_rows(pool: Any, partner_id: int, session_id: int) -> dict[str, Any]:
    async with tenant_transaction(pool, partner_id) as conn:
        rows = await conn.fetch(
            "SELECT bib, status, chip_time, gun_time, ranking_time, placed FROM results_rows"
            " WHERE session_id = $1",
            session_id,
        )
    return {row["bib"]: dict(row) for row in rows}


async def wait_for_rows(pool: Any, partner_id: int, session_id: int, want: int) -> dict[str, Any]:
    with trio.fail_after(20):
        while True:
            rows = await stored_rows(pool, partner_id, session_id)
            if len(rows) == want and all(r["status"] == "finished" for r in rows.values()):
                return rows
            await trio.sleep(0.1)


async def test_a_session_without_a_setup_gets_a_suggested_one_ranked_by_chip(dsn: str) -> None:
    async with running(dsn) as (pool, service):
        partner, session, _ = await seed(pool, "alpha")
        results = await service.get(partner, session)
        assert not results.saved  # suggested from the points named START and FINISH
        assert places(results) == {"1": 1, "2": 2, "3": 3}  # chip 39:30, 40:00 (the gun), 40:50
        rows = await wait_for_rows(pool, partner, session, 3)
        assert rows["1"]["chip_time"] == 39 * 6000 + 30 * 100 and rows["1"]["placed"]


async def test_committed_reads_corrections_and_a_saved_setup_change_the_results(
    dsn: str,
) -> None:
    async with running(dsn) as (pool, service):
        partner, session, locations = await seed(pool, "alpha")
        await seed_participant(pool, partner, EVENT, "4", "T4", "Late", "Runner")
        results = await service.get(partner, session)
        listener = service.listen(results)
        read = await store_read(
            pool, partner, session, locations["FINISH"], "FINISH", "T4", "08:39:00.00"
        )
        service.publish([read])  # as the hub hands it on after the commit
        assert results.engine.places("4").overall == 1
        changed, _, _ = await listener.wait()
        assert "4" in changed
        # A DNF by the timer: stored, then applied at once.
        status = SetStatus(0, "4", "dnf", "left the course at 5K")
        async with tenant_transaction(pool, partner) as conn:
            cid = await results_db.add_correction(
                conn, partner, session, row_of(status), None, status.reason, None
            )
        service.apply(session, SetStatus(cid, "4", "dnf", status.reason))
        assert results.engine.result("4").status == "dnf"
        async with tenant_transaction(pool, partner) as conn:
            assert await results_db.undo_correction(conn, partner, session, cid, None)
        service.revoke(session, cid)
        assert results.engine.result("4").status == "finished"
        # The timer ranks by gun time: the engine is built again from the saved setup.
        document = dict(results.document)
        document["courses"] = [{**document["courses"][0], "rank_by": "gun"}]
        async with tenant_transaction(pool, partner) as conn:
            await results_db.save_setup(conn, partner, session, document, None)
        await service.rebuild(partner, session)
        rebuilt = await service.get(partner, session)
        assert rebuilt.saved and rebuilt.engine.places("2").overall == 2  # 40:00 by the gun


async def test_a_restart_builds_the_same_results_and_companies_never_mix(dsn: str) -> None:
    async with running(dsn) as (pool, service):
        partner, session, _ = await seed(pool, "alpha")
        before = places(await service.get(partner, session))
        other, other_session, _ = await seed(pool, "bravo")
        with pytest.raises(NoResults):
            await service.get(other, session)  # bravo asking for alpha's session
        with pytest.raises(NoResults):
            await service.get(partner, other_session)
    async with running(dsn) as (_pool, restarted):
        assert places(await restarted.get(partner, session)) == before
