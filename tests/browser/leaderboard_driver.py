"""Drives two leaderboard display pages in chromium for tests/browser/test_display_leaderboard.py
(in a child process: Playwright's sync API needs a plain asyncio loop).

`python -m tests.browser.leaderboard_driver BUILT_IN_URL TEMPLATED_URL ROWS` prints a JSON
summary: the rows of the built-in leaderboard and of the template's top-N element.
"""

from __future__ import annotations

import json
import sys

from tests.browser.chromium import launch
from tests.browser.display_driver import ARTIFACTS, wait

BUILT_IN_ROWS = """
() => [...document.querySelectorAll('.leaderboard li[data-event-id]')].map((li) => [
  li.querySelector('.lb-place').textContent, li.querySelector('.lb-name').textContent,
  li.querySelector('.lb-time').textContent])
"""

TEMPLATE_ROWS = """
() => [...document.querySelectorAll('[data-element-id="board"] .p88-row')].map((row) => [
  row.querySelector('.p88-cell-place').textContent,
  row.querySelector('.p88-cell-name').textContent])
"""


def drive(built_in: str, templated: str, rows: int) -> dict:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            summary: dict = {"errors": errors}
            for name, url, script, selector in (
                ("built_in", built_in, BUILT_IN_ROWS, ".leaderboard li[data-event-id]"),
                ("templated", templated, TEMPLATE_ROWS, '[data-element-id="board"] .p88-row'),
            ):
                page = browser.new_page(viewport={"width": 1280, "height": 720})
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.goto(url)
                wait(page, f"document.querySelectorAll('{selector}').length >= {rows}", 30)
                summary[name] = page.evaluate(script)
                page.screenshot(path=str(ARTIFACTS / f"display-leaderboard-{name}.png"))
                page.close()
            return summary
        finally:
            browser.close()


if __name__ == "__main__":
    print(json.dumps(drive(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
