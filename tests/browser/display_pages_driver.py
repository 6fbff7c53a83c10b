"""Drives the operator's display pages in chromium for tests/browser/test_display_pages.py, in a
child process (Playwright's sync API needs a plain asyncio loop; nothing from p88 is imported).

`python -m tests.browser.display_pages_driver URL EMAIL PASSWORD` prints a JSON summary.
"""

from __future__ import annotations

import json
import sys

from tests.browser.chromium import launch, sign_in
from tests.browser.display_driver import ARTIFACTS


def drive(web_url: str, email: str, password: str) -> dict:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            sign_in(page, web_url, email, password)
            page.goto(f"{web_url}/displays/new")
            page.fill("input[name=name]", "Finish TV")
            page.select_option("select[name=session_id]", index=1)
            page.fill("input[name=locations]", "FINISH")
            page.select_option("select[name=template_id]", label="Finish call-out")
            page.fill("input[name=min_on_screen_ms]", "2000")
            page.screenshot(path=str(ARTIFACTS / "displays-new.png"), full_page=True)
            page.click("button.primary")
            page.wait_for_selector("#display-url")
            link = page.input_value("#display-url")
            qr_loaded = page.evaluate("() => document.querySelector('.qr img').naturalWidth > 0")
            page.screenshot(path=str(ARTIFACTS / "displays-link.png"), full_page=True)
            page.goto(f"{web_url}/displays")
            listed = page.locator(".displays-table tbody tr").first.inner_text()
            page.screenshot(path=str(ARTIFACTS / "displays-list.png"), full_page=True)
            return {"link": link, "qr_loaded": qr_loaded, "listed": listed, "errors": errors}
        finally:
            browser.close()


if __name__ == "__main__":
    print(json.dumps(drive(*sys.argv[1:4])))
