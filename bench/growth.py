"""Growth benchmark: what a display's first frame and a reads export cost as a session grows.

    python bench/growth.py                        # 10,000, 100,000 and 1,000,000 stored reads
    python bench/growth.py --sizes 10000 100000   # smaller, for a busy machine

For each size, a fresh session gets that many stored reads, written by PostgreSQL itself
(`generate_series`): half at START, half at FINISH, in time order, each runner's crossing read
several times (runners = size / 8, at most 50,000, then more reads per crossing), every runner
imported as a participant. The server is `p88 serve` in this process (embedded PostgreSQL in a
temporary folder). Per size it prints:

- `first_frame_ms`: opening a finish display's websocket (TCP connect, upgrade) until its hello
  has arrived whole, when no screen shows the session (its feed starts: the first frame reads
  the newest reads and the earlier reads of those runners only);
- `first_frame_reads`: how many stored reads that first frame read;
- `leaderboard_first_frame_ms`: a leaderboard of the same session opened right after (the feed
  is shared; its standings are there if the results engine is built by then);
- `history_loaded_s`: until the feed has read the whole history (live passings wait until then);
- `results_built_s`: until the session's results engine is built (the screens' times and
  standings wait for it; the results service builds it in a worker thread);
- the process's RSS after the first frame, once the history is loaded and once the results
  are built (`rss_*_mb`: each size adds to the sizes before it);
- `export_rows_per_s`: `p88 reads export`'s query (COPY ... TO STDOUT, CSV) of that event
  into a file.

The machine may be shared: say how loaded it was beside every figure (the script prints the
load average before each size).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import trio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DAY = date(2021, 5, 8)
MOST_RUNNERS = 50_000

STORE_READS = """
WITH points AS (
    INSERT INTO timing_locations (partner_id, session_id, name)
    VALUES ($1, $2, 'START'), ($1, $2, 'FINISH') RETURNING id, name
), reads AS (
    SELECT p.id AS location_id, runner::text AS tag,
           CASE p.name WHEN 'START' THEN $3::timestamp + runner * interval '0.01 s'
                ELSE $3::timestamp + interval '20 minutes' + runner * interval '0.05 s' END
           + copy * interval '0.1 s' AS local_time, copy
    FROM points p, generate_series(1, $4::int) runner, generate_series(0, $5::int - 1) copy
)
INSERT INTO timing_reads (partner_id, session_id, location_id, tag, local_time, lap, reader_id,
                          gator, sequence, connection_id, received_at)
SELECT $1, $2, location_id, tag, local_time, 1, 'R1', copy,
       row_number() OVER (ORDER BY local_time), 'growth', now()
