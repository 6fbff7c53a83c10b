"""Leaderboards in headless Debian chromium, opened after the race with a feed ring far smaller
than the field: the built-in leaderboard and a template's top-N element both rank the fastest
finishers of the whole race (from the hello's leaders), not the last few arrivals."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import trio

from p88.db.pool import open_bridge, open_pool
from p88.db.templates import create_template
from p88.db.tenancy import tenant_transaction
from p88.demo import seed_race_display
from p88.layouts.presets import sample_document
from tests.browser.chromium import requires_chromium
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.system.test_display_push import DAY, RUNNERS, make_partner, replay
from tests.system.wsclient import WsClient

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ROWS = 10  # both leaderboards show the top 10


def elapsed_text(ms: int) -> str:
    """As the page formats a gun time (p88/web/static/display/format.js)."""
    total = ms // 1000
    h, m, s = total // 3600, total % 3600 // 60, total % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@requires_chromium
async def test_leaderboards_opened_late_rank_the_whole_race(dsn: str, tmp_path: Path) -> None:
    pytest.importorskip("playwright")
    alpha = await make_partner(dsn, "alpha")
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        async with tenant_transaction(pool, alpha) as conn:
            template_id = await create_template(
                conn, alpha, "Leaders", sample_document("results"), "test"
            )
        common: dict[str, Any] = {
            "event": "RIVER RUN",
            "day": DAY,
            "timezone": "UTC",
            "runners": RUNNERS,
            "waves": 1,
            "mode": "leaderboard",
        }
        built_in = await seed_race_display(pool, alpha, name="Leaders", **common)
        templated = await seed_race_display(
            pool, alpha, name="Leaders TV", template_id=template_id, **common
        )
    config = make_config(dsn, tmp_path, collector={"authentication": "plaintext"})
    async with running_server(config) as running:
        running.hub.ring_size = 3  # the pages' history alone holds 3 of the 24 finishers
        await replay(running, "alpha", "RIVER RUN", 1)
        probe = await WsClient.connect(running.web_url, f"/d/{built_in.token}/ws")
        hello = await probe.message()
        await probe.aclose()
        assert len(hello["events"]) == 3 and len(hello["leaders"]) == RUNNERS
        best = hello["leaders"][:ROWS]
        base = f"{running.web_url}/d/"
        result = await trio.run_process(
            [
                sys.executable, "-m", "tests.browser.leaderboard_driver",
                base + built_in.token, base + templated.token, str(ROWS),
            ],
            capture_stdout=True,
            cwd=str(ROOT),
            check=False,
        )  # fmt: skip
    assert result.returncode == 0, result.stdout.decode()[-2000:]
    seen = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert seen["errors"] == []
    places = [str(n) for n in range(1, ROWS + 1)]
    expected = [[p, e["p"]["name"], elapsed_text(e["gun_ms"])] for p, e in zip(places, best)]
    assert seen["built_in"] == expected
    assert seen["templated"] == [[p, e["p"]["name"]] for p, e in zip(places, best)]
