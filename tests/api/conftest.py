"""Fixtures for the data API's tests (helpers in tests/api/support.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.web.support import WebHarness, web_app


@pytest.fixture
async def web(dsn, tmp_path) -> AsyncIterator[WebHarness]:
    """The whole web app over a fresh database (tests/web/support.py)."""
    async with web_app(dsn, tmp_path) as harness:
        yield harness
