"""Drives public display pages in chromium for tests/browser/test_display_live.py, in a child
process (Playwright's sync API needs a plain asyncio loop; nothing from p88 is imported here).

`python -m tests.browser.display_driver FINISH_URL TEMPLATED_URL ANNOUNCER_URL MID TOTAL`

Prints, one per line, as the race goes: `READY` (all pages live), `SHOT` (mid-race screenshots
taken once the finish page has MID arrivals), `OFFLINE` (the server went away and the page says
so), then a JSON summary once the finish page has TOTAL arrivals again after reconnecting.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from tests.browser.chromium import launch

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"

# Records every athlete card the page puts on screen: event id -> [name, time, place text].
WATCH_CARDS = """
() => {
  window.__shown = {};
  const record = () => {
    for (const card of document.querySelectorAll('.athlete[data-event-id]')) {
      const text = (sel) => (card.querySelector(sel) || {}).textContent || '';
      window.__shown[card.dataset.eventId] = [text('.a-name'), text('.a-elapsed'), text('.a-bib')];
    }
  };
  new MutationObserver(record).observe(document.body, { childList: true, subtree: true });
  record();
}
"""

SUMMARY = """
() => ({
  ids: window.p88display.state.history.map((e) => e.id),
  duplicates: window.p88display.state.queue.duplicates,
  lastId: window.p88display.state.queue.lastId,
  notShown: window.p88display.state.queue.notShown,
  shown: window.__shown,
  link: document.getElementById('display').dataset.link,
})
"""


def say(line: str) -> None:
    print(line, flush=True)


def wait(page, expression: str, seconds: float) -> None:
    """Poll `expression` from here: the page's CSP forbids the eval wait_for_function uses."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {seconds} s for {expression}")
        time.sleep(0.1)


def use_announcer(page) -> dict:
    """Search a bib, highlight that athlete, clear the search: what the announcer does."""
    newest = page.locator(".announcer-list li[data-bib]").first
    bib = newest.get_attribute("data-bib")
    listed = "[...document.querySelectorAll('.announcer-list li[data-bib]')]"
    page.fill(".an-bar input", bib)
    wait(page, f"{listed}.every((li) => li.dataset.bib.startsWith({json.dumps(bib)}))", 10)
    found = page.locator(".announcer-list li[data-bib]").all_inner_texts()
    page.locator(f".announcer-list li[data-bib='{bib}']").first.click()
    wait(page, "document.querySelector('.announcer-list li.starred')", 10)
    starred = page.locator(".announcer-list li.starred").count()
    page.fill(".an-bar input", "")
    wait(page, f"{listed}.length > {len(found)}", 10)
    page.screenshot(path=str(ARTIFACTS / "display-announcer-highlight.png"))
    return {
        "bib": bib,
        "found": found,
        "starred": starred,
        "starred_after_clear": page.locator(".announcer-list li.starred").count(),
        "listed": page.locator(".announcer-list li[data-bib]").count(),
    }


def drive(finish_url: str, templated_url: str, announcer_url: str, mid: int, total: int) -> dict:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            pages = {}
            for name, url in (
                ("finish", finish_url),
                ("templated", templated_url + "?kiosk=1"),
                ("announcer", announcer_url),
            ):
                page = browser.new_page(viewport={"width": 1920, "height": 1080})
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.goto(url)
                pages[name] = page
            finish = pages["finish"]
            finish.evaluate(WATCH_CARDS)
            for page in pages.values():
                wait(page, "document.getElementById('display').dataset.link === 'live'", 20)
            say("READY")
            wait(finish, f"window.p88display.state.history.length >= {mid}", 60)
            time.sleep(1.2)  # let the newest card settle in
            for name, page in pages.items():
                page.screenshot(path=str(ARTIFACTS / f"display-{name}-mid-race.png"))
            say("SHOT")
            wait(finish, "document.getElementById('display').dataset.link !== 'live'", 60)
            wait(finish, "!document.querySelector('.d-badge').hidden", 10)
            badge = finish.locator(".d-badge").inner_text()
            finish.screenshot(path=str(ARTIFACTS / "display-finish-offline.png"))
            cards_while_offline = finish.locator(".athlete").count()
            say("OFFLINE")
            wait(finish, f"window.p88display.state.history.length >= {total}", 90)
            wait(finish, "document.getElementById('display').dataset.link === 'live'", 30)
            time.sleep(1.5)  # anything sent twice would arrive now
            finish.screenshot(path=str(ARTIFACTS / "display-finish-caught-up.png"))
            summary = finish.evaluate(SUMMARY)
            summary["badge_offline"] = badge
            summary["cards_while_offline"] = cards_while_offline
            summary["badge_after"] = finish.locator(".d-badge").is_hidden()
            # Each page reconnects on its own backoff: the announcer may still be catching up.
            announcer = pages["announcer"]
            wait(announcer, "document.getElementById('display').dataset.link === 'live'", 30)
            listed = "document.querySelectorAll('.announcer-list li[data-bib]').length"
            wait(announcer, f"{listed} >= {total}", 30)
            summary["announcer"] = use_announcer(announcer)
            summary["errors"] = errors
            return summary
        finally:
            browser.close()


if __name__ == "__main__":
    finish_url, templated_url, announcer_url, mid, total = sys.argv[1:6]
    say(json.dumps(drive(finish_url, templated_url, announcer_url, int(mid), int(total))))
