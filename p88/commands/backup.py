"""`p88 backup [--output FILE]` and `p88 restore FILE [--force]` from the shell.

Both use the embedded server of the configured data folder (started for the command and
stopped after, or shared with a running `p88 serve` for a backup) or the configured DSN.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TypeVar

import click

from p88.commands.common import config_option, load, run_reporting
from p88.config import ConfigError
from p88.db import pgtools
from p88.db.backups import make_backup
from p88.db.database import database_server
from p88.db.pool import open_bridge, redact
from p88.db.restore import (
    RestoreRefused,
    describe_counts,
    plan_restore,
    restore_backup,
    restored_counts,
)
from p88.ops_state import human_size

T = TypeVar("T")
PERSON_ERRORS = (pgtools.PgToolError, RestoreRefused, ConfigError)


class Progress:
    """One line on a terminal, rewritten in place; nothing when stderr is not a terminal."""

    def __init__(self, verb: str) -> None:
        self.verb = verb
        self.shown = False
        self.terminal = sys.stderr.isatty()

    def __call__(self, size: int) -> None:
        if self.terminal:
            click.echo(f"\r  {human_size(size)} {self.verb}   ", nl=False, err=True)
            self.shown = True

    def end(self) -> None:
        if self.shown:
            click.echo("", err=True)
            self.shown = False


@click.command("backup")
@config_option
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write here (default: a timestamped file in [backup] dir).",
)
def backup_command(config_path: Path | None, output: Path | None) -> None:
    """Back up the whole database into one verified file (pg_dump custom format)."""
    config = load(config_path)
    folder = config.backup.folder(config.database.data_dir)
    progress = Progress("written")

    async def main() -> Any:
        async with database_server(config) as (dsn, _embedded):
            click.echo(f"backing up {redact(dsn)}", err=True)
            try:
                return await make_backup(dsn, folder, "manual", output=output, on_progress=progress)
            finally:
                progress.end()

    made = run_reporting(main, PERSON_ERRORS)
    click.echo(f"backup written: {made.path} ({human_size(made.size)}, verified)")


@click.command("restore")
@config_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(config_path: Path | None, file: Path, force: bool) -> None:
    """Restore FILE (made by `p88 backup`) into the configured database."""
    config = load(config_path)
    progress = Progress("read")

    def say(message: str) -> None:
        click.echo(message, err=True)

    async def main() -> dict[str, int]:
        say(f"checking {file}")
        listing = await pgtools.verify(file)
        async with database_server(config) as (dsn, _embedded), open_bridge():
            plan = await plan_restore(dsn, force=force)
            if plan.replaced:
                say(f"replacing everything in {redact(dsn)}: {describe_counts(plan.replaced)}")
            folder = config.backup.folder(config.database.data_dir)
            try:
                await restore_backup(plan, file, listing, folder, progress, say)
            finally:
                progress.end()
            return await restored_counts(dsn)

    counts = run_reporting(main, PERSON_ERRORS)
    click.echo(f"restored {file}: {describe_counts(counts)}")
    click.echo("Start `p88 serve`: it applies newer migrations, if any, after a backup.")
