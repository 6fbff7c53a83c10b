"""README.md's "Commands" table stays true to the `p88` command: every command it names
exists, with every option it shows, and every command of `p88` is in the table."""

from __future__ import annotations

import re
from pathlib import Path

import click

from p88.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"


def table_rows() -> list[str]:
    text = README.read_text()
    start = text.index("## Commands")
    section = text[start : text.index("\n## ", start + 1)]
    return [line for line in section.splitlines() if line.startswith("| `")]


def leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        path = (*prefix, name)
        if isinstance(command, click.Group):
            found |= leaf_commands(command, path)
        else:
            found[" ".join(path)] = command
    return found


def command_of(usage: str) -> tuple[click.Command, list[str]]:
    """The command a usage such as `p88 results export --event NAME` names; its options."""
    words = usage.split()
    assert words[0] == "p88", usage
    command: click.Command = main
    for word in words[1:]:
        if not isinstance(command, click.Group) or word not in command.commands:
            break
        command = command.commands[word]
    return command, re.findall(r"--[a-z][a-z-]*", usage)


def test_every_command_and_option_in_the_table_exists() -> None:
    usages = [u for row in table_rows() for u in re.findall(r"`(p88 [^`]*)`", row)]
    assert len(usages) >= 12, usages
    for usage in usages:
        command, options = command_of(usage)
        assert not isinstance(command, click.Group), f"README: {usage!r} names no command"
        known = {opt for param in command.params for opt in getattr(param, "opts", ())}
        for option in options:
            assert option in known, f"README: {usage!r}: {option} is not an option of it"


def test_every_command_is_in_the_table() -> None:
    rows = [row.split("` | ")[0] for row in table_rows()]  # the command column
    for path in leaf_commands(main):
        words = path.split()
        assert any(all(re.search(rf"\b{w}\b", row) for w in words) for row in rows), (
            f"p88 {path} is missing from README's Commands table"
        )
