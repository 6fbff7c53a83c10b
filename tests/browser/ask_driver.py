"""Drives the Ask page in chromium for tests/browser/test_ask_page.py, in a child process
(Playwright's sync API needs a plain asyncio loop; nothing from p88 is imported).

`python -m tests.browser.ask_driver URL EMAIL PASSWORD QUESTION` asks QUESTION, reads the
table, the chart, the SQL, downloads the CSV, then asks a suggested question and prints a JSON
summary as its last line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.browser.chromium import launch, record_failed_responses, sign_in

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def drive(web_url: str, email: str, password: str, question: str) -> dict:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    seen: dict = {}
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            record_failed_responses(page, errors)
            sign_in(page, web_url, email, password)

            page.click("nav.mainnav >> text=Ask")
            page.wait_for_url(f"{web_url}/ask")
            seen["suggestions"] = page.locator("#suggestions li").count()
            page.fill("#question", question)
            page.click("#ask-button")
            expect(page.locator("#answer-table")).to_be_visible()
            seen["header"] = page.locator("#answer-table thead th").all_inner_texts()
            seen["rows"] = [
                r.locator("td").all_inner_texts()
                for r in page.locator("#answer-table tbody tr").all()
            ]
            chart = page.locator("#answer-chart")
            seen["chart_kind"] = chart.get_attribute("data-kind")
            seen["bars"] = chart.locator("rect.bar").count()
            seen["sql"] = page.locator("#answer-sql").inner_text()
            seen["understood"] = page.locator("#answer-understood").inner_text()
            page.screenshot(path=str(ARTIFACTS / "ask-answer.png"), full_page=True)
            with page.expect_download() as info:
                page.click("#answer-csv")
            download = info.value
            seen["csv_name"] = download.suggested_filename
            seen["csv"] = Path(download.path()).read_text(encoding="utf-8")

            first = page.locator("#suggestions li button").first
            seen["suggestion"] = first.inner_text()
            first.click()
            expect(page.locator("#answer h2")).to_have_text(seen["suggestion"])
            seen["suggestion_outcome"] = page.locator("#answer").get_attribute("data-outcome")
            seen["history"] = page.locator("#history tbody tr").count()
            page.screenshot(path=str(ARTIFACTS / "ask-suggestion.png"), full_page=True)
            seen["errors"] = errors
        finally:
            browser.close()
    return seen


if __name__ == "__main__":
    print(json.dumps(drive(*sys.argv[1:5])), flush=True)
