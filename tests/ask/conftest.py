"""Fixtures for Ask: the demo race set seeded once per run into a template database (results
built by the real ResultsService), a fresh copy of it per test, and the Ask service over it."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pytest
import trio

from p88.ask.service import Asker, AskService, open_ask_service
from p88.config import Config
from p88.db.pool import open_bridge, open_pool
from tests.ask.demo_races import seed_demo
from tests.ask.questionset import load
from tests.conftest import PostgresForTests, make_config

TODAY = load().today
DEMO = "ask_demo"
_copies = itertools.count()


@pytest.fixture(scope="session")
def demo_template(postgres: PostgresForTests) -> str:
    """A migrated database holding the demo race set, kept as a template for copies."""
    server = postgres._server
    server.psql(f"CREATE DATABASE {DEMO} TEMPLATE p88;")
    dsn = str(server.get_uri(DEMO))

    async def seed() -> None:
        async with open_bridge(), open_pool(dsn, max_size=4) as pool:
            await seed_demo(pool)

    trio.run(seed)
    server.psql(f"ALTER DATABASE {DEMO} IS_TEMPLATE true;")
    return DEMO


@pytest.fixture
def demo_dsn(postgres: PostgresForTests, demo_template: str) -> str:
    """A fresh copy of the demo race set for this test."""
    name = f"ask{os.getpid()}_{next(_copies)}"
    postgres._server.psql(f"CREATE DATABASE {name} TEMPLATE {demo_template};")
    return str(postgres._server.get_uri(name))


@dataclass(slots=True)
class Asking:
    service: AskService
    pool: Any
    config: Config
    partners: dict[str, int]

    def asker(self, slug: str = "big-river", **extra: Any) -> Asker:
        return Asker(self.partners[slug], email=f"someone@{slug}.example", **extra)


@asynccontextmanager
async def asking(
    dsn: str, tmp_path: Any, today: date = TODAY, **ask: object
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


def with_ask(config: Config, **values: object) -> Config:
    return replace(config, ask=replace(config.ask, **values))


@pytest.fixture
def question_set() -> Iterator[Any]:
    yield load()
