"""Drives the builder in chromium for tests/browser/test_builder.py, in a child process.

Playwright's sync API needs a plain asyncio event loop, and importing p88's database layer
installs trio-asyncio's loop policy; so this module imports nothing from p88 and runs alone:
`python -m tests.browser.builder_driver URL EMAIL PASSWORD TEMPLATE_ID` prints a JSON summary.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.browser.chromium import launch, record_failed_responses, sign_in

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
NEW_ID = "custom-text-1"


def _center(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not visible"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(
            start[0] + (end[0] - start[0]) * i / 10, start[1] + (end[1] - start[1]) * i / 10
        )
    page.mouse.up()


def _wait_ready(page) -> None:
    page.wait_for_selector("#builder[data-ready='1']", timeout=15_000)


def drive_builder(
    web_url: str, email: str, password: str, template_id: int, others: dict[str, int]
) -> dict:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    seen: dict = {}
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 960})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            record_failed_responses(page, errors)
            sign_in(page, web_url, email, password)
            page.goto(f"{web_url}/templates/{template_id}/builder")
            _wait_ready(page)
            expect(page.locator(".p88-el[data-element-id='name']")).to_have_text(
                "Amara Okafor-Lindqvist"
            )
            page.screenshot(path=str(ARTIFACTS / "builder-finish.png"))

            # 1. Drag "Text" from the palette onto the canvas.
            canvas = page.locator(".bd-canvas-wrap").bounding_box()
            target = (canvas["x"] + canvas["width"] * 0.5, canvas["y"] + canvas["height"] * 0.15)
            _drag(page, _center(page, ".bd-palette-item[data-type='custom_text']"), target)
            rendered = page.locator(f".p88-el[data-element-id='{NEW_ID}']")
            expect(rendered).to_have_text("Welcome to the finish")
            panel = page.locator("#bd-panel")
            x_input = panel.get_by_label("X", exact=True)
            y_input = panel.get_by_label("Y", exact=True)
            dropped = (int(x_input.input_value()), int(y_input.input_value()))

            # 2. Move it on the canvas with the mouse: snapped to the 10 px grid.
            box = f".bd-box[data-element-id='{NEW_ID}']"
            start = _center(page, box)
            _drag(page, start, (start[0] + 120, start[1] + 60))
            moved = (int(x_input.input_value()), int(y_input.input_value()))
            assert moved[0] > dropped[0] and moved[1] > dropped[1]
            assert moved[0] % 10 == 0 and moved[1] % 10 == 0

            # 3. Edit properties in the side panel.
            panel.get_by_label("Text", exact=True).fill("Welcome, runners!")
            expect(rendered).to_have_text("Welcome, runners!")
            panel.get_by_label("Colour", exact=True).first.fill("#ffd166")
            expect(rendered).to_have_css("color", "rgb(255, 209, 102)")
            panel.get_by_label("Size (px)").fill("90")
            expect(rendered).to_have_css("font-size", "90px")

            # 4. Undo (button, then keyboard) and redo (keyboard).
            page.click("#bd-undo")
            expect(rendered).not_to_have_css("font-size", "90px")
            page.locator(box).focus()
            page.keyboard.press("Control+z")
            expect(rendered).not_to_have_css("color", "rgb(255, 209, 102)")
            page.keyboard.press("Control+Shift+z")
            page.keyboard.press("Control+Shift+z")
            expect(rendered).to_have_css("color", "rgb(255, 209, 102)")
            expect(rendered).to_have_css("font-size", "90px")

            # 5. Keyboard: arrows move by the grid, Shift+arrows resize.
            page.locator(box).focus()
            page.keyboard.press("ArrowRight")
            page.keyboard.press("Shift+ArrowDown")
            expect(x_input).to_have_value(str(moved[0] + 10))
            final_x = moved[0] + 10
            page.screenshot(path=str(ARTIFACTS / "builder-editing.png"))

            # 6. Save, reload, and see it persisted.
            page.click("#bd-save")
            expect(page.locator("#bd-status")).to_contain_text("Saved")
            page.reload()
            _wait_ready(page)
            expect(rendered).to_have_text("Welcome, runners!")
            expect(rendered).to_have_css("font-size", "90px")
            page.locator(box).focus()
            expect(x_input).to_have_value(str(final_x))
            page.screenshot(path=str(ARTIFACTS / "builder-after-reload.png"))

            # 7. Delete removes; undo brings it back.
            page.keyboard.press("Delete")
            expect(rendered).to_have_count(0)
            page.keyboard.press("Control+z")
            expect(rendered).to_have_count(1)

            # 8. The palette works from the keyboard: Enter adds an element and selects it.
            page.locator(".bd-palette-item[data-type='bib']").focus()
            page.keyboard.press("Enter")
            expect(page.locator(".p88-el[data-element-id='bib-1']")).to_have_text("1200")
            expect(page.locator(".bd-box[data-element-id='bib-1']")).to_be_focused()
            expect(page.locator("#bd-panel .bd-panel-title")).to_have_text("Bib")

            # 9. The other presets, for the record (and a look at the renderer's lists).
            for kind, other_id in others.items():
                page.goto(f"{web_url}/templates/{other_id}/builder")
                _wait_ready(page)
                expect(page.locator(".p88-el").first).to_be_visible()
                page.screenshot(path=str(ARTIFACTS / f"builder-{kind}.png"))
            page.goto(f"{web_url}/templates")
            page.screenshot(path=str(ARTIFACTS / "templates-list.png"), full_page=True)
            seen.update(final_x=final_x, errors=errors)
        finally:
            browser.close()
    return seen


if __name__ == "__main__":
    url, user_email, user_password, template = sys.argv[1:5]
    extra = dict((kind, int(i)) for kind, i in (arg.split(":") for arg in sys.argv[5:]))
    print(json.dumps(drive_builder(url, user_email, user_password, int(template), extra)))
