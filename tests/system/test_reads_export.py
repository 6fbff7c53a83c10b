"""`p88 reads export`: stored reads as CSV, filtered by event and partner."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import trio

from tests.conftest import make_config
from tests.system.serving import LineClient, running_server, wait_for
from tests.system.test_collector_session import handshake

HEADER = "partner,event,session_id,location,sequence,tag,time,lap,reader_id,gator,received_at"


async def test_export_writes_the_documented_columns(dsn: str, tmp_path: Path) -> None:
    async with running_server(make_config(dsn, tmp_path)) as running:
        client = await LineClient.connect(running.collector)
        await handshake(client)
        await client.send(
            "CT01_33~7~FINISH~9511~2021-05-08T08:04:28.64~1~12000C~8",
            "CT01_33~8~FINISH~M12~08:04:29.05~2~12000C~2",  # normal format: the session's day
        )
        await wait_for(lambda: running.stats.reads_stored == 2)
        await client.aclose()
    config = tmp_path / "p88.toml"
    config.write_text(f'[database]\ndsn = "{dsn}"\ndata_dir = "{tmp_path}"\n')

    def export(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "p88", "reads", "export", "--config", str(config), *args],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    text = await trio.to_thread.run_sync(lambda: export("--format", "csv"))
    lines = text.splitlines()
    assert lines[0] == HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [
        (
            r["partner"],
            r["event"],
            r["location"],
            r["sequence"],
            r["tag"],
            r["time"],
            r["lap"],
            r["reader_id"],
            r["gator"],
        )
        for r in rows
    ] == [
        ("default", "21ROTM", "FINISH", "7", "9511", "2021-05-08T08:04:28.64", "1", "12000C", "8"),
        ("default", "21ROTM", "FINISH", "8", "M12", "2021-05-08T08:04:29.05", "2", "12000C", "2"),
    ]
    assert all(r["received_at"].endswith("Z") for r in rows)
    other = await trio.to_thread.run_sync(lambda: export("--event", "OTHER"))
    assert other.splitlines() == [HEADER]
    nobody = await trio.to_thread.run_sync(lambda: export("--partner", "nobody"))
    assert nobody.splitlines() == [HEADER]
