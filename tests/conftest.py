"""Shared fixtures: one real embedded PostgreSQL for the run, a fresh database per test."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio

from p88.config import Config, config_from_mapping
from p88.db.embedded import EmbeddedPostgres

_counter = itertools.count()


class PostgresForTests:
    """The embedded server of this test run, with a migrated template database."""

    def __init__(self, root: Path) -> None:
        self.server = EmbeddedPostgres(root)
        self.template_dsn = self.server.start()
        self._server = self.server._server
        self._migrate_template()

    def _migrate_template(self) -> None:
        from p88.db.migrate import migrate
        from p88.db.pool import connect, open_bridge

        async def run() -> None:
            async with open_bridge(), connect(self.template_dsn) as conn:
                await migrate(conn)

        trio.run(run)
        # Nobody may stay connected to a template database while it is copied.
        self._server.psql("ALTER DATABASE p88 IS_TEMPLATE true;")

    def new_database(self) -> str:
        name = f"t{os.getpid()}_{next(_counter)}"
        self._server.psql(f"CREATE DATABASE {name} TEMPLATE p88;")
        return str(self._server.get_uri(name))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresForTests]:
    root = Path(tempfile.mkdtemp(prefix="p88-pg-"))
    pg = PostgresForTests(root)
    yield pg
    pg.server.started_here = True
    pg.server.stop()
    shutil.rmtree(root, ignore_errors=True)  # 2.6 GB a run; left behind, they filled the disk


@pytest.fixture
def dsn(postgres: PostgresForTests) -> str:
    """A freshly migrated database of its own for this test."""
    return postgres.new_database()


def make_config(dsn: str, data_dir: Path, **sections: dict[str, object]) -> Config:
    """A config that binds every port to 127.0.0.1:0 and uses `dsn`."""
    raw: dict[str, dict[str, object]] = {
        "database": {"dsn": dsn, "data_dir": str(data_dir)},
        "collector": {"bind": "127.0.0.1:0"},
        "status": {"bind": "127.0.0.1:0"},
        "web": {"bind": "127.0.0.1:0"},
    }
    for name, values in sections.items():
        raw.setdefault(name, {}).update(values)
    return config_from_mapping(raw, env={})
