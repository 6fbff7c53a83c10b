"""`p88 serve`: the server itself."""

from __future__ import annotations

import errno
from pathlib import Path

import click

import p88
from p88.commands.accounts import first_run_setup_link
from p88.commands.common import (
    base_url,
    config_option,
    database_errors,
    error_inside,
    load,
    run_reporting,
    setup_logging,
)

BIND_ERRORS = (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES)  # a port we cannot listen on


@click.command()
@config_option
@click.option("--no-migrate", is_flag=True, help="Refuse to start if migrations are pending.")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def serve(config_path: Path | None, no_migrate: bool, verbose: bool) -> None:
    """Run the server: collector, status endpoint and web app."""
    from p88.app import Running
    from p88.app import serve as serve_app

    config = load(config_path)
    setup_logging(verbose)

    async def banner(running: Running) -> None:
        host, port = running.collector
        click.echo(
            f"p88 {p88.__version__} ready\n"
            f"  collector (CTP01)  {host}:{port}\n"
            f"  status             {running.status_url}/health\n"
            f"  web                {running.web_url}/\n"
            "Press Ctrl-C to stop.",
            err=True,
        )
        setup = await first_run_setup_link(running.database.pool, base_url(config, running.web_url))
        if setup:
            click.echo(
                "\nNo administrator yet. Open this one-time link to create one (valid 24 hours;"
                f" a new one is printed at each start until it is used):\n  {setup}\n",
                err=True,
            )

    try:
        run_reporting(
            lambda: serve_app(config, apply_migrations=not no_migrate, on_ready=banner),
            database_errors(),
        )
    except BaseException as exc:
        found = error_inside(exc, (OSError,))
        if not isinstance(found, OSError) or found.errno not in BIND_ERRORS:
            raise
        reason = found.strerror or found
        raise click.ClickException(
            f"could not start: {reason} — is another p88 (or program) using the same ports? "
            "Change the binds in p88.toml."
        ) from None
