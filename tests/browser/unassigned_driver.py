"""Drives Platform -> Unassigned reads in chromium for tests/browser/test_unassigned_reads.py,
in a child process (Playwright's sync API needs a plain asyncio loop; nothing from p88 is
imported).

`python -m tests.browser.unassigned_driver URL ADMIN_EMAIL OWNER_EMAIL PASSWORD` signs in as the
platform admin, reads the dashboard's banner, hands the held session to Fast Timing through the
list and its confirmation, then signs in as Fast Timing's owner and reads their dashboard and
sessions list. Prints a JSON summary as its last line; screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.browser.chromium import launch, record_failed_responses, sign_in

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(ARTIFACTS / f"unassigned-{name}.png"), full_page=True)


def drive(web_url: str, admin_email: str, owner_email: str, password: str) -> dict:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    seen: dict = {"errors": []}
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            admin = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
            admin.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
            record_failed_responses(admin, seen["errors"])
            sign_in(admin, web_url, admin_email, password)
            seen["admin_banner"] = admin.locator(".unassigned-banner").inner_text()
            shot(admin, "01-admin-dashboard")
            admin.click(".unassigned-banner a[href='/platform/unassigned/']")
            row = admin.locator("table.unassigned-sessions tbody tr").first
            seen["held_row"] = row.inner_text()
            shot(admin, "02-list")
            row.locator("select[name=partner_id]").select_option(label="Fast Timing")
            row.get_by_role("button", name="Hand over…").click()
            admin.wait_for_url(lambda url: "/hand-over" in url)
            seen["confirm"] = admin.locator("section.hand-over").inner_text()
            shot(admin, "03-confirm")
            admin.locator("section.hand-over button[type=submit]").click()
            admin.wait_for_selector(".notice.ok")
            seen["done"] = admin.locator(".notice.ok").inner_text()
            shot(admin, "04-done")

            owner = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
            owner.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
            record_failed_responses(owner, seen["errors"])
            sign_in(owner, web_url, owner_email, password)
            seen["owner_connections"] = owner.locator("table.table").last.inner_text()
            shot(owner, "05-owner-dashboard")
            owner.goto(f"{web_url}/sessions")
            seen["owner_sessions"] = owner.locator("table.sessions-table").inner_text()
            shot(owner, "06-owner-sessions")
        finally:
            browser.close()
    return seen


if __name__ == "__main__":
    print(json.dumps(drive(*sys.argv[1:5])))
