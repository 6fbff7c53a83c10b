"""Drives the results pages in chromium for tests/browser/test_results_pages.py, in a child
process (Playwright's sync API needs a plain asyncio loop; nothing from p88 is imported).

`python -m tests.browser.results_driver URL EMAIL PASSWORD SESSION_ID` prints one JSON line:
what the session page said, the times and places after the timer set up three waves with a
bib range each through the setup form, and after a manual start time for bib 202.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.browser.chromium import launch, record_failed_responses, sign_in

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
RANGES = (("1", "1", "99"), ("2", "100", "199"), ("3", "200", "299"))


def _table(page: Any) -> dict[str, list[str]]:
    rows = page.locator("#results tbody tr")
    found = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        found[row.get_attribute("data-bib")] = [
            row.locator("td.place").inner_text(),
            row.locator("td.gun").inner_text(),
            row.locator("td.chip").inner_text(),
        ]
    return found


def _set_up_waves(page: Any, base: str) -> None:
    page.goto(f"{base}/results/setup")
    page.fill("input[name=course-0-min_time]", "0:10:00")
    for i, (wave, first, last) in enumerate(RANGES):
        page.fill(f"input[name=wave-{i}-name]", wave)
        page.fill(f"input[name=range-{i}-wave]", wave)
        page.fill(f"input[name=range-{i}-first]", first)
        page.fill(f"input[name=range-{i}-last]", last)
    page.screenshot(path=str(ARTIFACTS / "results-setup-filled.png"), full_page=True)
    page.locator("button[value=save]").first.click()
    page.wait_for_url(lambda url: "done=saved" in url)


def drive(web_url: str, email: str, password: str, session_id: str) -> dict[str, Any]:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    seen: dict[str, Any] = {}
    base = f"{web_url}/sessions/{session_id}"
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            record_failed_responses(page, errors)
            sign_in(page, web_url, email, password)

            page.goto(base)
            seen["session_problems"] = page.locator("#session-results").inner_text()
            page.screenshot(path=str(ARTIFACTS / "results-session-problems.png"), full_page=True)
            page.locator("#session-results a.fix").first.click()
            seen["fix_link_went_to"] = page.url
            seen["setup_origin"] = page.locator("#setup-origin").get_attribute("data-origin")

            _set_up_waves(page, base)
            seen["saved_notice"] = page.locator("p.notice").first.inner_text()
            page.goto(base)
            seen["session_after"] = page.locator("#session-results").inner_text()
            page.goto(f"{base}/results")
            seen["table"] = _table(page)
            page.screenshot(path=str(ARTIFACTS / "results-table.png"), full_page=True)

            page.goto(f"{base}/results/corrections?bib=202")
            form = page.locator("#form-manual-time")
            form.locator("select[name=point]").select_option("START")
            form.locator("input[name=time]").fill("08:10:01")
            form.locator("button[type=submit]").click()
            expect(page.locator("#runner .chip-time")).to_have_text("0:44:59.00")
            seen["corrections_list"] = page.locator("#corrections tbody tr").first.inner_text()
            page.screenshot(path=str(ARTIFACTS / "results-corrections.png"), full_page=True)
            seen["errors"] = errors
        finally:
            browser.close()
    return seen


if __name__ == "__main__":
    print(json.dumps(drive(*sys.argv[1:5])), flush=True)
