"""`p88 migrate`: bring the database's schema up to date."""

from __future__ import annotations

from pathlib import Path

import click

from p88.commands.common import config_option, load, run_with_db
from p88.db.pool import Connection


@click.command()
@config_option
def migrate(config_path: Path | None) -> None:
    """Apply pending database migrations."""
    config = load(config_path)

    async def nothing(conn: Connection) -> None:
        return None

    run_with_db(config, nothing)  # open_database applies migrations on the way in
    click.echo("database is up to date")
