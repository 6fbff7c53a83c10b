"""A template's chip-time element on a live display, in headless Debian chromium.

The display shows FINISH only; its template has a chip-time element and a gun-time one. A short
race arrives over CTP01 (the start mat first, as on race day): each athlete called out must show
their own chip time (finish read minus their START crossing, from timing_reads) beside their gun
time.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from p88.db.partners import partner_by_slug
from p88.db.pool import connect, open_bridge, open_pool
from p88.db.templates import create_template
from p88.db.tenancy import tenant_transaction
from p88.demo import seed_race_display
from p88.displays.options import DisplayOptions
from p88.layouts.presets import sample_document
from p88.tcp.race_sources import synthetic_race
from p88.tcp.simulator import SimOptions, run_simulation
from tests.browser.chromium import browser_driver, requires_chromium
from tests.browser.test_display_live import free_port
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.system.test_display_push import expected_chip_ms, start_mat_first

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2021, 5, 8)
EVENT = "QUAY 5K"
RUNNERS = 6
OPTIONS = SimOptions(client_id="chip-browser-test", linger=0.2, retry_seconds=0.1)


def chip_and_gun_document() -> dict[str, Any]:
    """The finish preset with its time element switched to chip time (to the hundredth, so a
    second's rounding cannot hide a wrong origin) and a gun-time element beside it."""
    document = sample_document("finish")
    elements = document["elements"]
    time_element = next(e for e in elements if e["id"] == "time")
    time_element["options"] = {"source": "chip", "format": "h:mm:ss.tt"}
    gun = {**time_element, "id": "gun-time", "y": time_element["y"] + 200, "h": 120}
    gun["options"] = {"source": "gun", "format": "h:mm:ss.tt"}
    elements.append(gun)
    return document


def race_time(ms: int) -> str:
    """As render.js formats 'h:mm:ss.tt' (truncated, never rounded)."""
    total = ms // 1000
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}.{ms // 10 % 100:02d}"


@requires_chromium
async def test_a_chip_time_element_shows_each_runners_chip_time(dsn: str, tmp_path: Path) -> None:
    pytest.importorskip("playwright")
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        async with pool.acquire() as conn:
            partner = await partner_by_slug(conn, "default")  # anonymous middleware's partner
        assert partner is not None
        async with tenant_transaction(pool, partner.id) as conn:
            template_id = await create_template(
                conn, partner.id, "Chip", chip_and_gun_document(), "test"
            )
        display = await seed_race_display(
            pool,
            partner.id,
            event=EVENT,
            day=DAY,
            timezone="UTC",
            runners=RUNNERS,
            waves=1,
            template_id=template_id,
            options=DisplayOptions(min_on_screen_ms=300, group_window_ms=0, max_queue=40),
        )
    start, finish = synthetic_race(RUNNERS, ["START", "FINISH"], 1, 6, EVENT, DAY)
    web, collector = free_port(), free_port()
    config = make_config(
        dsn,
        tmp_path,
        web={"bind": f"127.0.0.1:{web}"},
        collector={"bind": f"127.0.0.1:{collector}"},
    )
    url = f"http://127.0.0.1:{web}/d/{display.token}"
    async with browser_driver("tests.browser.chip_time_driver", url, str(RUNNERS)) as driver:
        async with running_server(config) as running:
            assert await driver.line(60) == "READY"
            await start_mat_first(running, start, OPTIONS)
            report = await run_simulation(*running.collector, [finish], OPTIONS)
            assert not report.problems
            summary = json.loads(await driver.line(120))
        await driver.finished()
    assert summary["errors"] == []
    shown = {int(event_id): texts for event_id, texts in summary["times"].items()}
    assert len(shown) == RUNNERS
    async with open_bridge(), connect(dsn) as conn:
        events = [{"id": event_id} for event_id in shown]
        chips = await expected_chip_ms(conn, display.session_id, events)
        gun: datetime = await conn.fetchval(
            "SELECT local_time FROM gun_times WHERE session_id = $1", display.session_id
        )
        finishes = {
            read_id: when
            for read_id, when in await conn.fetch(
                "SELECT id, local_time FROM timing_reads WHERE id = ANY($1)", list(chips)
            )
        }
    for event_id, (chip_text, gun_text) in shown.items():
        assert chip_text == race_time(chips[event_id])
        assert gun_text == race_time((finishes[event_id] - gun) // timedelta(milliseconds=1))
    assert any(chip != gun for chip, gun in shown.values())
