"""Drives the sessions and participant-import pages in chromium for
tests/browser/test_sessions_pages.py, in a child process (Playwright's sync API needs a plain
asyncio loop, which p88's trio-asyncio policy would replace; so nothing from p88 is imported).

`python -m tests.browser.sessions_driver URL EMAIL PASSWORD CSV_PATH` prints `READY` once the
live preview is connected (the test then sends a read over CTP01), waits for tag 7777 to appear,
then imports CSV_PATH and prints a JSON summary as its last line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.browser.chromium import launch, sign_in

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
LIVE_TAG = "7777"


def drive(web_url: str, email: str, password: str, csv_path: str) -> dict:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    seen: dict = {}
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on(
                "console",
                lambda m: (
                    errors.append(f"{m.text} ({m.location.get('url')})")
                    if m.type == "error"
                    else None
                ),
            )
            missing: list[str] = []
            page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
            sign_in(page, web_url, email, password)

            page.goto(f"{web_url}/sessions")
            row = page.locator("table.sessions-table tbody tr").first
            expect(row).to_contain_text("21ROTM")
            seen["list_row"] = row.inner_text()
            page.screenshot(path=str(ARTIFACTS / "sessions-list.png"), full_page=True)

            row.locator("a.session-name").click()
            expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
            print("READY", flush=True)
            fresh = page.locator(f"#live-reads tbody tr:has(td.mono:text-is('{LIVE_TAG}'))")
            expect(fresh).to_have_count(1, timeout=15_000)
            seen["live_row"] = fresh.inner_text()
            seen["top_row"] = page.locator("#live-reads tbody tr").first.inner_text()
            page.screenshot(path=str(ARTIFACTS / "sessions-detail-live.png"), full_page=True)

            page.goto(f"{web_url}/participants/import")
            page.fill("input[name=event]", "21ROTM")
            page.set_input_files("input[name=file]", csv_path)
            page.click("form[action='/participants/import'] button[type=submit]")
            expect(page.locator("h1")).to_have_text("Check the columns")
            seen["bib_column"] = page.locator("#map_bib option:checked").inner_text()
            page.screenshot(path=str(ARTIFACTS / "participants-import-mapping.png"), full_page=True)
            page.click("button[value=import]")
            expect(page.locator("h1")).to_have_text("Import report")
            seen["inserted"] = page.locator("#count-inserted").inner_text()
            seen["bad_lines"] = page.locator("#bad-rows tbody tr td:first-child").all_inner_texts()
            page.screenshot(path=str(ARTIFACTS / "participants-import-report.png"), full_page=True)

            page.click("text=See the participants")
            page.fill("input[name=q]", "Zo")
            page.click("form[role=search] button[type=submit]")
            rows = page.locator("main table tbody tr")
            expect(rows).to_have_count(1)
            seen["search_row"] = rows.first.inner_text()
            page.screenshot(path=str(ARTIFACTS / "participants-list.png"), full_page=True)
            rows.first.locator("a").first.click()
            page.fill("[name=pronunciation]", "ZO-ee O-berg")
            page.click("form.grid-form button[type=submit]")
            expect(page.locator(".notice.ok")).to_have_text("Saved.")
            seen["pronunciation"] = page.locator("[name=pronunciation]").input_value()
            page.screenshot(path=str(ARTIFACTS / "participants-edit.png"), full_page=True)
            # The browser asks for /favicon.ico by itself; the app ships none (not a page error).
            seen["errors"] = [e for e in errors if "/favicon.ico" not in e]
            seen["missing"] = missing
        finally:
            browser.close()
    return seen


if __name__ == "__main__":
    url, user_email, user_password, path = sys.argv[1:5]
    print(json.dumps(drive(url, user_email, user_password, path)), flush=True)