FROM reads ORDER BY local_time
"""
GUN = """
INSERT INTO gun_times (partner_id, session_id, local_time, wave, source)
VALUES ($1, $2, $3, '', 'manual')
"""


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def seed(pool: Any, size: int) -> dict[str, Any]:
    """A session of `size` stored reads, its participants, a finish and a leaderboard link."""
    from p88.db.partners import partner_by_slug
    from p88.db.tenancy import tenant_transaction
    from p88.demo import demo_participants, ensure_session
    from p88.displays.store import create_display
    from p88.participants.queries import upsert_participants

    runners = min(size // 8, MOST_RUNNERS)
    copies = size // (2 * runners)
    event = f"GROWTH-{size}"
    async with pool.acquire() as conn:
        partner = await partner_by_slug(conn, "default")
    assert partner is not None
    async with tenant_transaction(pool, partner.id) as conn:
        await upsert_participants(conn, partner.id, event, demo_participants(runners, 1))
        session_id = await ensure_session(conn, partner.id, event, DAY, "UTC")
        tokens = {}
        for mode in ("finish", "leaderboard"):
            _, tokens[mode] = await create_display(
                conn, partner.id, name=mode, session_id=session_id, locations=["FINISH"], mode=mode
            )
    started = time.perf_counter()
    async with pool.acquire() as conn:
        gun = datetime(2021, 5, 8, 9, 0)
        await conn.execute(GUN, partner.id, session_id, gun)
        await conn.execute(STORE_READS, partner.id, session_id, gun, runners, copies)
        await conn.execute("ANALYZE timing_reads")
        stored = await conn.fetchval(
            "SELECT count(*) FROM timing_reads WHERE session_id = $1", session_id
        )
    return {
        "event": event,
        "session_id": session_id,
        "tokens": tokens,
        "stored_reads": stored,
        "runners": runners,
        "seed_s": round(time.perf_counter() - started, 1),
    }


async def first_frame(web: str, token: str) -> tuple[float, int, trio.SocketStream]:
    """Milliseconds from connecting to the hello's last byte; the hello's size; the open
    socket (a screen that stays keeps its feed)."""
    host, port = web.rsplit(":", 1)
    began = time.perf_counter()
    stream = await trio.open_tcp_stream(host, int(port))
    await stream.send_all(
        (
            f"GET /d/{token}/ws HTTP/1.1\r\nHost: {web}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    data = b""
    while b"\r\n\r\n" not in data:
        data += await stream.receive_some(1 << 16)
    head, _, data = data.partition(b"\r\n\r\n")
    assert b" 101 " in head.split(b"\r\n")[0], head
    while True:
        if len(data) >= 2:
            size, offset = data[1] & 0x7F, 2
            if size == 126:
                size, offset = int.from_bytes(data[2:4], "big"), 4
            elif size == 127:
                size, offset = int.from_bytes(data[2:10], "big"), 10
            if len(data) >= offset + size:
                return (time.perf_counter() - began) * 1000, size, stream
        chunk = await stream.receive_some(1 << 16)
        assert chunk, "the server closed the socket before the hello"
        data += chunk


async def until(predicate: Any, began: float, limit: float = 600.0) -> float:
    while not predicate():
        if time.perf_counter() - began > limit:
            return float("nan")
        await trio.sleep(0.01)
    return round(time.perf_counter() - began, 2)


async def measure(running: Any, size: int, data_dir: Path) -> dict[str, Any]:
    from p88.db.reads import copy_reads_csv

    pool = running.database.pool
    report: dict[str, Any] = {"load_average": os.getloadavg()[0]}
    report.update(await seed(pool, size))
    web = running.web_url.split("://", 1)[1]
    tokens = report.pop("tokens")
    began = time.perf_counter()
    ms, report["hello_bytes"], finish = await first_frame(web, tokens["finish"])
    report["first_frame_ms"] = ms
    feed = next(f for f in running.hub._feeds.values() if f.key.session_id == report["session_id"])
    report["first_frame_reads"] = feed.first_frame_reads
    report["rss_first_frame_mb"] = round(rss_mb(), 1)
    ms, report["leaderboard_hello_bytes"], board = await first_frame(web, tokens["leaderboard"])
    report["leaderboard_first_frame_ms"] = ms
    results = running.hub.results
    session_id = report["session_id"]
    report["history_loaded_s"] = await until(feed.warmed.is_set, began)
    report["rss_history_mb"] = round(rss_mb(), 1)
    report["results_built_s"] = await until(lambda: results.loaded(session_id) is not None, began)
    report["rss_results_mb"] = round(rss_mb(), 1)
    for stream in (finish, board):
        await stream.aclose()
    out = data_dir / "export.csv"
    started = time.perf_counter()
    # asyncpg writes COPY's output into the file as it comes, as `p88 reads export` does.
    with open(out, "wb") as handle:  # noqa: ASYNC230
        async with pool.acquire() as conn:
            rows = await copy_reads_csv(conn, report["event"], None, handle)
    seconds = time.perf_counter() - started
    report["export_rows"] = rows
    report["export_rows_per_s"] = round(rows / seconds)
    out.unlink()
    for key in ("first_frame_ms", "leaderboard_first_frame_ms"):
        report[key] = round(report[key], 1)
    return report


async def run(sizes: list[int]) -> list[dict[str, Any]]:
    from p88.app import Running, serve
    from p88.config import config_from_mapping

    data_dir = Path(tempfile.mkdtemp(prefix="p88-growth-"))
    config = config_from_mapping(
        {
            "database": {"data_dir": str(data_dir)},
            "collector": {"bind": "127.0.0.1:0"},
            "status": {"bind": "127.0.0.1:0"},
            "web": {"bind": "127.0.0.1:0"},
        },
        env={},
    )
    reports: list[dict[str, Any]] = []

    async def on_ready(running: Running) -> None:
        for size in sizes:
            report = await measure(running, size, data_dir)
            print(json.dumps(report), flush=True)
            reports.append(report)
        running.shutdown()

    await serve(config, handle_signals=False, on_ready=on_ready)  # type: ignore[arg-type]
    shutil.rmtree(data_dir, ignore_errors=True)  # runs add up to gigabytes
    return reports


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    import logging

    logging.basicConfig(level=logging.WARNING)
    trio.run(run, args.sizes)


if __name__ == "__main__":
    main()
