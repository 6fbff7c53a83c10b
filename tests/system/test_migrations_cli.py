"""The real `p88` command on a schema it must not use: `p88 serve --no-migrate` with migrations
pending, and `p88 serve` / `p88 migrate` on a database a newer p88 migrated, each end with a
message saying what to do, exit code 1 and no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from p88.db.pool import connect, open_bridge
from tests.db.test_migrations import new_empty_database
from tests.system.test_first_run_cli import write_config


def run_p88(tmp_path: Path, dsn: str, *args: str) -> subprocess.CompletedProcess[str]:
    config = write_config(tmp_path, dsn)
    return subprocess.run(
        [sys.executable, "-m", "p88", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def assert_clean_failure(done: subprocess.CompletedProcess[str], *expected: str) -> None:
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output, output
    for text in expected:
        assert text in done.stderr, output


async def test_serve_no_migrate_with_migrations_pending_says_what_to_do(
    dsn: str, tmp_path: Path
) -> None:
    empty = await new_empty_database(dsn)
    done = run_p88(tmp_path, empty, "serve", "--no-migrate")
    assert_clean_failure(
        done, "Error: the database at", "needs migrations (0001_", "run `p88 migrate`"
    )
    assert "ready" not in done.stderr  # it never started serving


async def test_serve_and_migrate_on_a_database_of_a_newer_p88_say_what_to_do(
    dsn: str, tmp_path: Path
) -> None:
    async with open_bridge(), connect(dsn) as conn:
        await conn.execute(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'future', 'x')"
        )
    for command in ("serve", "migrate"):
        done = run_p88(tmp_path, dsn, command)
        assert_clean_failure(
            done, "Error: the database has migration 9999", "it was migrated by a newer p88"
        )
