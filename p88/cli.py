"""The `p88` command: one click group; its commands live in p88.commands, one module each."""

from __future__ import annotations

import click

import p88
from p88.commands import (
    accounts,
    backup,
    collector_users,
    demo,
    migrate,
    partners,
    reads,
    results,
    serve,
    simulate,
)


@click.group()
@click.version_option(p88.__version__, prog_name="p88")
def main() -> None:
    """p88: ChronoTrack collector, live displays and results in one process."""


for command in (
    serve.serve,
    migrate.migrate,
    partners.partner,
    collector_users.collector_user,
    reads.reads,
    results.results,
    simulate.simulate_command,
    demo.demo_command,
    accounts.admin_group,
    accounts.user_group,
    backup.backup_command,
    backup.restore_command,
):
    main.add_command(command)
