"""Housekeeping on the pages: silent points on the session page and the dashboard, each
company seeing only its own; the last backup on the platform page."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path

from p88.db.backups import BackupFile
from p88.ops_state import SilentPoint
from tests.web.sessions_seed import seed_session
from tests.web.support import (
    WebHarness,
    create_partner_with_user,
    make_platform_admin,
    signed_in_client,
)


def quiet(partner: str, session_id: int, point: str, reason: str = "silent") -> SilentPoint:
    now = time.time()
    return SilentPoint(partner, "RACE", point, reason, now - 200, now - 150, session_id)


async def test_silent_points_show_on_their_companys_session_page_and_dashboard_only(
    web: WebHarness,
) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", "viewer")
    bravo = await create_partner_with_user(web.pool, "bravo", "viewer")
    a_session, _ = await seed_session(
        web.pool, alpha.partner_id, "RACE", [("FINISH", "1", "09:00:00.00")]
    )
    b_session, _ = await seed_session(web.pool, bravo.partner_id, "RACE")
    web.stats.ops.points_silent = [
        quiet("alpha", a_session, "FINISH"),
        quiet("alpha", a_session, "START", "disconnected"),
        quiet("bravo", b_session, "SECRET-POINT"),
    ]
    client = await signed_in_client(web.app, alpha)
    page = await (await client.get(f"/sessions/{a_session}")).get_data(as_text=True)
    assert 'data-silent-point="FINISH" data-reason="silent"' in page
    assert re.search(r"connected, but no reads for 2 min [3-5]\d s", page)  # quiet 150 s ago
    assert 'data-silent-point="START" data-reason="disconnected"' in page
    assert "SECRET-POINT" not in page
    dashboard = await (await client.get("/")).get_data(as_text=True)
    assert (
        'data-silent-point="FINISH"' in dashboard and f'href="/sessions/{a_session}"' in dashboard
    )
    assert "SECRET-POINT" not in dashboard

    web.stats.ops.points_silent = []
    page = await (await client.get(f"/sessions/{a_session}")).get_data(as_text=True)
    assert "data-silent-point" not in page


async def test_the_platform_page_shows_the_last_backup(web: WebHarness) -> None:
    admin = await make_platform_admin(web.pool)
    client = await signed_in_client(web.app, admin)
    page = await (await client.get("/platform/")).get_data(as_text=True)
    assert "No backup yet" in page
    web.stats.ops.last_backup = BackupFile(
        Path("/srv/p88/backups/p88-20260508T030000Z-daily.dump"),
        datetime(2026, 5, 8, 3, 0, tzinfo=UTC),
        123_456_789,
        "daily",
    )
    page = await (await client.get("/platform/")).get_data(as_text=True)
    assert "2026-05-08 03:00 UTC" in page and "123.5 MB" in page
    assert "p88-20260508T030000Z-daily.dump" in page
