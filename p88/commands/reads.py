"""`p88 reads`: stored tag reads."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from p88.commands.common import config_option, load, run_with_db
from p88.db.pool import Connection
from p88.db.reads import copy_reads_csv


@click.group()
def reads() -> None:
    """Stored tag reads."""


@reads.command("export")
@config_option
@click.option("--event", default=None, help="Only this event name.")
@click.option("--partner", "partner_slug", default=None, help="Only this partner (slug).")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File (default: stdout).",
)
def reads_export(
    config_path: Path | None,
    event: str | None,
    partner_slug: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Write stored reads as CSV."""
    config = load(config_path)
    handle = open(output, "wb") if output else sys.stdout.buffer

    async def body(conn: Connection) -> int:
        return await copy_reads_csv(conn, event, partner_slug, handle)

    try:
        count = run_with_db(config, body)
    finally:
        if output:
            handle.close()
        else:
            handle.flush()
    if output:
        click.echo(f"{count} reads written to {output}", err=True)
