"""Drives a templated display page in chromium for tests/browser/test_display_chip_time.py, in
a child process (Playwright's sync API needs a plain asyncio loop; nothing from p88 is imported).

`python -m tests.browser.chip_time_driver URL COUNT` prints `READY` once the page is live, then a
JSON summary once it has called out COUNT athletes: for each event id on screen, the text of its
chip-time element and of its gun-time element.
"""

from __future__ import annotations

import json
import sys
import time

from tests.browser.chromium import launch
from tests.browser.display_driver import ARTIFACTS, say, wait

# Records what the template shows for each athlete it calls out: event id -> [chip, gun].
WATCH_TIMES = """
() => {
  window.__times = {};
  const root = document.getElementById('display');
  const text = (id) =>
    (document.querySelector(`[data-element-id="${id}"]`) || {}).textContent || '';
  const record = () => {
    const showing = root.dataset.showing;
    if (showing) window.__times[showing] = [text('time'), text('gun-time')];
  };
  const all = { childList: true, subtree: true, characterData: true };
  new MutationObserver(record).observe(root, all);
  record();
}
"""


def drive(url: str, count: int) -> dict:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(url + "?kiosk=1")
            page.evaluate(WATCH_TIMES)
            wait(page, "document.getElementById('display').dataset.link === 'live'", 20)
            say("READY")
            wait(page, f"Object.keys(window.__times).length >= {count}", 90)
            time.sleep(0.3)  # the last card's text settles
            page.screenshot(path=str(ARTIFACTS / "display-templated-chip-time.png"))
            return {"times": page.evaluate("() => window.__times"), "errors": errors}
        finally:
            browser.close()


if __name__ == "__main__":
    say(json.dumps(drive(sys.argv[1], int(sys.argv[2]))))
