"""Shared fixtures: one real embedded PostgreSQL for the run, a fresh database per test."""

from __future__ import annotations

import itertools
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio

from p88.config import Config, config_from_mapping
from p88.db.embedded import EmbeddedPostgres

_counter = itertools.count()

pytest_plugins = ["pytester"]  # tests/unit/test_log_errors_fixture.py runs an inner session


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


# p88's own loggers (Quart's app logger is "p88.web.app", the app's import name) and
# Hypercorn's: where a crash in a request, connection or task handler ends up by design.
WATCHED_LOGGERS = ("p88", "hypercorn.error")


class ErrorRecords(logging.Handler):
    """Keeps the text of each ERROR (or worse) record as it is when logged: a filter on a
    handler further up (p88.logredact) may rewrite the record afterwards."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        exception = logging.Formatter().formatException(record.exc_info) if record.exc_info else ""
        self.texts.append(f"{record.name}: {record.getMessage()}\n{exception}".rstrip())


def _shortened(text: str) -> str:
    """The message and the end of the traceback (where the cause is)."""
    if len(text) <= 3000:
        return text
    return text[: text.find("\n") + 1] + "  ...\n" + text[-2500:]


@pytest.fixture(autouse=True)
def no_unexpected_log_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails a test during which p88 logged an ERROR it did not declare with
    `@pytest.mark.expect_log_errors("regex", ...)`; each declared regex must match (re.search
    on "logger: message" and the traceback) at least one such record."""
    handler = ErrorRecords()
    loggers = [logging.getLogger(name) for name in WATCHED_LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    marker = request.node.get_closest_marker("expect_log_errors")
    patterns = [re.compile(pattern) for pattern in (marker.args if marker else ())]
    unexpected = [t for t in handler.texts if not any(p.search(t) for p in patterns)]
    missing = [p.pattern for p in patterns if not any(p.search(t) for t in handler.texts)]
    problems = [f"unexpected ERROR log record:\n{_shortened(text)}" for text in unexpected]
    problems += [
        f"expected an ERROR log record matching {pattern!r}; none came" for pattern in missing
    ]
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresForTests]:
    root = Path(tempfile.mkdtemp(prefix="p88-pg-"))
    pg = PostgresForTests(root)
    yield pg
    pg.server.started_here = True
    try:
        pg.server.stop()  # on a busy machine pg_ctl has timed out here (60 s)
    finally:
        shutil.rmtree(root, ignore_errors=True)  # 2.6 GB a run; left behind, they filled the disk


@pytest.fixture
def dsn(postgres: PostgresForTests) -> str:
    """A freshly migrated database of its own for this test."""
    return postgres.new_database()


@pytest.fixture(scope="session")
def demo_template(postgres: PostgresForTests) -> str:
    """A migrated database holding Ask's demo race set (tests/ask/demo_races.py: results built
    by the real ResultsService), seeded once per run and kept as a template for copies."""
    from p88.db.pool import open_bridge, open_pool
    from tests.ask.demo_races import seed_demo

    server = postgres._server
    server.psql("CREATE DATABASE ask_demo TEMPLATE p88;")
    dsn = str(server.get_uri("ask_demo"))

    async def seed() -> None:
        async with open_bridge(), open_pool(dsn, max_size=4) as pool:
            await seed_demo(pool)

    trio.run(seed)
    server.psql("ALTER DATABASE ask_demo IS_TEMPLATE true;")
    return "ask_demo"


@pytest.fixture
def demo_dsn(postgres: PostgresForTests, demo_template: str) -> str:
    """A fresh copy of the demo race set for this test."""
    name = f"ask{os.getpid()}_{next(_counter)}"
    postgres._server.psql(f"CREATE DATABASE {name} TEMPLATE {demo_template};")
    return str(postgres._server.get_uri(name))


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
