"""Public results on a phone-sized screen in headless Debian chromium: search, the runner page,
and a crossing over CTP01 reaching the open list without a reload. Screenshots go to
test-artifacts/ (results-phone-*.png)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import trio

from p88.db.partners import partner_by_slug
from p88.db.pool import open_bridge, open_pool
from p88.tcp.race_sources import Observation, PointFeed, Stream
from p88.tcp.simulator import SimOptions, run_simulation
from tests.browser.chromium import Driver, requires_chromium
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.web.public_results_seed import EVENT, publish, seed_race

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "phone-results-link-2021"


@requires_chromium
async def test_results_on_a_phone_search_runner_page_and_a_live_crossing(
    dsn: str, tmp_path: Path
) -> None:
    pytest.importorskip("playwright")
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        async with pool.acquire() as conn:
            partner = await partner_by_slug(conn, "default")  # anonymous middleware's partner
        assert partner is not None
        race = await seed_race(pool, partner.id)
        await publish(pool, race, TOKEN)
    async with running_server(make_config(dsn, tmp_path)) as running:
        process = await trio.lowlevel.open_process(
            [
                sys.executable, "-m", "tests.browser.results_public_driver",
                f"{running.web_url}/r/{TOKEN}",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=str(ROOT),
        )  # fmt: skip
        try:
            driver = Driver(process)
            assert await driver.line(120) == "READY"
            # Dan crosses the finish: 19:00 chip, second overall.
            finish = race.gun + timedelta(minutes=29)
            crossing = Stream(
                EVENT, "FINISH", (Observation(1, "T4", finish, 1, "R1", 0),), "FINISH1"
            )
            report = await run_simulation(
                *running.collector,
                [PointFeed("FINISH", (crossing,))],
                SimOptions(client_id="phone-test", linger=0.2, retry_seconds=0.1),
            )
            assert not report.problems, report.problems
            assert process.stdin is not None
            await process.stdin.send_all(b"go\n")
            seen = json.loads(await driver.line(60))
            await driver.finished()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert seen["errors"] == []
    assert seen["search_rows"] == ["3"]
    assert seen["runner_heading"] == "Carl Steady"
    assert "HALF" in seen["runner_splits"] and "0:25:00.00" in seen["runner_splits"]
    assert seen["live"] and seen["fits_phone"] and seen["provisional_banner"]
    assert seen["rows_before"] == ["2", "1", "3", "6", "4", "5"]
    assert seen["updated"], seen["rows_after"]
    assert seen["rows_after"] == ["2", "4", "1", "3", "6", "5"]
    assert seen["same_document"]  # updated in place, not reloaded
    assert seen["highlighted"] == 1  # Dan: his own result changed; the others only moved
    assert seen["updated_text"].endswith("s ago")
    for name in ("list", "search", "runner", "live"):
        assert (ROOT / "test-artifacts" / f"results-phone-{name}.png").stat().st_size > 0
