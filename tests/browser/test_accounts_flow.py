"""Accounts in headless Debian chromium against the whole server: first-run setup, sign in,
invite a user, accept the invitation, change role, sign out everywhere. Screenshots of each
page go to test-artifacts/accounts-*.png."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import trio

from p88.commands.accounts import first_run_setup_link
from p88.db.pool import open_bridge, open_pool
from tests.browser.accounts_driver import OPERATOR, OWNER
from tests.browser.chromium import requires_chromium
from tests.conftest import make_config
from tests.system.serving import running_server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


@requires_chromium
async def test_accounts_flow_in_the_browser(dsn, tmp_path) -> None:
    pytest.importorskip("playwright")
    async with running_server(make_config(dsn, tmp_path)) as running:
        # What `p88 serve` prints on an empty database (the server's pool lives in its own
        # asyncio bridge; the test uses its own).
        async with open_bridge(), open_pool(dsn, max_size=1) as pool:
            link = await first_run_setup_link(pool, running.web_url)
        assert link is not None
        done = await trio.run_process(
            [sys.executable, "-m", "tests.browser.accounts_driver", running.web_url,
             link.removeprefix(running.web_url)],
            capture_stdout=True,
            check=False,
            cwd=str(ROOT),
        )  # fmt: skip
        assert done.returncode == 0, "the browser run failed (see its output above)"
        seen = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert seen["errors"] == []
    assert seen["admin_dashboard"] == "Dashboard"
    assert "do not match" in seen["wrong_password_message"]
    assert seen["owner_chip"] == "Fast Timing · owner"
    assert seen["operator_chip"] == "Fast Timing · operator"
    assert "role is changed" in seen["role_saved"]
    assert seen["operator_chip_after"] == "Fast Timing · viewer"
    assert seen["sessions_listed"] == 2  # the laptop and the phone
    assert seen["phone_after_everywhere"].endswith("/login?next=/account")
    assert seen["owner_still_in"].endswith("/admin/users")
    assert seen["collector_secret_shown"] == 1
    assert seen["chart_bars"] == 30
    async with open_bridge(), open_pool(dsn, max_size=1) as pool, pool.acquire() as conn:
        roles = {
            email: role
            for email, role in await conn.fetch(
                "SELECT u.email, m.role FROM memberships m JOIN users u ON u.id = m.user_id"
            )
        }
        live = await conn.fetchval(
            "SELECT count(*) FROM login_sessions s JOIN users u ON u.id = s.user_id "
            "WHERE u.email = $1 AND s.revoked_at IS NULL",
            OPERATOR[0],
        )
    assert roles == {OWNER[0]: "owner", OPERATOR[0]: "viewer"}
    assert live == 0
    for name in ("01-setup", "06-owner-dashboard", "10-users-role-changed", "12-account"):
        assert (ROOT / "test-artifacts" / f"accounts-{name}.png").stat().st_size > 5000
