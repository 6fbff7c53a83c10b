"""The sessions page, a session's live preview and the participant import in headless Debian
chromium against the whole server: middleware connects over CTP01, the operator sees the live
session, a read sent while the page is open appears in the preview, and a CSV with bad rows is
imported with every bad line reported. Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import trio

from p88.db.pool import open_bridge, open_pool
from p88.db.tenancy import tenant_transaction
from p88.participants.model import ParticipantFields
from p88.participants.queries import upsert_participants
from tests.browser.chromium import requires_chromium
from tests.browser.sessions_driver import LIVE_TAG
from tests.conftest import make_config
from tests.db.test_participants_import import MIXED
from tests.system.serving import LineClient, running_server, wait_for
from tests.system.test_collector_session import handshake
from tests.web.support import create_partner_with_user

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


async def _read_until(stream, marker: bytes, patience: float = 60) -> bytes:
    seen = b""
    with trio.fail_after(patience):
        while marker not in seen:
            chunk = await stream.receive_some(4096)
            if not chunk:
                raise AssertionError(f"the browser driver ended early: {seen.decode()}")
            seen += chunk
    return seen


@requires_chromium
async def test_sessions_page_live_preview_and_import_in_the_browser(dsn, tmp_path) -> None:
    pytest.importorskip("playwright")
    # Anonymous middleware belongs to the 'default' partner: the operator works there.
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        account = await create_partner_with_user(pool, "default", role="operator")
        async with tenant_transaction(pool, account.partner_id) as conn:
            await upsert_participants(
                conn,
                account.partner_id,
                "21ROTM",
                [
                    ParticipantFields("511", "9511", "Amara", "Okafor", "F", 31),
                    ParticipantFields("777", LIVE_TAG, "Jonas", "Lindqvist", "M", 44),
                ],
            )
    csv_path = tmp_path / "registrations.csv"
    csv_path.write_bytes(MIXED)
    async with running_server(make_config(dsn, tmp_path)) as running:
        client = await LineClient.connect(running.collector)
        await handshake(client, "START~FINISH")
        await client.send(
            "CT01_33~1~START~guntime~2021-05-08T08:00:00.00~0~I11A9D~0",
            "CT01_33~2~START~9511~2021-05-08T08:00:03.12~1~12000C~8",
            "CT01_33~3~FINISH~9511~2021-05-08T08:31:07.45~1~12000C~8",
            "CT01_33~4~FINISH~4040~2021-05-08T08:31:09.80~1~12000C~8",  # nobody's tag
        )
        await wait_for(lambda: running.stats.reads_stored == 3)
        args = [running.web_url, account.email, account.password, str(csv_path)]
        driver = await trio.lowlevel.open_process(
            [sys.executable, "-m", "tests.browser.sessions_driver", *args],
            stdout=subprocess.PIPE,
            cwd=str(ROOT),
        )
        try:
            output = await _read_until(driver.stdout, b"READY")
            await client.send("CT01_33~5~FINISH~7777~2021-05-08T08:33:00.05~1~12000C~8")
            with trio.fail_after(120):
                while chunk := await driver.stdout.receive_some(65536):
                    output += chunk
                await driver.wait()
        finally:
            if driver.returncode is None:
                driver.kill()
                await driver.wait()
            await driver.stdout.aclose()
        assert driver.returncode == 0, f"the browser run failed: {output.decode()}"
        await client.aclose()
    seen = json.loads(output.decode().strip().splitlines()[-1])
    assert seen["errors"] == [], seen["missing"]
    # The list: the live session with its points, connected middleware and unknown tag.
    assert "START · 1" in seen["list_row"] and "FINISH · 2" in seen["list_row"]
    assert "all 08:00:00.00" in seen["list_row"]
    assert "1 connected" in seen["list_row"]
    # The live preview: the read sent while the page was open, joined with its runner, on top.
    assert "Jonas Lindqvist" in seen["live_row"] and "08:33:00.05" in seen["live_row"]
    assert seen["top_row"] == seen["live_row"]
    # The import: the RunSignUp-style columns recognised, good rows in, bad lines reported.
    assert seen["bib_column"] == "Bib"
    assert seen["inserted"] == "3"
    assert seen["bad_lines"] == ["3", "5", "6", "7", "8"]
    # Search finds the imported runner; editing one saves.
    assert "Zoë Åberg" in seen["search_row"] and "A101" in seen["search_row"]
    assert seen["pronunciation"] == "ZO-ee O-berg"
