"""Drives the public results pages in chromium on a phone-sized screen for
tests/browser/test_results_public.py, in a child process (Playwright's sync API needs a plain
asyncio loop; nothing from p88 is imported here).

`python -m tests.browser.results_public_driver RESULTS_URL`

Prints `READY` once the list is open and live, waits for the test to send a crossing, then
prints a JSON summary once the open page shows it (or says what it shows after 20 s).
"""

from __future__ import annotations

import json
import sys
import time

from tests.browser.chromium import launch, record_failed_responses
from tests.browser.display_driver import ARTIFACTS

PHONE = {"width": 375, "height": 812}
ROWS = "() => [...document.querySelectorAll('.r-row')].map((r) => r.dataset.bib)"


def say(line: str) -> None:
    print(line, flush=True)


def wait(page, expression: str, seconds: float) -> bool:
    """Poll from here: the page's CSP forbids the eval wait_for_function uses."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def drive(url: str) -> dict:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    summary: dict = {"errors": errors}
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True)
            page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
            page.on(
                "console",
                lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None,
            )
            record_failed_responses(page, errors)

            page.goto(f"{url}?q=steady")
            summary["search_rows"] = page.evaluate(ROWS)
            page.screenshot(path=str(ARTIFACTS / "results-phone-search.png"), full_page=True)
            page.click(".r-row .r-name")
            page.wait_for_selector(".r-splits")
            summary["runner_heading"] = page.inner_text(".r-runner h2")
            summary["runner_splits"] = page.inner_text(".r-splits tbody")
            page.screenshot(path=str(ARTIFACTS / "results-phone-runner.png"), full_page=True)

            page.goto(url)
            summary["live"] = wait(page, "document.querySelector('#r-live[data-state=live]')", 15)
            summary["rows_before"] = page.evaluate(ROWS)
            summary["fits_phone"] = page.evaluate(
                "() => document.documentElement.scrollWidth <= window.innerWidth"
            )
            summary["provisional_banner"] = page.is_visible(".r-provisional")
            page.screenshot(path=str(ARTIFACTS / "results-phone-list.png"), full_page=True)
            page.evaluate("() => { window.__sameDocument = true; }")
            say("READY")
            sys.stdin.readline()  # the test sent the crossing
            summary["updated"] = wait(
                page, "document.querySelectorAll('.r-row')[1]?.dataset.bib === '4'", 20
            )
            summary["rows_after"] = page.evaluate(ROWS)
            summary["same_document"] = page.evaluate("() => window.__sameDocument === true")
            summary["highlighted"] = page.evaluate(
                "() => document.querySelectorAll('.r-row.fresh').length"
            )
            summary["updated_text"] = page.inner_text("#r-updated")
            page.screenshot(path=str(ARTIFACTS / "results-phone-live.png"), full_page=True)
            return summary
        finally:
            browser.close()


if __name__ == "__main__":
    print(json.dumps(drive(sys.argv[1])), flush=True)
