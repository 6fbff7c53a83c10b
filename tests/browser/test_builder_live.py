"""The builder's live preview in headless Debian chromium against the whole server.

An operator opens a template in the builder and picks the live session in the preview menu: the
quiet session shows the sample data with a "no passings yet" note; then a simulated race arrives
over CTP01 and a runner of that race is called out on the canvas (the latest athlete, the
leaderboard and the latest finishers are drawn from the session's passings). The screenshot
goes to test-artifacts/builder-live-preview.png.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from p88.db.partners import Partner, set_collector_credential
from p88.db.pool import open_bridge, open_pool
from p88.db.templates import create_template
from p88.db.tenancy import tenant_transaction
from p88.demo import demo_participants, ensure_session
from p88.layouts import sample_document, validate_document
from p88.participants.queries import upsert_participants
from p88.tcp.race_sources import synthetic_race
from p88.tcp.simulator import SimOptions, run_simulation
from tests.browser.chromium import browser_driver, requires_chromium
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.system.test_display_push import start_mat_first
from tests.web.support import create_partner_with_user

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2021, 5, 8)
EVENT = "HARBOUR 10K"
RUNNERS = 8
PREFIX = "Livia"  # every simulated runner's first name starts with it


def live_document() -> dict[str, Any]:
    """Leaders and latest finishers, with the called-out athlete and a race clock below."""
    document = sample_document("results")
    for element in document["elements"]:
        if element["type"] in ("leaderboard", "last_n_list"):
            element["h"] = 680
    document["elements"] += [
        {"id": "name", "type": "athlete_name", "x": 60, "y": 860, "w": 1200, "h": 160, "z": 3,
         "style": {"fontSize": 110, "color": "#ffd166"}},
        {"id": "race-clock", "type": "clock", "x": 1300, "y": 860, "w": 560, "h": 160, "z": 3,
         "options": {"mode": "race_clock"}, "style": {"fontSize": 96, "fontFamily": "mono"}},
    ]  # fmt: skip
    assert validate_document(document) == []
    return document


@requires_chromium
async def test_picking_the_live_session_shows_its_runners(dsn: str, tmp_path: Path) -> None:
    pytest.importorskip("playwright")
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        account = await create_partner_with_user(pool, "alpha", role="operator")
        async with pool.acquire() as conn:
            partner = Partner(account.partner_id, account.partner_slug, account.partner_slug)
            await set_collector_credential(conn, partner, "alpha-mat", "pw-alpha", keep_plain=False)
        async with tenant_transaction(pool, account.partner_id) as conn:
            template_id = await create_template(
                conn, account.partner_id, "Live board", live_document(), None
            )
            await upsert_participants(
                conn, account.partner_id, EVENT, demo_participants(RUNNERS, 1)
            )
            await conn.execute(
                "UPDATE participants SET first_name = $3 || bib"
                " WHERE partner_id = $1 AND event_name = $2",
                account.partner_id,
                EVENT,
                PREFIX,
            )
            await ensure_session(conn, account.partner_id, EVENT, DAY, "UTC")
    start, finish = synthetic_race(RUNNERS, ["START", "FINISH"], 1, 4, EVENT, DAY)
    options = SimOptions(
        user="alpha-mat",
        password="pw-alpha",
        client_id="builder-live",
        linger=0.2,
        retry_seconds=0.1,
    )
    config = make_config(dsn, tmp_path, collector={"authentication": "plaintext"})
    async with running_server(config) as running:
        args = [running.web_url, account.email, account.password, str(template_id), EVENT, PREFIX]
        args.append(str(RUNNERS))
        async with browser_driver("tests.browser.builder_live_driver", *args) as driver:
            assert await driver.line(60) == "READY"
            await start_mat_first(running, start, options)
            report = await run_simulation(*running.collector, [finish], options)
            assert not report.problems
            summary = json.loads(await driver.line(150))
            await driver.finished()
    assert summary["errors"] == []
    assert "no passings yet" in summary["quiet_note"]
    assert summary["name"].startswith(PREFIX)
    assert summary["note"].startswith(f"{EVENT}: {RUNNERS} passings at FINISH")
    assert len(summary["recent"]) == RUNNERS and all(PREFIX in row for row in summary["recent"])
    assert (ROOT / "test-artifacts" / "builder-live-preview.png").exists()
