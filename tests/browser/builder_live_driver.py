"""Drives the builder's live preview in chromium for tests/browser/test_builder_live.py, in a
child process (Playwright's sync API needs a plain asyncio loop; see builder_driver.py).

`python -m tests.browser.builder_live_driver URL EMAIL PASSWORD TEMPLATE_ID SESSION PREFIX N`:
signs in, opens the builder, picks "Live: SESSION" in the preview menu with the keyboard, prints
READY once the quiet session's fallback note shows, then waits for a runner whose first name
starts with PREFIX to be called out on the canvas and for all N finishers, and prints a JSON
summary.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from tests.browser.chromium import launch, record_failed_responses, sign_in

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def say(line: str) -> None:
    print(line, flush=True)


def drive(
    web_url: str,
    email: str,
    password: str,
    template_id: int,
    session: str,
    prefix: str,
    runners: int,
) -> dict:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 960})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            record_failed_responses(page, errors)
            sign_in(page, web_url, email, password)
            page.goto(f"{web_url}/templates/{template_id}/builder")
            page.wait_for_selector("#builder[data-ready='1']", timeout=15_000)

            # The menu is a <select>: reach it with Tab, pick the session with the arrow keys.
            label = f"Live: {session}"
            menu = page.locator("#bd-source")
            expect(menu.locator("option", has_text=label)).to_have_count(1, timeout=15_000)
            labels = menu.locator("option").all_inner_texts()
            menu.focus()
            for _ in range(labels.index(label) - labels.index("Sample data")):
                page.keyboard.press("ArrowDown")
            expect(menu).to_have_value(
                menu.locator("option", has_text=label).get_attribute("value")
            )
            note = page.locator("#bd-source-note")
            expect(note).to_contain_text("no passings yet", timeout=15_000)
            quiet_note = note.inner_text()
            say("READY")

            name = page.locator(".p88-el[data-element-id='name']")
            expect(name).to_have_text(re.compile("^" + re.escape(prefix)), timeout=90_000)
            # The finish comes after the start mat: then the preview shows the finishers.
            expect(note).to_contain_text(f"{runners} passings at FINISH", timeout=90_000)
            page.screenshot(path=str(ARTIFACTS / "builder-live-preview.png"))
            return {
                "errors": errors,
                "quiet_note": quiet_note,
                "note": note.inner_text(),
                "name": name.inner_text(),
                "recent": page.locator(".p88-el-last_n_list .p88-row").all_inner_texts(),
            }
        finally:
            browser.close()


def main() -> None:
    web_url, email, password, template_id, session, prefix, runners = sys.argv[1:8]
    summary = drive(web_url, email, password, int(template_id), session, prefix, int(runners))
    say(json.dumps(summary))


if __name__ == "__main__":
    main()
