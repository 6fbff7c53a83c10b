"""The operator's display pages in headless Debian chromium: create a display bound to a
session, get its link and QR code, see it listed. Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pytest
import trio

from p88.db.pool import open_bridge, open_pool
from p88.db.templates import create_template
from p88.db.tenancy import tenant_transaction
from p88.demo import ensure_session
from p88.layouts.presets import sample_document
from tests.browser.chromium import requires_chromium
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.system.wsclient import WsClient, http_get_page
from tests.web.support import create_partner_with_user

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


@requires_chromium
async def test_operator_creates_a_display_and_gets_its_link(dsn: str, tmp_path: Path) -> None:
    pytest.importorskip("playwright")
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        account = await create_partner_with_user(pool, "harbour", role="operator")
        async with tenant_transaction(pool, account.partner_id) as conn:
            await ensure_session(conn, account.partner_id, "HARBOUR 10K", date(2021, 5, 8), "UTC")
            await create_template(
                conn, account.partner_id, "Finish call-out", sample_document("finish"), "test"
            )
    async with running_server(make_config(dsn, tmp_path)) as running:
        result = await trio.run_process(
            [
                sys.executable, "-m", "tests.browser.display_pages_driver",
                running.web_url, account.email, account.password,
            ],
            capture_stdout=True,
            cwd=str(ROOT),
            check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout.decode()[-2000:]
        seen = json.loads(result.stdout.decode().strip().splitlines()[-1])
        assert seen["errors"] == []
        assert seen["qr_loaded"] is True
        assert "Finish TV" in seen["listed"] and "HARBOUR 10K" in seen["listed"]
        assert "FINISH" in seen["listed"] and "live" in seen["listed"]
        link: str = seen["link"]
        assert link.startswith(f"{running.web_url}/d/")
        status, body = await http_get_page(link)
        assert status == 200 and b'data-mode="finish"' in body
        page = await WsClient.connect(running.web_url, link.removeprefix(running.web_url) + "/ws")
        hello = await page.message()
        assert hello["display"]["options"]["min_on_screen_ms"] == 2000
        assert hello["template"]["canvas"]["width"] == 1920
        await page.aclose()
