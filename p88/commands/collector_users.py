"""`p88 collector-user`: the credentials ChronoTrack middleware connects with."""

from __future__ import annotations

import secrets
from pathlib import Path

import click

from p88.commands.common import config_option, load, run_with_db
from p88.db.partners import (
    PartnerError,
    partner_by_slug,
    revoke_collector_credential,
    set_collector_credential,
)
from p88.db.pool import Connection
from p88.tcp.auth import CHALLENGE_METHODS


@click.group("collector-user")
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
    config = load(config_path)
    secret = secret or secrets.token_urlsafe(15)
    keep_plain = config.collector.authentication in CHALLENGE_METHODS

    async def body(conn: Connection) -> None:
        found = await partner_by_slug(conn, partner_slug)
        if found is None:
            raise PartnerError(f"no partner {partner_slug!r}; create it with `p88 partner add`")
        await set_collector_credential(conn, found, username, secret, keep_plain=keep_plain)

    try:
        run_with_db(config, body)
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
    config = load(config_path)

    async def body(conn: Connection) -> bool:
        found = await partner_by_slug(conn, partner_slug)
        return found is not None and await revoke_collector_credential(conn, found, username)

    if not run_with_db(config, body):
        raise click.ClickException(f"no live collector user {username!r} for {partner_slug!r}")
    click.echo(f"collector user {username} revoked")
