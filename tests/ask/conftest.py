"""Fixtures for Ask: the Ask service over a fresh copy of the demo race set (the fixture
`demo_dsn`, in tests/conftest.py, as the browser tests use it too)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pytest

from p88.ask.service import Asker, AskService, open_ask_service
from p88.config import Config
from p88.db.pool import open_bridge, open_pool
from tests.ask.questionset import load
from tests.conftest import make_config

TODAY = load().today


@dataclass(slots=True)
class Asking:
    service: AskService
    pool: Any
    config: Config
    partners: dict[str, int]

    @property
    def ask_pool(self) -> Any:
        """The service's pool logged in as the ask role (tests use it directly)."""
        pool = self.service._ask_pool
        assert pool is not None, "the ask pool did not open"
        return pool

    def asker(self, slug: str = "big-river", **extra: Any) -> Asker:
        return Asker(self.partners[slug], email=f"someone@{slug}.example", **extra)


@asynccontextmanager
async def asking(
    dsn: str, tmp_path: Any, today: date = TODAY, **ask: Any
) -> AsyncIterator[Asking]:
    """The Ask service over `dsn` as `p88 serve` opens it, with `[ask]` settings `ask`."""
    config = make_config(dsn, tmp_path, ask=dict(ask))
    async with open_bridge(), open_pool(dsn, max_size=6) as pool:
        async with open_ask_service(config, dsn, pool) as service:
            assert service.available, service.unavailable
            service._today = lambda: today
            rows = await pool.fetch("SELECT slug, id FROM partners")
            yield Asking(service, pool, config, {r["slug"]: r["id"] for r in rows})


@pytest.fixture
async def demo(demo_dsn: str, tmp_path: Any) -> AsyncIterator[Asking]:
    async with asking(demo_dsn, tmp_path) as ready:
        yield ready


def with_ask(config: Config, **values: Any) -> Config:
    return replace(config, ask=replace(config.ask, **values))


@pytest.fixture
def question_set() -> Iterator[Any]:
    yield load()
