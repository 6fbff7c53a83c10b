"""`p88 partner`: timing companies on this install."""

from __future__ import annotations

from pathlib import Path

import click

from p88.commands.accounts import owner_invitation_link
from p88.commands.common import base_url, config_option, load, run_with_db_reporting
from p88.db.partners import Partner, create_partner
from p88.db.pool import Connection


@click.group()
def partner() -> None:
    """Timing companies on this install."""


@partner.command("add")
@config_option
@click.argument("slug")
@click.option("--name", default="", help="Display name (default: the slug).")
@click.option("--owner", "owner_email", default="", help="Owner's email: prints an invitation.")
def partner_add(config_path: Path | None, slug: str, name: str, owner_email: str) -> None:
    """Create a partner (timing company)."""
    config = load(config_path)

    async def body(conn: Connection) -> tuple[Partner, str]:
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
