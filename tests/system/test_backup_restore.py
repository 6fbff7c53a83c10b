"""`p88 backup` of a serving server and `p88 restore` into a fresh data folder, through the real
command line: the restored database equals the original, table by table; damaged files and
occupied databases are refused and change nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import trio

from p88.db import templates
from p88.db.database import open_database
from p88.db.embedded import EmbeddedPostgres
from p88.db.pool import connect, open_bridge
from p88.db.tenancy import tenant_transaction
from p88.layouts import sample_document
from tests.conftest import make_config
from tests.system.serving import LineClient, running_server, wait_for
from tests.system.test_collector_session import handshake
from tests.web.sessions_seed import seed_participant
from tests.web.support import create_partner_with_user

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
READS = 300


def p88(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "p88", *args], capture_output=True, text=True, check=False
    )


async def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return await trio.to_thread.run_sync(lambda: p88(*args))


# Every table, every row, as text, in a stable order; and where every sequence stands.
TABLES = """
SELECT c.relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
WHERE s.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname
"""


async def everything(dsn: str) -> dict[str, Any]:
    async with open_bridge(), connect(dsn) as conn:
        found: dict[str, Any] = {}
        for row in await conn.fetch(TABLES):
            name = row["relname"]
            rows = await conn.fetch(
                "SELECT row_to_json(t)::text AS j FROM (SELECT * FROM public."
                + '"'
                + name
                + '"'
                + ") t ORDER BY 1"
            )
            found[name] = [r["j"] for r in rows]
        sequences = await conn.fetch(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        )
        found["sequences"] = sorted((r["sequencename"], r["last_value"]) for r in sequences)
        return found


async def fill_a_serving_server(dsn: str, root: Path) -> None:
    """Reads through the collector; a partner with people, participants, a template, an image."""
    async with running_server(make_config(dsn, root / "serve")) as running:
        client = await LineClient.connect(running.collector)
        await handshake(client, "START~FINISH")
        lines = [
            f"CT01_33~{n}~{'START' if n % 2 else 'FINISH'}~{1000 + n // 2}"
            f"~2021-05-08T08:{n // 60 % 60:02d}:{n % 60:02d}.{n % 100:02d}~1~12000C~{n % 9}"
            for n in range(1, READS + 1)
        ]
        await client.send(*lines)
        await wait_for(lambda: running.stats.reads_stored == READS)
        await client.aclose()
        async with open_database(make_config(dsn, root / "own")) as db:
            alpha = await create_partner_with_user(db.pool, "alpha", "owner")
            await create_partner_with_user(db.pool, "alpha", "operator")
            for bib in range(1, 21):
                await seed_participant(
                    db.pool, 1, "21ROTM", str(bib), str(1000 + bib), "Runner", f"Nº {bib}"
                )
            await seed_participant(db.pool, alpha.partner_id, "ALPHA RACE", "1", "77", "A", "B")
            async with tenant_transaction(db.pool, alpha.partner_id) as conn:
                await templates.create_template(
                    conn, alpha.partner_id, "Finish", sample_document("finish"), alpha.email
                )
                await templates.add_image(conn, alpha.partner_id, "logo.png", "image/png", PNG)


def config_file(path: Path, *, dsn: str = "", data_dir: Path) -> Path:
    path.write_text(f'[database]\ndsn = "{dsn}"\ndata_dir = "{data_dir}"\n')
    return path


async def test_a_backup_restores_into_a_fresh_data_dir_identically(
    dsn: str, tmp_path: Path
) -> None:
    await fill_a_serving_server(dsn, tmp_path)
    source = config_file(tmp_path / "source.toml", dsn=dsn, data_dir=tmp_path / "serve")
    made = await cli("backup", "--config", str(source), "--output", str(tmp_path / "race.dump"))
    assert made.returncode == 0, made.stderr
    assert "verified" in made.stdout and (tmp_path / "race.dump").stat().st_size > 0
    before = await everything(dsn)

    # Outside pytest's tmp tree: a pytest starting elsewhere on the machine resets that tree to
    # mode 0700, and the embedded server runs as its own user (as in tests/conftest.py).
    fresh_dir = Path(tempfile.mkdtemp(prefix="p88-restore-"))
    try:
        await restore_and_compare(tmp_path, source, fresh_dir, before)
    finally:
        shutil.rmtree(fresh_dir, ignore_errors=True)


async def restore_and_compare(
    tmp_path: Path, source: Path, fresh_dir: Path, before: dict[str, Any]
) -> None:
    fresh = config_file(tmp_path / "fresh.toml", data_dir=fresh_dir)
    restored = await cli("restore", "--config", str(fresh), str(tmp_path / "race.dump"))
    assert restored.returncode == 0, restored.stderr
    assert f"timing_reads {READS}" in restored.stdout

    exports = [await cli("reads", "export", "--config", str(c)) for c in (source, fresh)]
    assert exports[0].returncode == exports[1].returncode == 0
    assert len(exports[0].stdout.splitlines()) == READS + 1
    assert exports[0].stdout == exports[1].stdout

    server = EmbeddedPostgres(fresh_dir)
    fresh_dsn = await trio.to_thread.run_sync(server.start)
    try:
        after = await everything(fresh_dsn)
        assert after.keys() == before.keys()
        for table in before:
            assert after[table] == before[table], f"{table} differs after the restore"
        assert len(after["participants"]) == 21 and len(after["template_images"]) == 1
        # Row-level security came back with the tables: a tenant sees its own rows only.
        async with open_database(make_config(fresh_dsn, tmp_path / "check")) as db:
            alpha = await db.pool.fetchval("SELECT id FROM partners WHERE slug = 'alpha'")
            async with tenant_transaction(db.pool, alpha) as conn:
                events = await conn.fetch("SELECT event_name FROM participants")
                sessions = await conn.fetchval("SELECT count(*) FROM timing_sessions")
            assert [e["event_name"] for e in events] == ["ALPHA RACE"] and sessions == 0
    finally:
        server.started_here = True
        await trio.to_thread.run_sync(server.stop)


async def test_damaged_files_and_occupied_databases_are_refused_and_nothing_changes(
    dsn: str, tmp_path: Path
) -> None:
    await fill_a_serving_server(dsn, tmp_path)
    source = config_file(tmp_path / "source.toml", dsn=dsn, data_dir=tmp_path / "serve")
    made = await cli("backup", "--config", str(source))
    assert made.returncode == 0, made.stderr
    [backup] = sorted((tmp_path / "serve" / "backups").glob("p88-*-manual.dump"))
    before = await everything(dsn)

    garbage = tmp_path / "garbage.dump"
    garbage.write_bytes(b"this is not a backup\n" * 100)
    refused = await cli("restore", "--config", str(source), "--force", str(garbage))
    assert refused.returncode == 1
    assert "garbage.dump is not a usable backup" in refused.stderr
    assert "Traceback" not in refused.stderr

    data = backup.read_bytes()
    for cut in (len(data) // 2, len(data) - 200):
        damaged = tmp_path / f"cut-{cut}.dump"
        damaged.write_bytes(data[:cut])
        refused = await cli("restore", "--config", str(source), "--force", str(damaged))
        assert refused.returncode == 1, refused.stdout
        assert "damaged" in refused.stderr or "not a usable backup" in refused.stderr
        assert "Traceback" not in refused.stderr

    occupied = await cli("restore", "--config", str(source), str(backup))
    assert occupied.returncode == 1
    assert "is not empty" in occupied.stderr and f"timing_reads {READS}" in occupied.stderr
    assert "--force" in occupied.stderr
    assert await everything(dsn) == before

    # With --force it replaces the database, after backing up what it replaces.
    forced = await cli("restore", "--config", str(source), "--force", str(backup))
    assert forced.returncode == 0, forced.stderr
    assert "replacing everything" in forced.stderr
    [safety] = sorted((tmp_path / "serve" / "backups").glob("p88-*-before-restore.dump"))
    assert safety.stat().st_size > 0
    assert await everything(dsn) == before
