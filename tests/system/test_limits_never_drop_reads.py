"""A partner over its plan's limits still gets every read from its hardware stored; the plan
page flags the overrun instead."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from p88.db.accounts import create_user, set_membership
from p88.db.plans import add_subscription
from tests.conftest import make_config
from tests.system.serving import LineClient, running_server, wait_for
from tests.system.test_collector_session import fetch, handshake
from tests.web.support import PASSWORD, TestAccount, signed_in_client, web_app


async def test_reads_beyond_the_session_limit_are_stored_and_flagged(
    dsn: str, tmp_path: Path
) -> None:
    config = make_config(dsn, tmp_path)  # anonymous hardware belongs to partner "default"
    async with running_server(config) as running, web_app(dsn, tmp_path / "web") as web:
        async with web.pool.acquire() as conn:
            partner_id = await conn.fetchval("SELECT id FROM partners WHERE slug = 'default'")
            plan_id = await conn.fetchval(
                "INSERT INTO plans (slug, name, max_sessions_per_month) "
                "VALUES ('tiny', 'Tiny', 0) RETURNING id"
            )
            await add_subscription(conn, partner_id, plan_id, date(2020, 1, 1), None, "active")
            owner = await create_user(conn, "owner@default.example", "Owner", PASSWORD)
            await set_membership(conn, owner.id, partner_id, "owner")
        client = await LineClient.connect(running.collector)
        assert await handshake(client) == ["start~FINISH"]
        await client.send(
            "CT01_33~1~FINISH~9511~2021-05-08T08:04:28.64~1~12000C~8",
            "CT01_33~2~FINISH~9512~2021-05-08T08:04:29.64~1~12000C~8",
        )
        await wait_for(lambda: running.stats.reads_stored == 2)
        await client.aclose()
        account = TestAccount(partner_id, "default", owner.id, owner.email, PASSWORD, "owner")
        browser = await signed_in_client(web.app, account)
        page = await (await browser.get("/admin/plan")).get_data(as_text=True)
        assert "Over the limit" in page and "Tiny allows 0 timing sessions per month" in page
        assert "still stored" in page
    rows = await fetch(dsn, "SELECT tag FROM timing_reads ORDER BY tag")
    assert [r[0] for r in rows] == ["9511", "9512"]
