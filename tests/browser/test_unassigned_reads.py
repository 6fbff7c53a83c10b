"""Unassigned reads in headless Debian chromium against the whole server: middleware without a
collector user streams, the platform admin is told on the dashboard, hands the session to a
company on Platform -> Unassigned reads, and the company's owner then sees the session and the
connection; a read sent afterwards on the same open connection is the company's too.
Screenshots go to test-artifacts/unassigned-*.png."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import trio

from p88.db.pool import open_bridge, open_pool
from tests.browser.chromium import requires_chromium
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.system.test_collector_session import LineClient, fetch, handshake, wait_for
from tests.web.support import create_partner_with_user, make_platform_admin

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


@requires_chromium
async def test_the_admin_hands_a_streaming_session_to_its_company(dsn, tmp_path) -> None:
    pytest.importorskip("playwright")
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        owner = await create_partner_with_user(pool, "fast", "owner", name="Fast Timing")
        admin = await make_platform_admin(pool)
    async with running_server(make_config(dsn, tmp_path)) as running:
        client = await LineClient.connect(running.collector)  # no User, no Password
        await handshake(client, "START~FINISH")
        await client.send(
            "CT01_33~1~START~guntime~2021-05-08T08:00:00.00~0~I11A9D~0",
            "CT01_33~2~START~9511~2021-05-08T08:00:03.12~1~12000C~8",
            "CT01_33~3~FINISH~9511~2021-05-08T08:31:07.45~1~12000C~8",
        )
        await wait_for(lambda: running.stats.reads_stored == 2)
        done = await trio.run_process(
            [sys.executable, "-m", "tests.browser.unassigned_driver", running.web_url,
             admin.email, owner.email, owner.password],
            capture_stdout=True, check=False, cwd=str(ROOT),
        )  # fmt: skip
        assert done.returncode == 0, "the browser run failed (see its output above)"
        seen = json.loads(done.stdout.decode().strip().splitlines()[-1])
        await client.send("CT01_33~4~FINISH~9512~2021-05-08T08:32:00.00~1~12000C~8")
        await wait_for(lambda: running.stats.reads_stored == 3)
        await client.aclose()
    assert seen["errors"] == []
    assert "Reads arrived unassigned" in seen["admin_banner"] and "21ROTM" in seen["admin_banner"]
    assert "START · 1" in seen["held_row"] and "FINISH · 1" in seen["held_row"]
    assert "127.0.0.1" in seen["held_row"]  # the middleware still connected
    assert "21ROTM → Fast Timing" in seen["confirm"] and "2 reads" in seen["confirm"]
    assert "now belongs to Fast Timing: 2 reads, 2 points, 1 gun times" in seen["done"]
    assert "127.0.0.1" in seen["owner_connections"]
    assert "no collector user (session handed to you)" in seen["owner_connections"]
    assert "21ROTM" in seen["owner_sessions"]
    rows = await fetch(
        dsn,
        "SELECT p.slug, r.tag FROM timing_reads r JOIN partners p ON p.id = r.partner_id "
        "ORDER BY r.sequence",
    )
    assert [tuple(r) for r in rows] == [("fast", "9511"), ("fast", "9511"), ("fast", "9512")]
    for name in ("01-admin-dashboard", "02-list", "03-confirm", "04-done", "05-owner-dashboard"):
        assert (ROOT / "test-artifacts" / f"unassigned-{name}.png").stat().st_size > 5000
