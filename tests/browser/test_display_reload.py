"""A finish display opened, or reloaded, after the last finisher, in headless Debian chromium:
it shows that finisher (name, place from the results, time), never "waiting for the first
finisher"."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import trio

from p88.db.pool import open_bridge, open_pool
from p88.demo import seed_race_display
from tests.browser.chromium import requires_chromium
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.system.test_display_push import DAY, RUNNERS, make_partner, replay
from tests.system.wsclient import WsClient

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


@requires_chromium
async def test_a_finish_screen_reloaded_after_the_race_shows_the_last_finisher(
    dsn: str, tmp_path: Path
) -> None:
    pytest.importorskip("playwright")
    alpha = await make_partner(dsn, "alpha")
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        demo = await seed_race_display(
            pool, alpha, event="RIVER RUN", day=DAY, timezone="UTC", runners=RUNNERS, waves=1
        )
    config = make_config(dsn, tmp_path, collector={"authentication": "plaintext"})
    async with running_server(config) as running:
        await replay(running, "alpha", "RIVER RUN", 1)
        probe = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
        hello = await probe.message()
        await probe.aclose()
        last = max(hello["events"], key=lambda e: e["id"])
        assert len(hello["events"]) == RUNNERS and last["r"]["place"]["overall"] is not None
        url = f"{running.web_url}/d/{demo.token}"
        result = await trio.run_process(
            [sys.executable, "-m", "tests.browser.reload_driver", url],
            capture_stdout=True,
            cwd=str(ROOT),
            check=False,
        )
    assert result.returncode == 0, result.stdout.decode()[-2000:]
    seen = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert seen["errors"] == []
    place = f"Place {last['r']['place']['overall']} of {RUNNERS}"  # final: everyone is in
    for step in ("opened", "reloaded"):
        shown = seen[step]
        assert shown["waiting"] is False, step
        assert shown["event"] == str(last["id"])
        assert (shown["name"], shown["bib"]) == (last["p"]["name"], last["p"]["bib"])
        assert shown["place"] == place
        assert shown["time"] and shown["other"].startswith("gun ")  # chip-ranked: chip first
