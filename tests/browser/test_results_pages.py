"""The results pages in headless Debian chromium against the whole server: the session page
says the runners of a three-gun race have no wave and links to the fix; the timer lists the
waves and their bib ranges in the setup form, saves, and every time and place is right; a
manual start time changes a result at once. Screenshots go to test-artifacts/."""

from __future__ import annotations

import json

import pytest

from p88.db.pool import open_bridge, open_pool
from tests.browser.chromium import browser_driver, requires_chromium
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.web.results_seed import EXPECTED, seed_three_waves
from tests.web.support import create_partner_with_user

pytestmark = pytest.mark.browser


@requires_chromium
async def test_a_timer_gives_three_waves_their_bib_ranges_in_the_browser(dsn, tmp_path) -> None:
    pytest.importorskip("playwright")
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        account = await create_partner_with_user(pool, "alpha", role="operator")
        race = await seed_three_waves(pool, account.partner_id)
    async with running_server(make_config(dsn, tmp_path)) as running:
        args = (running.web_url, account.email, account.password, str(race.session_id))
        async with browser_driver("tests.browser.results_driver", *args) as driver:
            seen = json.loads(await driver.line(patience=120))
            await driver.finished()
    assert "7 runners have no wave and 3 guns were fired" in seen["session_problems"]
    assert "a bib range per wave" in seen["session_problems"]
    assert seen["fix_link_went_to"].endswith(f"/sessions/{race.session_id}/results/setup")
    assert seen["setup_origin"] == "suggested"
    assert seen["saved_notice"] == "Setup saved: the results were computed again from it."
    assert "have no wave" not in seen["session_after"]
    assert {bib: (gun, chip, place) for bib, (place, gun, chip) in seen["table"].items()} == (
        EXPECTED
    )
    assert "START no time" in seen["corrections_list"]
    assert "START 08:10:01.00 (manual)" in seen["corrections_list"]
    assert seen["errors"] == []
