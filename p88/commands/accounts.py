"""Accounts from the shell: `p88 admin create`, `p88 user add`, `p88 user reset-password`, and
the first-run setup link printed by `p88 serve`.

None of them sets or prints a password: they print one-time links the person opens to choose
their own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import click

from p88.commands.common import base_url, config_option, load, run_with_db_reporting
from p88.db import account_tokens
from p88.db.accounts import (
    AccountError,
    check_email,
    check_role,
    create_user,
    make_platform_admin,
    platform_admin_exists,
    set_membership,
    user_by_email,
)
from p88.db.audit import record
from p88.db.invitations import create_invitation
from p88.db.partners import PartnerError, partner_by_slug
from p88.db.pool import Connection, Pool


async def first_run_setup_link(pool: Pool, url: str) -> str | None:
    """On an install without a platform admin: a fresh one-time setup link, else None."""
    async with pool.acquire() as conn:
        if await platform_admin_exists(conn):
            return None
        token = await account_tokens.issue_setup(conn)
    return f"{url.rstrip('/')}/setup/{token}"


async def _password_link(conn: Connection, user_id: int, url: str) -> str:
    token = await account_tokens.issue_reset(conn, user_id)
    return f"{url}/reset/{token}"


async def create_platform_admin(conn: Connection, email: str, url: str) -> str:
    """Make EMAIL a platform admin (creating the account); return their password link."""
    async with conn.transaction():
        user = await user_by_email(conn, email)
        if user is None:
            user = await create_user(conn, email, "", None, is_platform_admin=True)
        else:
            await make_platform_admin(conn, user.id)
        await record(
            conn, "platform admin created", partner_id=None, actor_id=None,
            actor_email="(shell)", address="", detail=user.email,
        )  # fmt: skip
        return await _password_link(conn, user.id, url)


async def add_user(
    conn: Connection, email: str, partner_slug: str, role: str, name: str, url: str
) -> str:
    """Add EMAIL to the partner with ROLE; a password link for a new account, else ''."""
    check_role(role)
    async with conn.transaction():
        partner = await partner_by_slug(conn, partner_slug)
        if partner is None:
            raise PartnerError(f"no partner {partner_slug!r}; create it with `p88 partner add`")
        user = await user_by_email(conn, email)
        link = ""
        if user is None:
            user = await create_user(conn, email, name)
            link = await _password_link(conn, user.id, url)
        await set_membership(conn, user.id, partner.id, role)
        await record(
            conn, "member added", partner_id=partner.id, actor_id=None, actor_email="(shell)",
            address="", detail=f"{user.email} as {role}",
        )  # fmt: skip
    return link


async def reset_password_link(conn: Connection, email: str, url: str) -> str:
    user = await user_by_email(conn, email)
    if user is None:
        raise AccountError(f"no account for {email}; add it with `p88 user add`")
    link = await _password_link(conn, user.id, url)
    await record(
        conn, "reset link issued", partner_id=None, actor_id=None, actor_email="(shell)",
        address="", detail=f"for {user.email}",
    )  # fmt: skip
    return link


async def owner_invitation_link(conn: Connection, partner_id: int, email: str, url: str) -> str:
    token = await create_invitation(conn, partner_id, check_email(email), "owner", None)
    return f"{url}/invite/{token}"


def _run(config_path: Path | None, body: Callable[[Connection, str], Awaitable[str]]) -> str:
    """`body(conn, url)` with url where people open links; our own errors as clean messages."""
    config = load(config_path)
    return run_with_db_reporting(config, lambda conn: body(conn, base_url(config)))


@click.group("admin")
def admin_group() -> None:
    """Platform administrators (the people who run this install)."""


@admin_group.command("create")
@config_option
@click.argument("email")
def admin_create(config_path: Path | None, email: str) -> None:
    """Make EMAIL a platform admin and print a one-time link to choose a password."""
    link = _run(config_path, lambda conn, url: create_platform_admin(conn, email, url))
    click.echo(f"platform admin {email.strip().lower()}")
    click.echo(f"open this link within 24 hours to choose a password:\n  {link}")


@click.group("user")
def user_group() -> None:
    """People who sign in to the web app."""


@user_group.command("add")
@config_option
@click.argument("email")
@click.option("--partner", "partner_slug", required=True, help="Partner (slug) to add them to.")
@click.option(
    "--role",
    type=click.Choice(["owner", "admin", "operator", "viewer"]),
    default="operator",
    show_default=True,
)
@click.option("--name", default="", help="Their name as shown in the app.")
def user_add(config_path: Path | None, email: str, partner_slug: str, role: str, name: str) -> None:
    """Add EMAIL to a partner with a role (creating the account if needed)."""
    link = _run(config_path, lambda conn, url: add_user(conn, email, partner_slug, role, name, url))
    click.echo(f"{email.strip().lower()} is {role} of {partner_slug}")
    if link:
        click.echo(f"send them this link to choose a password (valid 24 hours):\n  {link}")


@user_group.command("reset-password")
@config_option
@click.argument("email")
def user_reset_password(config_path: Path | None, email: str) -> None:
    """Print a one-time link with which EMAIL chooses a new password."""
    link = _run(config_path, lambda conn, url: reset_password_link(conn, email, url))
    click.echo(f"reset link for {email.strip().lower()} (valid 24 hours, works once):\n  {link}")
