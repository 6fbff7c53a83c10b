"""Drives a finish display page in chromium for tests/browser/test_display_reload.py, in a child
process (Playwright's sync API needs a plain asyncio loop; nothing from p88 is imported).

`python -m tests.browser.reload_driver URL` prints a JSON summary: what the page shows once
live, and again after a reload (the card's name, bib, place and time, and whether it waits).
"""

from __future__ import annotations

import json
import sys

from tests.browser.chromium import launch
from tests.browser.display_driver import ARTIFACTS, wait

SHOWN = """
() => {
  const text = (sel) => (document.querySelector(sel) || {}).textContent || '';
  return {
    name: text('.athlete .a-name'), bib: text('.athlete .a-bib'), place: text('.athlete .a-rank'),
    time: text('.athlete .a-elapsed'), other: text('.athlete .a-chip'),
    waiting: Boolean(document.querySelector('.idle-card')),
    event: (document.querySelector('.athlete') || { dataset: {} }).dataset.eventId || null,
  };
}
"""


def drive(url: str) -> dict:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            seen = []
            for step in ("opened", "reloaded"):
                if step == "opened":
                    page.goto(url)
                else:
                    page.reload()
                wait(page, "document.getElementById('display').dataset.link === 'live'", 30)
                page.wait_for_timeout(500)  # a few ticks of the page's clock
                seen.append(page.evaluate(SHOWN))
                page.screenshot(path=str(ARTIFACTS / f"display-finish-{step}-after-race.png"))
            return {"opened": seen[0], "reloaded": seen[1], "errors": errors}
        finally:
            browser.close()


if __name__ == "__main__":
    print(json.dumps(drive(sys.argv[1])))
