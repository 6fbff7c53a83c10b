"""Drives two leaderboard display pages in chromium for tests/browser/test_display_leaderboard.py
(in a child process: Playwright's sync API needs a plain asyncio loop).

`python -m tests.browser.leaderboard_driver BUILT_IN_URL TEMPLATED_URL ROWS LEADER` prints a JSON
summary once both pages show ROWS rows: the rows of the built-in leaderboard and of the
template's top-N element; then, once both show LEADER (a name) first, the same again.
"""

from __future__ import annotations

import json
import sys

from tests.browser.chromium import launch
from tests.browser.display_driver import ARTIFACTS, say, wait

BUILT_IN = ".leaderboard li[data-bib]"
TEMPLATED = '[data-element-id="board"] .p88-row'

BUILT_IN_ROWS = """
() => [...document.querySelectorAll('.leaderboard li[data-bib]')].map((li) => [
  li.querySelector('.lb-place').textContent, li.querySelector('.lb-name').textContent,
  li.querySelector('.lb-time').textContent])
"""

TEMPLATE_ROWS = """
() => [...document.querySelectorAll('[data-element-id="board"] .p88-row')].map((row) => [
  row.querySelector('.p88-cell-place').textContent,
  row.querySelector('.p88-cell-name').textContent])
"""


def rows(pages: dict) -> dict:
    return {
        "built_in": pages["built_in"].evaluate(BUILT_IN_ROWS),
        "templated": pages["templated"].evaluate(TEMPLATE_ROWS),
    }


def drive(built_in: str, templated: str, count: int, leader: str) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            pages = {}
            for name, url, selector in (
                ("built_in", built_in, BUILT_IN),
                ("templated", templated, TEMPLATED),
            ):
                page = browser.new_page(viewport={"width": 1280, "height": 720})
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.goto(url)
                wait(page, f"document.querySelectorAll('{selector}').length >= {count}", 30)
                pages[name] = page
            say(json.dumps({**rows(pages), "errors": errors}))
            # The timer corrects a time meanwhile: the pages follow without a reload.
            first = {"built_in": ".lb-name", "templated": ".p88-cell-name"}
            for name, page in pages.items():
                selector = f"{BUILT_IN if name == 'built_in' else TEMPLATED} {first[name]}"
                found = f"(document.querySelector('{selector}') || {{}}).textContent"
                wait(page, f"{found} === {json.dumps(leader)}", 30)
                page.screenshot(path=str(ARTIFACTS / f"display-leaderboard-{name}.png"))
            say(json.dumps({**rows(pages), "errors": errors}))
        finally:
            browser.close()


if __name__ == "__main__":
    drive(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
