"""Debian's chromium for the browser tests: where it is, how to start it, when to skip.

Never `playwright install`: it downloads a browser of its own, which this project does not use.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import trio

ROOT = Path(__file__).resolve().parents[2]

CHROMIUM = Path("/usr/bin/chromium")
# Root needs --no-sandbox; the rest keep chromium from calling out to a network it cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium"
)


def launch(playwright: Any) -> Any:
    """A headless Debian chromium, driven by Playwright's sync API."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def sign_in(page: Any, web_url: str, email: str, password: str) -> None:
    """Sign in through the login form and wait until it has let the browser in."""
    page.goto(f"{web_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def record_failed_responses(page: Any, errors: list[str]) -> None:
    """Add every response of 400 or more to `errors` ("<status> <url>"). The browser's own
    favicon probe is not ours to serve."""
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )


class Driver:
    """A Playwright driver script running in its own process (Playwright's sync API cannot run
    inside trio), which reports to the test one line at a time on its stdout."""

    def __init__(self, process: trio.Process) -> None:
        assert process.stdout is not None
        self.process = process
        self._stdout = process.stdout
        self._buffer = bytearray()

    async def line(self, patience: float) -> str:
        """The driver's next line; fails the test if it takes longer or the driver ends."""
        with trio.fail_after(patience):
            while b"\n" not in self._buffer:
                chunk = await self._stdout.receive_some(65536)
                if not chunk:
                    raise AssertionError(f"the browser driver ended early: {self._buffer.decode()}")
                self._buffer.extend(chunk)
        line, _, rest = bytes(self._buffer).partition(b"\n")
        self._buffer[:] = rest
        return line.decode()

    async def finished(self) -> None:
        """Wait for the driver to end by itself, and fail unless it succeeded."""
        await self.process.wait()
        assert self.process.returncode == 0


@asynccontextmanager
async def browser_driver(module: str, *args: str) -> AsyncIterator[Driver]:
    """Run `python -m module args...` from the repository root; a failing test never leaves
    it (and its chromium) running."""
    process = await trio.lowlevel.open_process(
        [sys.executable, "-m", module, *args], stdout=subprocess.PIPE, cwd=str(ROOT)
    )
    try:
        yield Driver(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
